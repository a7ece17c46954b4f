import { fail, fromBase64, parseDecimal, toBase64 } from './bytes.js';
import type { Ed25519Signer } from './ed25519.js';
import { HASH_SIZE } from './merkle.js';
import { formatNote, signNoteText } from './note.js';

/**
 * C2SP tlog-checkpoint note text: origin, tree size, base64 root hash, optional extension
 * lines, each ending in a newline.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions: readonly string[];
}

/**
 * Parses a checkpoint's note text (not the signatures). Refuses (TLOG_NOTE_MALFORMED) fewer
 * than three lines, an empty origin, a size with leading zeroes or other characters, a root
 * hash that is not 32 bytes in canonical base64, or an empty extension line.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) fail('TLOG_NOTE_MALFORMED', 'a checkpoint ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) fail('TLOG_NOTE_MALFORMED', 'a checkpoint has origin, size and root hash lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') fail('TLOG_NOTE_MALFORMED', 'the origin line is empty');
  const size = parseDecimal(sizeText);
  if (size === undefined) fail('TLOG_NOTE_MALFORMED', 'the tree size is not a decimal without leading zeroes');
  const rootHash = fromBase64(rootText);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) fail('TLOG_NOTE_MALFORMED', 'the root hash is not 32 bytes of base64');
  if (extensions.some((l) => l === '')) fail('TLOG_NOTE_MALFORMED', 'an extension line is empty');
  return { origin, size, rootHash, extensions };
}

/** The note text of a checkpoint. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  if (checkpoint.origin === '' || checkpoint.origin.includes('\n')) fail('TLOG_NOTE_MALFORMED', 'bad origin');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) fail('TLOG_NOTE_MALFORMED', 'bad tree size');
  if (checkpoint.rootHash.length !== HASH_SIZE) fail('TLOG_NOTE_MALFORMED', 'bad root hash');
  if (checkpoint.extensions.some((l) => l === '' || l.includes('\n'))) fail('TLOG_NOTE_MALFORMED', 'bad extension line');
  return [checkpoint.origin, String(checkpoint.size), toBase64(checkpoint.rootHash), ...checkpoint.extensions]
    .map((l) => `${l}\n`)
    .join('');
}

/**
 * A checkpoint signed by the log (Ed25519, type 0x01) as a signed note. The key name is the
 * origin, as c2sp.org/tlog-checkpoint recommends and tlog-policy requires.
 */
export function signCheckpoint(checkpoint: Checkpoint, signer: Ed25519Signer): string {
  const text = formatCheckpoint(checkpoint);
  return formatNote(text, [signNoteText(text, checkpoint.origin, signer)]);
}

/** Appends signature lines (e.g. witness cosignatures) to a signed note. */
export function addSignatures(note: string, lines: readonly string[]): string {
  return note + lines.map((l) => `${l}\n`).join('');
}
