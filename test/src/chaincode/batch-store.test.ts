import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { batchLeaves, bucketNames, bucketOf, encodeBuckets, encodeLeaves } from '@tender-ledger/chaincode/dist/batch-store.js';
import { leafHash, rootOfLeaves, toHex } from '@tender-ledger/tlog';

const hashesOf = (n: number, tag: string) => Array.from({ length: n }, (_, i) => createHash('sha256').update(`${tag} ${i}`).digest('hex'));
/** The same hash but for its last byte: the same bucket and fingerprint, another document. */
const lastByteFlipped = (sha256: string) => sha256.slice(0, 62) + (sha256.slice(62) === 'ff' ? '00' : 'ff');
const bytesOf = (sha256: string) => Buffer.from(sha256, 'hex');
const rootOf = (leaves: Uint8Array[]) => toHex(rootOfLeaves(leaves));

describe("a batch's hashes in state (batch-store)", () => {
  const hashes = hashesOf(2_000, 'batch-store');
  const expectedRoot = rootOf(hashes.map((h) => leafHash(Buffer.from(h, 'hex'))));

  it('keeps every hash, in order: the leaves give the batch root and each hash its index', () => {
    const stored = encodeLeaves(hashes.map(bytesOf));
    for (const i of [0, 1, 999, 1_999]) {
      const { leaves, index } = batchLeaves(stored, hashes[i] ?? '');
      expect(index).to.equal(i);
      expect(rootOf(leaves)).to.equal(expectedRoot);
    }
    expect(batchLeaves(stored, lastByteFlipped(hashes[7] ?? '')).index).to.equal(-1);
    // Raw bytes in base64: a third smaller than hex, and text, as every state value is.
    expect(stored.length).to.be.below(hashes.length * 64 * 0.7);
    expect(Buffer.from(stored, 'utf8').toString('utf8')).to.equal(stored);
  });

  it('puts each hash in its bucket (its first 6 bits), in bucket order; a bucket names its own hashes and no other', () => {
    const buckets = encodeBuckets(hashes.map(bytesOf));
    expect(buckets).to.have.length(64);
    expect(buckets.map(([bucket]) => bucket)).to.deep.equal([...new Set(hashes.map(bucketOf))].sort());
    expect(bucketOf('ff'.repeat(32))).to.equal('3f');
    expect(bucketOf('03'.repeat(32))).to.equal('00');
    const byBucket = new Map(buckets);
    for (const hash of hashes) expect(bucketNames(byBucket.get(bucketOf(hash)) ?? '', hash), hash).to.equal(true);
    const other = hashesOf(200, 'not in the batch');
    expect(other.filter((h) => bucketNames(byBucket.get(bucketOf(h)) ?? '', h))).to.deep.equal([]);
    // 4 bytes a hash (base64), not 64 hex characters.
    const total = buckets.reduce((sum, [, value]) => sum + value.length, 0);
    expect(total).to.be.below(hashes.length * 6);
  });

  it('a fingerprint can match a hash the batch lacks: the leaves decide (findByHash lists no such batch)', () => {
    const hash = hashes[42] ?? '';
    const twin = lastByteFlipped(hash);
    const bucket = new Map(encodeBuckets(hashes.map(bytesOf))).get(bucketOf(hash)) ?? '';
    expect(bucketNames(bucket, twin)).to.equal(true);
    expect(batchLeaves(encodeLeaves(hashes.map(bytesOf)), twin).index).to.equal(-1);
  });

  it('still reads the first format (hex, concatenated), so batches written before it stay findable', () => {
    const legacyLeaves = hashes.join('');
    const legacyBucket = hashes.filter((h) => h.startsWith('ab')).join('');
    const inBucket = hashes.find((h) => h.startsWith('ab')) ?? '';
    expect(bucketNames(legacyBucket, inBucket)).to.equal(true);
    // The first format held whole hashes: no fingerprint twins.
    expect(bucketNames(legacyBucket, lastByteFlipped(inBucket))).to.equal(false);
    const { leaves, index } = batchLeaves(legacyLeaves, inBucket);
    expect(index).to.equal(hashes.indexOf(inBucket));
    expect(rootOf(leaves)).to.equal(expectedRoot);
  });
});
