/**
 * The LevelDB layout of the embedded ledger, in one place. Every key is a UTF-8 string.
 *   m!height                      number of committed blocks
 *   m!lost!{block:12}             blocks from..to recorded lost by ledger:repair (JSON LostBlocks)
 *   b!{block:12}                  a block (header, hash and its transactions with their write sets)
 *   s!{key}                       current value of a world-state key
 *   h!{key}!{block:12}{tx:6}      one entry of a key's history
 *   t!{txId}                      the block a transaction is in
 * Numbers are zero-padded so LevelDB's byte order is block order.
 */
export const HEIGHT_KEY = 'm!height';
const BLOCK_WIDTH = 12;
const TX_WIDTH = 6;

export const blockKey = (number: number) => `b!${String(number).padStart(BLOCK_WIDTH, '0')}`;
export const BLOCK_RANGE = { gte: 'b!', lt: 'b"' };
export const lostKey = (from: number) => `m!lost!${String(from).padStart(BLOCK_WIDTH, '0')}`;
export const LOST_RANGE = { gte: 'm!lost!', lt: 'm!lost"' };
export const stateKey = (key: string) => `s!${key}`;
export const STATE_PREFIX = 's!';
export const STATE_RANGE = { gte: 's!', lt: 's"' };
export const historyKey = (key: string, block: number, tx: number) =>
  `h!${key}!${String(block).padStart(BLOCK_WIDTH, '0')}${String(tx).padStart(TX_WIDTH, '0')}`;
export const txKey = (txId: string) => `t!${txId}`;
export const TX_RANGE = { gte: 't!', lt: 't"' };
export const HISTORY_RANGE = { gte: 'h!', lt: 'h"' };
export const historyRange = (key: string) => ({ gte: `h!${key}!`, lt: `h!${key}"` });
const VERSION_SUFFIX = new RegExp(`^(\\d{${BLOCK_WIDTH}})(\\d{${TX_WIDTH}})$`);

/** Splits a history key into its state key and version; undefined if it is not one. */
export function parseHistoryKey(dbKey: string): { key: string; block: number; tx: number } | undefined {
  if (!dbKey.startsWith('h!') || dbKey.length < 2 + 1 + BLOCK_WIDTH + TX_WIDTH) return undefined;
  const suffix = dbKey.slice(dbKey.length - BLOCK_WIDTH - TX_WIDTH);
  const match = VERSION_SUFFIX.exec(suffix);
  if (!match || dbKey[dbKey.length - BLOCK_WIDTH - TX_WIDTH - 1] !== '!') return undefined;
  return { key: dbKey.slice(2, dbKey.length - BLOCK_WIDTH - TX_WIDTH - 1), block: Number(match[1]), tx: Number(match[2]) };
}

/** Fabric's composite key form: U+0000, object type, then each attribute followed by U+0000. */
export const COMPOSITE_KEY_NAMESPACE = '\u0000';
export const MAX_UNICODE_RUNE = '\u{10FFFF}';

/**
 * Compares two strings in UTF-8 byte order (LevelDB's and a peer's key order), without encoding
 * them when it can. Where they first differ, two units outside the surrogates (U+D800–DFFF)
 * compare in UTF-8 as in UTF-16; a surrogate there (a character above U+FFFF, or a lone one,
 * which UTF-8 writes as U+FFFD) takes the exact path: both encoded.
 */
export function utf8Compare(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x - y;
  }
  return a.length === b.length ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}
