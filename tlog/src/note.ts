import { sha256 } from '@noble/hashes/sha2';
import { concatBytes, fail, fromBase64, fromHex, fromUtf8, toBase64, utf8 } from './bytes.js';
import { pureEd25519, type Ed25519, type Ed25519Signer } from './ed25519.js';

/**
 * C2SP signed notes (c2sp.org/signed-note): a text ending in a newline, a blank line, then
 * signature lines `— <key name> base64(key ID || signature)`. Only the two signature types
 * this project uses are known: 0x01 (Ed25519 over the text, for the log) and 0x04 (timestamped
 * Ed25519 cosignature/v1, for witnesses).
 */

export const SIG_ED25519 = 0x01;
export const SIG_COSIGNATURE_V1 = 0x04;
export type SignatureType = typeof SIG_ED25519 | typeof SIG_COSIGNATURE_V1;

/** The most signature lines a note may carry (the spec asks for at least 16). */
export const MAX_SIGNATURES = 64;
/** The largest note accepted, in bytes of UTF-8. */
export const MAX_NOTE_BYTES = 1 << 20;

const EM_DASH = '\u2014';

export interface NoteSignature {
  readonly name: string;
  /** The 32-bit key ID, big-endian, as an unsigned number. */
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
  /** The line as it appeared, without its newline. */
  readonly line: string;
}

export interface SignedNote {
  /** The note text, including its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A key name: non-empty, no Unicode space, no `+`. */
export function isKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0085\u180e\u200b]/u.test(name);
}

/** `SHA-256(name || 0x0A || type || public key)[:4]` as an unsigned 32-bit number. */
export function keyIdOf(name: string, type: number, publicKey: Uint8Array): number {
  return uint32At(sha256(concatBytes(utf8(name), new Uint8Array([0x0a, type]), publicKey)));
}

/** The big-endian unsigned 32-bit number in the first four bytes (there are at least four). */
function uint32At(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** `name+hex(key ID)+base64(type || public key)`. */
export function formatVerifierKey(name: string, type: SignatureType, publicKey: Uint8Array): string {
  if (!isKeyName(name)) fail('TLOG_KEY_MALFORMED', 'a key name is non-empty with no spaces or plus signs');
  return `${name}+${hex8(keyIdOf(name, type, publicKey))}+${toBase64(concatBytes(new Uint8Array([type]), publicKey))}`;
}

/** A trusted key, as a note verifier. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly type: SignatureType;
  readonly publicKey: Uint8Array;
  /** The vkey string it came from. */
  readonly vkey: string;
  /** Checks one signature (the bytes after the key ID) over the note text. */
  verify(text: string, signature: Uint8Array): boolean;
}

/**
 * Parses a verifier key. Refuses (TLOG_KEY_MALFORMED) a bad name, a key ID that is not the one
 * the name and key give, an unknown type, or a key of the wrong length.
 */
export function parseVerifierKey(vkey: string, ed25519: Ed25519 = pureEd25519): NoteVerifier {
  // Names hold no '+', but base64 may: split at the first two only.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) fail('TLOG_KEY_MALFORMED', 'a verifier key is name+keyid+key');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const keyB64 = vkey.slice(second + 1);
  if (!isKeyName(name)) fail('TLOG_KEY_MALFORMED', 'bad key name');
  const id = /^[0-9a-f]{8}$/.test(idHex) ? fromHex(idHex) : undefined;
  const material = fromBase64(keyB64);
  if (id === undefined || material === undefined) fail('TLOG_KEY_MALFORMED', 'bad key ID or key encoding');
  const type = material[0];
  const publicKey = material.slice(1);
  if ((type !== SIG_ED25519 && type !== SIG_COSIGNATURE_V1) || publicKey.length !== 32) {
    fail('TLOG_KEY_MALFORMED', 'only 32-byte Ed25519 keys of type 0x01 or 0x04 are supported');
  }
  const keyId = keyIdOf(name, type, publicKey);
  if (hex8(keyId) !== idHex) fail('TLOG_KEY_MALFORMED', 'the key ID does not match the name and key');
  const verify =
    type === SIG_ED25519
      ? (text: string, signature: Uint8Array) => signature.length === 64 && ed25519.verify(publicKey, utf8(text), signature)
      : (text: string, signature: Uint8Array) => {
          const parsed = splitCosignature(signature);
          return parsed !== undefined && ed25519.verify(publicKey, cosignatureMessage(text, parsed.timestamp), parsed.signature);
        };
  return { name, keyId, type, publicKey, vkey, verify };
}

/** The message a cosignature/v1 signs: `cosignature/v1\ntime <t>\n` then the checkpoint text. */
export function cosignatureMessage(text: string, timestamp: number): Uint8Array {
  return utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
}

/** Splits a cosignature/v1 `timestamped_signature` (u64 big-endian time, 64-byte signature). */
export function splitCosignature(bytes: Uint8Array): { timestamp: number; signature: Uint8Array } | undefined {
  if (bytes.length !== 8 + 64) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const timestamp = view.getBigUint64(0);
  // Times past 2^53 (year 285,000,000) are refused rather than rounded.
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { timestamp: Number(timestamp), signature: bytes.subarray(8) };
}

