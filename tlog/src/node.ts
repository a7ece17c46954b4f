import { createPrivateKey, createPublicKey, hash, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { concatBytes, fail, fromBase64, toBase64 } from './bytes.js';
import type { Ed25519, Ed25519Signer } from './ed25519.js';
import { setMerkleSha256 } from './merkle.js';
import { setSha256Hex } from '@tender-ledger/domain';
import { SIG_COSIGNATURE_V1, SIG_ED25519, formatVerifierKey, isKeyName, keyIdOf, type SignatureType } from './note.js';

/** Node-only helpers: OpenSSL's Ed25519 (about 15 times the pure-JS speed) and key files. */

const SPKI_ED25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

const keyObjects = new Map<string, KeyObject>();

function publicKeyObject(raw: Uint8Array): KeyObject {
  const id = toBase64(raw);
  let key = keyObjects.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.from(concatBytes(SPKI_ED25519, raw)), format: 'der', type: 'spki' });
    if (keyObjects.size > 4096) keyObjects.clear();
    keyObjects.set(id, key);
  }
  return key;
}

/** Ed25519 verification by Node's OpenSSL. */
export const nodeEd25519: Ed25519 = {
  verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return verify(null, message, publicKeyObject(publicKey), signature);
    } catch {
      return false;
    }
  },
};

/**
 * SHA-256 by Node's one-shot `crypto.hash` (Node 20.12+). The digest comes back as a one-byte
 * string and is copied into a pooled Buffer: asked for a Buffer, `hash` makes a natively backed
 * one per call, which cost more than hashing 600 bytes (measured: 1.2-1.7 against 0.7-0.8 µs).
 * A pooled slice keeps its 8 KiB pool alive while it lives; what keeps hashes for long (MemoryTree,
 * the ledger's log) copies them into arrays of its own.
 */
export function nodeSha256(data: Uint8Array): Uint8Array {
  const out = Buffer.from(hash('sha256', data, 'binary'), 'latin1');
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Merkle hashing and the domain's sha256Hex by Node's SHA-256 from now on, in this process (same results, less time). */
export function useNodeCrypto(): void {
  setMerkleSha256(nodeSha256);
  setSha256Hex((data) => hash('sha256', data, 'hex'));
}

/** A signer over a 32-byte Ed25519 seed (RFC 8032 private key). */
export function ed25519Signer(seed: Uint8Array): Ed25519Signer {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.from(concatBytes(PKCS8_ED25519, seed)), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  return { publicKey, sign: (message) => new Uint8Array(sign(null, message, privateKey)) };
}

/** A named key: its signer and its verifier key string. */
export interface NamedKey {
  readonly name: string;
  readonly type: SignatureType;
  readonly signer: Ed25519Signer;
  readonly vkey: string;
}

/**
 * A new key as a signer key string, `PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)`
 * (the form Go's golang.org/x/mod/sumdb/note uses). Type 0x01 for a log, 0x04 for a witness.
 */
export function generateSignerKey(name: string, type: SignatureType): string {
  return formatSignerKey(name, type, new Uint8Array(randomBytes(32)));
}

export function formatSignerKey(name: string, type: SignatureType, seed: Uint8Array): string {
  if (!isKeyName(name)) fail('TLOG_KEY_MALFORMED', 'bad key name');
  const { publicKey } = ed25519Signer(seed);
  const id = keyIdOf(name, type, publicKey).toString(16).padStart(8, '0');
  return `PRIVATE+KEY+${name}+${id}+${toBase64(concatBytes(new Uint8Array([type]), seed))}`;
}

/** Parses a signer key string; refuses (TLOG_KEY_MALFORMED) anything else. */
export function parseSignerKey(text: string): NamedKey {
  // Names hold no '+', but base64 may: the key material is everything after the fourth.
  const parts = text.trim().split('+');
  const [kind, keyword, name, idHex] = parts;
  if (parts.length < 5 || kind !== 'PRIVATE' || keyword !== 'KEY' || name === undefined || idHex === undefined)
    fail('TLOG_KEY_MALFORMED', 'not a signer key');
  const material = parts.slice(4).join('+');
  const bytes = fromBase64(material);
  const type = bytes?.[0];
  if (!isKeyName(name) || bytes === undefined || bytes.length !== 33 || (type !== SIG_ED25519 && type !== SIG_COSIGNATURE_V1)) {
    fail('TLOG_KEY_MALFORMED', 'a signer key holds a name and a type 0x01 or 0x04 Ed25519 seed');
  }
  const signer = ed25519Signer(bytes.subarray(1));
  if (keyIdOf(name, type, signer.publicKey).toString(16).padStart(8, '0') !== idHex) {
    fail('TLOG_KEY_MALFORMED', 'the key ID does not match the name and key');
  }
  return { name, type, signer, vkey: formatVerifierKey(name, type, signer.publicKey) };
}

/**
 * The signer key in `file`, created on first use: written to a temporary file (mode 0600),
 * fsynced, then renamed into place, so a crash leaves the old state or the whole key, never half
 * of one. The caller checks that the key is the one it expects (name and type): a key that
 * changed silently would change who the log or witness is.
 */
export async function loadOrCreateSignerKey(file: string, name: string, type: SignatureType): Promise<NamedKey> {
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    text = generateSignerKey(name, type);
    const temp = `${file}.${process.pid}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${text}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }
  return parseSignerKey(text);
}
