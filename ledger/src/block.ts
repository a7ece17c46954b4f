import { createHash, hash as digest } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '@tender-ledger/domain';

/** One world-state write of a transaction. Values are UTF-8 text (the contract writes JSON). */
export interface StateWrite {
  key: string;
  value: string | null;
}

export interface ChaincodeEvent {
  name: string;
  payload: string;
}

/** A valid transaction as its block keeps it: who, when, what was called, what it wrote. */
export interface BlockTransaction {
  txId: string;
  timestamp: string;
  creator: { mspId: string; id: string };
  contract: string;
  fn: string;
  args: string[];
  writes: StateWrite[];
  /** Key-level endorsement policies the transaction set (key → SignaturePolicyEnvelope, base64); kept, not enforced. */
  validationParameters?: Record<string, string>;
  event?: ChaincodeEvent;
}

export interface BlockHeader {
  number: number;
  prevHash: string;
  dataHash: string;
  txCount: number;
}

export interface Block extends BlockHeader {
  hash: string;
  txs: BlockTransaction[];
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The block hash rule: SHA-256 of the RFC 8785 form of the transaction list. */
export function blockDataHash(txs: readonly BlockTransaction[]): string {
  return sha256(canonicalJson(txs));
}

/** And of the header, which names the block before and the data hash. */
export function blockHeaderHash(header: BlockHeader): string {
  const { number, prevHash, dataHash, txCount } = header;
  return sha256(canonicalJson({ number, prevHash, dataHash, txCount }));
}

const HASH_HEX = '0'.repeat(64);
const byte = (char: string) => char.charCodeAt(0);

/**
 * Seals blocks and writes their stored form (the block's JSON, members in RFC 8785 order) into
 * one buffer kept from block to block: a block of a thousand transactions is megabytes, and a
 * fresh string, its UTF-8 copy for the hash and another for LevelDB each touched new pages.
 */
export class BlockEncoder {
  #buffer = Buffer.allocUnsafe(1 << 20);

  /**
   * A sealed block and its stored bytes, built from each transaction's canonical JSON once (the
   * canonical form of a list is its items' forms joined, so the data hash equals blockDataHash).
   * The bytes are this encoder's until its next call: put them into a LevelDB batch (which copies
   * them) before sealing the next block. `texts`, if given, are the transactions' canonical JSON.
   */
  seal(
    number: number,
    prevHash: string,
    txs: BlockTransaction[],
    texts: string[] = txs.map((tx) => canonicalJson(tx)),
  ): { block: Block; bytes: Buffer } {
    if (texts.length !== txs.length) throw new Error('a text for each transaction is needed');
    const head = (dataHash: string, hash: string) =>
      `{"dataHash":"${dataHash}","hash":"${hash}","number":${number},"prevHash":"${prevHash}","txCount":${txs.length},"txs":`;
    const start = Buffer.byteLength(head(HASH_HEX, HASH_HEX));
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    let room = start + txs.length + 2;
    for (const text of texts) room += 3 * text.length;
    if (room > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(room)));
    const buffer = this.#buffer;
    let at = start;
    buffer[at++] = byte('[');
    texts.forEach((text, i) => {
      if (i > 0) buffer[at++] = byte(',');
      at += buffer.write(text, at, 'utf8');
    });
    buffer[at++] = byte(']');
    const header: BlockHeader = { number, prevHash, dataHash: digest('sha256', buffer.subarray(start, at), 'hex'), txCount: txs.length };
    const hash = blockHeaderHash(header);
    if (buffer.write(head(header.dataHash, hash), 0, 'utf8') !== start) throw new Error('a block hash is not 64 hex digits');
    buffer[at++] = byte('}');
    return { block: { ...header, hash, txs }, bytes: buffer.subarray(0, at) };
  }
}

/** The head of a block as BlockEncoder writes it, up to its transaction list. */
const STORED_HEAD =
  /^\{"dataHash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})","number":(0|[1-9][0-9]{0,15}),"prevHash":"([0-9a-f]{64})","txCount":(0|[1-9][0-9]{0,15}),"txs":/;

/**
 * A stored block, read back. When its bytes are as BlockEncoder writes them, the bytes of the
 * transaction list are hashed against the data hash, then parsed: if they hash to it they are
 * the list's RFC 8785 form, so this is blockDataHash's check without rebuilding that form
 * (`dataHashHolds: true`). Other JSON is parsed whole; check its data hash with blockDataHash.
 * Throws what JSON.parse throws.
 */
export function decodeBlock(bytes: Buffer): { block: Block; dataHashHolds: boolean } {
  const head = STORED_HEAD.exec(bytes.toString('latin1', 0, Math.min(bytes.length, 320)));
  if (head && bytes[bytes.length - 1] === byte('}')) {
    const [text, dataHash = '', hash = '', number = '', prevHash = '', txCount = ''] = head;
    const list = bytes.subarray(text.length, bytes.length - 1);
    if (digest('sha256', list, 'hex') === dataHash) {
      const txs = JSON.parse(list.toString('utf8')) as BlockTransaction[];
      return { block: { dataHash, hash, number: Number(number), prevHash, txCount: Number(txCount), txs }, dataHashHolds: true };
    }
  }
  return { block: JSON.parse(bytes.toString('utf8')) as Block, dataHashHolds: false };
}

/**
 * What is wrong with a block's own fields, in the order both checks report it, or undefined: its
 * number, the hash of the block before (when given), its transaction count, its data hash (unless
 * `dataHashHolds`: decodeBlock hashed its list's bytes already), its header hash.
 */
export function blockFieldsProblem(block: Block, number: number, dataHashHolds: boolean, prevHash?: string): string | undefined {
  if (block.number !== number) return `block claims number ${block.number}`;
  if (prevHash !== undefined && block.prevHash !== prevHash) return 'block does not link to the hash of the block before';
  if (!Array.isArray(block.txs) || block.txCount !== block.txs.length) return 'transaction count differs from the header';
  if (!dataHashHolds && blockDataHash(block.txs) !== block.dataHash)
    return 'transactions changed, missing or reordered (data hash differs)';
  if (blockHeaderHash(block) !== block.hash) return 'block header changed (block hash differs)';
  return undefined;
}

export const GENESIS_PREV_HASH = GENESIS_HASH;
