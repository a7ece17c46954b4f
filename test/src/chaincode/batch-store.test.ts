import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Context, Contract, Transaction } from 'fabric-contract-api';
import { contracts } from '@tender-ledger/chaincode';
import { verifyBatchInclusion, type BatchInclusion } from '@tender-ledger/client-sdk';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { batchLeaves, bucketNames, bucketOf, encodeBuckets, encodeLeaves } from '@tender-ledger/chaincode/dist/batch-store.js';
import { leafHash, rootOfLeaves, toHex } from '@tender-ledger/tlog';
import { present } from '../helpers/assert.js';
import { otherCity, platformA } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';

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

/** Writes a batch as the chaincode did before format 2 (hex list, `batchIndex` by 2-hex-digit prefix of whole hashes). */
class Format1Writer extends Contract {
  constructor() {
    super('format1');
  }

  @Transaction()
  async writeBatch(ctx: Context, recordId: string, hashesJson: string): Promise<string> {
    const hashes = JSON.parse(hashesJson) as string[];
    const merkleRoot = toHex(rootOfLeaves(hashes.map((h) => leafHash(Buffer.from(h, 'hex')))));
    const record = {
      recordId,
      projectId: null,
      step: 'BatchNotarised',
      seq: 1,
      txTime: '2026-01-01T00:00:00.000Z',
      payload: { kind: 'archive', merkleRoot, count: hashes.length },
    };
    await ctx.stub.putState(ctx.stub.createCompositeKey('evidence', [recordId]), Buffer.from(JSON.stringify(record)));
    await ctx.stub.putState(ctx.stub.createCompositeKey('batchLeaves', [recordId]), Buffer.from(hashes.join('')));
    for (const prefix of [...new Set(hashes.map((h) => h.slice(0, 2)))].sort()) {
      const bucket = hashes.filter((h) => h.startsWith(prefix)).join('');
      await ctx.stub.putState(ctx.stub.createCompositeKey('batchIndex', [prefix, recordId]), Buffer.from(bucket));
    }
    return merkleRoot;
  }
}

describe('findByHash on a ledger holding batches of both formats (embedded ledger: a test contract writes the first format)', () => {
  let temp: ReturnType<typeof tempDir>;
  let ledger: EmbeddedLedger;
  before(async () => {
    temp = tempDir('tender-batch-formats-');
    ledger = await EmbeddedLedger.open(temp.dir, { contracts: [...contracts, Format1Writer] });
  });
  after(async () => {
    await ledger.close();
    temp.remove();
  });

  it("finds a hash in a first-format batch and in a packed one, each with a proof to that batch's root", async () => {
    const older = hashesOf(500, 'format 1');
    const newer = [...hashesOf(499, 'format 2'), present(older[321], 'hash 321')];
    const olderRoot = (await ledger.submit({ identity: platformA, fn: 'format1:writeBatch', args: ['F1-BATCH', JSON.stringify(older)] }))
      .result;
    const newerRecord = JSON.parse(
      (await ledger.submit({ identity: platformA, fn: 'notary:notariseBatch', args: [JSON.stringify({ hashes: newer, kind: 'archive' })] }))
        .result,
    ) as { recordId: string; payload: { merkleRoot: string } };
    const shared = present(older[321], 'hash 321');
    const found = JSON.parse(await ledger.evaluate({ identity: otherCity, fn: 'findByHash', args: [shared] })) as {
      records: { recordId: string; batchInclusion: BatchInclusion }[];
    };
    const byId = new Map(found.records.map((r) => [r.recordId, r.batchInclusion]));
    expect([...byId.keys()]).to.have.members(['F1-BATCH', newerRecord.recordId]);
    expect(byId.get('F1-BATCH')).to.include({ index: 321, size: 500 });
    expect(byId.get(newerRecord.recordId)).to.include({ index: 499, size: 500 });
    expect(verifyBatchInclusion(shared, present(byId.get('F1-BATCH'), 'first format'), olderRoot)).to.equal(true);
    expect(verifyBatchInclusion(shared, present(byId.get(newerRecord.recordId), 'packed'), newerRecord.payload.merkleRoot)).to.equal(true);
    // A hash of neither batch, though in a prefix both index.
    const absent = JSON.parse(await ledger.evaluate({ identity: otherCity, fn: 'findByHash', args: [lastByteFlipped(shared)] })) as {
      records: unknown[];
    };
    expect(absent.records).to.deep.equal([]);
  });
});
