import { leafHash } from '@tender-ledger/tlog';

/**
 * How a batch's hashes are kept in state (`notary:notariseBatch`) and found again (`findByHash`).
 *
 * Format 2, written today: the hashes as raw bytes in base64 (state values stay text, which the
 * embedded ledger's blocks hold as UTF-8), indexed under `batchBucket` by the first 6 bits of
 * each hash, 64 buckets a batch, each holding 4-byte fingerprints of its hashes. A 10,000-hash
 * batch writes 0.48 MB in 65 keys instead of format 1's 1.28 MB of hex in 257 (under
 * `batchIndex`, by 2-hex-digit prefix, whole hashes): every endorsing peer, the orderer and every
 * committing peer carry those bytes, and each key is a round trip between chaincode and peer
 * (measured: 16 buckets instead of 256 took a third off the peers' CPU per batch). A lookup
 * reads its bucket of every batch, ~0.8 KB of a 10,000-hash batch. A fingerprint only says which
 * batches to read: the batch's own hashes decide (a fingerprint match whose hash is not among
 * them is no match). Format 1 is still read, so batches written before stay findable.
 */
const FORMAT_2 = '2:';
const HASH_BYTES = 32;
/** Bytes 1–4 of a hash: with the bucket's 6 bits, 38 bits tell hashes apart. */
const FINGERPRINT = { from: 1, to: 5 } as const;
const FINGERPRINT_BYTES = FINGERPRINT.to - FINGERPRINT.from;

/** The composite-key object types of the two indexes: format 2's buckets and format 1's prefixes. */
export const BUCKET_INDEX = 'batchBucket';
export const PREFIX_INDEX = 'batchIndex';

/** A hash's bucket: its first 6 bits (of its first byte). */
const bucketNumber = (firstByte: number): number => firstByte >> 2;
/** A bucket as its key's attribute: two hex digits, 00–3f. */
const bucketName = (bucket: number): string => bucket.toString(16).padStart(2, '0');

/** A hash's bucket, as its key's attribute. */
export function bucketOf(sha256: string): string {
  return bucketName(bucketNumber(parseInt(sha256.slice(0, 2), 16)));
}

/** A batch's hashes (32 bytes each, in order) as stored under `batchLeaves`. */
export function encodeLeaves(hashes: readonly Buffer[]): string {
  return FORMAT_2 + Buffer.concat(hashes).toString('base64');
}

/** Each bucket (its attribute → stored value), in bucket order so every peer writes alike. */
export function encodeBuckets(hashes: readonly Buffer[]): [bucket: string, value: string][] {
  const buckets = new Map<number, Buffer[]>();
  for (const hash of hashes) {
    const bucket = bucketNumber(hash[0] ?? 0);
    const fingerprint = hash.subarray(FINGERPRINT.from, FINGERPRINT.to);
    const held = buckets.get(bucket);
    if (held) held.push(fingerprint);
    else buckets.set(bucket, [fingerprint]);
  }
  return [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((bucket) => [bucketName(bucket), FORMAT_2 + Buffer.concat(buckets.get(bucket) ?? []).toString('base64')]);
}

/** Whether a bucket (format 2) or a prefix's entry (format 1) names the hash; format 2's may name it, the batch's leaves decide. */
export function bucketNames(value: string, sha256: string): boolean {
  if (value.startsWith(FORMAT_2)) {
    const fingerprints = Buffer.from(value.slice(FORMAT_2.length), 'base64');
    const wanted = Buffer.from(sha256.slice(FINGERPRINT.from * 2, FINGERPRINT.to * 2), 'hex');
    for (let at = 0; at + FINGERPRINT_BYTES <= fingerprints.length; at += FINGERPRINT_BYTES) {
      if (fingerprints.compare(wanted, 0, FINGERPRINT_BYTES, at, at + FINGERPRINT_BYTES) === 0) return true;
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
