import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * Canonical JSON as RFC 8785 (JCS): sorted keys, no whitespace, ECMAScript number form.
 * Every hash in the ledger is taken over this encoding, so the same value hashes the
 * same in the chaincode, the gateway, the SDK and a browser.
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  // JSON.stringify is native and writes the same text for plain data whose keys are in order
  // (records and blocks are built so, and text read back from the ledger parses so).
  if (stringifiesCanonically(value)) return JSON.stringify(value);
  const text = canonicalize(value);
  if (text === undefined) {
    throw new TypeError('value has no JSON form');
  }
  return text;
}

/**
 * Whether JSON.stringify writes a value's RFC 8785 form, exactly as `canonicalize` would: plain
 * objects (no toJSON) whose keys are already in sorted order (UTF-16 code units, as the RFC
 * sorts them), arrays without holes, strings, finite numbers, booleans and null. Both write
 * strings and numbers with JSON.stringify; anything else takes the full canonicalisation.
 */
function stringifiesCanonically(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!stringifiesCanonically(value[i])) return false;
        return true;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return false;
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (i > 0 && !((keys[i - 1] as string) < key)) return false;
        if (!stringifiesCanonically((value as Record<string, unknown>)[key])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * SHA-256 as lowercase hex. Strings are hashed as their UTF-8 bytes.
 *
 * @example sha256Hex('abc') // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export function sha256Hex(data: string | Uint8Array): string {
  return sha256HexImpl(data);
}

type Sha256Hex = (data: string | Uint8Array) => string;
/** The pure-JS SHA-256 (@noble/hashes), the default: it runs anywhere. */
const pureSha256Hex: Sha256Hex = (data) => bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
let sha256HexImpl: Sha256Hex = pureSha256Hex;

/**
 * Replaces the SHA-256 behind sha256Hex (strings hashed as UTF-8). `useNodeCrypto()` from
 * `@tender-ledger/tlog/node` installs Node's own: the same hashes, several times faster.
 */
export function setSha256Hex(fn: Sha256Hex): void {
  sha256HexImpl = fn;
}

/** SHA-256 (lowercase hex) of a value's canonical JSON. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