/**
 * Parses a signed note. Refuses (TLOG_NOTE_MALFORMED) invalid UTF-8, control characters other
 * than newline, a text not ending in a newline, no blank line before the signatures, no or too
 * many signatures, and any signature line not `— <name> <base64>` with at least 5 bytes.
 */
export function parseNote(input: string | Uint8Array): SignedNote {
  let message: string;
  if (typeof input === 'string') {
    // A JS string may hold lone surrogates that UTF-8 cannot carry.
    if (fromUtf8(utf8(input)) !== input) fail('TLOG_NOTE_MALFORMED', 'the note is not valid UTF-8');
    message = input;
  } else {
    const decoded = fromUtf8(input);
    if (decoded === undefined) fail('TLOG_NOTE_MALFORMED', 'the note is not valid UTF-8');
    message = decoded;
  }
  if (message.length > MAX_NOTE_BYTES) fail('TLOG_NOTE_MALFORMED', 'the note is too large');
  // eslint-disable-next-line no-control-regex -- the point is to find control characters in a signed note
  if (/[\u0000-\u0009\u000b-\u001f]/.test(message)) fail('TLOG_NOTE_MALFORMED', 'control characters other than newline');
  if (!message.endsWith('\n')) fail('TLOG_NOTE_MALFORMED', 'a note ends with a newline');
  const split = message.lastIndexOf('\n\n');
  if (split < 0) fail('TLOG_NOTE_MALFORMED', 'no blank line before the signatures');
  const text = message.slice(0, split + 1);
  const lines = message.slice(split + 2, -1).split('\n');
  if (lines.length === 0 || lines[0] === '') fail('TLOG_NOTE_MALFORMED', 'a note has at least one signature');
  if (lines.length > MAX_SIGNATURES) fail('TLOG_NOTE_MALFORMED', `more than ${MAX_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** Parses one `— <name> <base64>` line (without its newline). */
export function parseSignatureLine(line: string): NoteSignature {
  const [, name, encoded] = /^\u2014 ([^ ]+) ([^ ]+)$/u.exec(line) ?? [];
  if (name === undefined || encoded === undefined || !isKeyName(name))
    fail('TLOG_NOTE_MALFORMED', 'a signature line is "— <name> <base64>"');
  const bytes = fromBase64(encoded);
  if (bytes === undefined || bytes.length < 5) fail('TLOG_NOTE_MALFORMED', `bad signature encoding by ${name}`);
  return { name, keyId: uint32At(bytes), signature: bytes.slice(4), line };
}

/** `— <name> base64(key ID || signature)`, without a newline. */
export function formatSignatureLine(name: string, keyId: number, signature: Uint8Array): string {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, keyId >>> 0);
  return `${EM_DASH} ${name} ${toBase64(concatBytes(id, signature))}`;
}

/** A note's text followed by the blank line and its signature lines. */
export function formatNote(text: string, signatureLines: readonly string[]): string {
  if (!text.endsWith('\n')) fail('TLOG_NOTE_MALFORMED', 'a note text ends with a newline');
  return `${text}\n${signatureLines.map((l) => `${l}\n`).join('')}`;
}

/**
 * Verifies a note's signatures by the trusted keys and returns those that verified (each
 * once). Lines whose name and key ID do not both match a trusted key are ignored, as the spec
 * requires; a known key's failing signature refuses the whole note (TLOG_SIGNATURE_INVALID,
 * or TLOG_COSIGNATURE_INVALID for a cosignature).
 */
export function verifyNoteSignatures(note: SignedNote, trusted: readonly NoteVerifier[]): NoteVerifier[] {
  const verified = new Set<NoteVerifier>();
  for (const sig of note.signatures) {
    const key = trusted.find((k) => k.name === sig.name && k.keyId === sig.keyId);
    if (key === undefined) continue;
    if (!key.verify(note.text, sig.signature)) {
      fail(
        key.type === SIG_COSIGNATURE_V1 ? 'TLOG_COSIGNATURE_INVALID' : 'TLOG_SIGNATURE_INVALID',
        `the signature by ${sig.name} does not verify`,
      );
    }
    verified.add(key);
  }
  return [...verified];
}

/** Signs a note text with an Ed25519 key (type 0x01); returns the signature line. */
export function signNoteText(text: string, name: string, signer: Ed25519Signer): string {
  const keyId = keyIdOf(name, SIG_ED25519, signer.publicKey);
  return formatSignatureLine(name, keyId, signer.sign(utf8(text)));
}

/** Cosigns a checkpoint text (cosignature/v1, type 0x04) at a POSIX time in seconds; returns the line. */
export function cosignText(text: string, name: string, signer: Ed25519Signer, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('a cosignature time is a non-negative integer');
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(timestamp));
  const signature = signer.sign(cosignatureMessage(text, timestamp));
  return formatSignatureLine(name, keyIdOf(name, SIG_COSIGNATURE_V1, signer.publicKey), concatBytes(ts, signature));
}
