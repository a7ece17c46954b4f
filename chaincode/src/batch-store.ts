import { leafHash } from '@tender-ledger/tlog';

/**
 * How a batch's hashes are kept in state (`notary:notariseBatch`) and found again (`findByHash`).
 *
 * Format 2, written today: the hashes as raw bytes in base64 (state values stay text, which the
 * embedded ledger's blocks hold as UTF-8), and each 2-hex-digit prefix's bucket as 8-byte
 * fingerprints of its hashes. A 10,000-hash batch writes ~0.53 MB instead of format 1's
 * 1.28 MB of hex (the whole hash twice), and every endorsing peer, the orderer and every
 * committing peer carry those bytes. A fingerprint only says which batches to read: the batch's
 * own hashes decide (a fingerprint match whose hash is not among them is no match).
 * Format 1 (hex, concatenated; the value starts with a hex digit) is still read, so batches
 * written before stay findable.
 */
const FORMAT_2 = '2:';
const HASH_BYTES = 32;
/** Bytes 1–8 of a hash: byte 0 is the bucket's prefix, so 72 bits tell hashes apart. */
const FINGERPRINT = { from: 1, to: 9 } as const;

/** A batch's hashes (32 bytes each, in order) as stored under `batchLeaves`. */
export function encodeLeaves(hashes: readonly Buffer[]): string {
  return FORMAT_2 + Buffer.concat(hashes).toString('base64');
}

/** Each prefix's bucket (prefix → stored value), in prefix order so every peer writes alike. */
export function encodeBuckets(hashes: readonly Buffer[]): [prefix: string, value: string][] {
  const buckets = new Map<number, Buffer[]>();
  for (const hash of hashes) {
    const fingerprint = hash.subarray(FINGERPRINT.from, FINGERPRINT.to);
    const bucket = buckets.get(hash[0] ?? 0);
    if (bucket) bucket.push(fingerprint);
    else buckets.set(hash[0] ?? 0, [fingerprint]);
  }
  return [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((prefix) => [prefix.toString(16).padStart(2, '0'), FORMAT_2 + Buffer.concat(buckets.get(prefix) ?? []).toString('base64')]);
}

/** Whether a bucket names the hash (format 2: may name it; the batch's leaves decide). */
export function bucketNames(value: string, sha256: string): boolean {
  if (value.startsWith(FORMAT_2)) {
    const fingerprints = Buffer.from(value.slice(FORMAT_2.length), 'base64');
    const wanted = Buffer.from(sha256.slice(FINGERPRINT.from * 2, FINGERPRINT.to * 2), 'hex');
    const width = FINGERPRINT.to - FINGERPRINT.from;
    for (let at = 0; at + width <= fingerprints.length; at += width) {
      if (fingerprints.compare(wanted, 0, width, at, at + width) === 0) return true;
    }
    return false;
  }
  for (let at = 0; at < value.length; at += 64) if (value.startsWith(sha256, at)) return true;
  return false;
}

/** The RFC 6962 leaf hashes of a stored batch, and where the hash sits among them (-1: not there). */
export function batchLeaves(value: string, sha256: string): { leaves: Uint8Array[]; index: number } {
  const leaves: Uint8Array[] = [];
  let index = -1;
  if (value.startsWith(FORMAT_2)) {
    const bytes = Buffer.from(value.slice(FORMAT_2.length), 'base64');
    const wanted = Buffer.from(sha256, 'hex');
    for (let at = 0; at + HASH_BYTES <= bytes.length; at += HASH_BYTES) {
      const hash = bytes.subarray(at, at + HASH_BYTES);
      if (index < 0 && hash.equals(wanted)) index = leaves.length;
      leaves.push(leafHash(hash));
    }
  } else {
    for (let at = 0; at < value.length; at += 64) {
      const hash = value.slice(at, at + 64);
      if (index < 0 && hash === sha256) index = leaves.length;
      leaves.push(leafHash(Buffer.from(hash, 'hex')));
    }
  }
  return { leaves, index };
}
