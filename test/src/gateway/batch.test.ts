import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { TenderLedgerClient, batchInclusion, verifyBatchInclusion, verifyReceipt, type BatchInclusion } from '@tender-ledger/client-sdk';
import { MAX_BATCH } from '@tender-ledger/domain';
import { present } from '../helpers/assert.js';
import { startTestGateway, testBackends, type TestGateway } from '../helpers/gateway.js';

const RUN = Date.now().toString(36);
const hashesOf = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => createHash('sha256').update(`${RUN} ${tag} ${i}`).digest('hex'));

for (const backend of testBackends())
  describe(`POST /v1/evidence/batch (${backend} ledger)`, function () {
    this.timeout(backend === 'fabric' ? 600_000 : 60_000);
    let t: TestGateway;
    let client: TenderLedgerClient;
    before(async () => {
      t = await startTestGateway({}, backend);
      client = new TenderLedgerClient({ baseUrl: t.url, token: await t.token('platform', 'gz-etrading') });
    });
    after(() => t.close());

    it('records 10,000 hashes in one record holding their Merkle root; each has an inclusion proof, and /v1/verify finds it inside the batch', async () => {
      const hashes = hashesOf(MAX_BATCH, 'full');
      const { record, receipt } = await client.notariseBatch({ hashes, kind: 'archive' });
      expect(record.step).to.equal('BatchNotarised');
      expect(record.payload).to.include({ kind: 'archive', count: MAX_BATCH });
      await verifyReceipt(receipt, await client.jwks());
      for (const i of [0, 1, 4_999, MAX_BATCH - 1]) {
        const hash = present(hashes[i], `hash ${i}`);
        expect(verifyBatchInclusion(hash, batchInclusion(hashes, hash), record.payload.merkleRoot)).to.equal(true);
      }
      const [hash1234, hash1235] = [present(hashes[1234], 'hash 1234'), present(hashes[1235], 'hash 1235')];
      const found = await client.verifyHash(hash1234);
      expect(found.records).to.have.length(1);
      const inBatch = found.records[0] as (typeof found.records)[0] & { batchInclusion: BatchInclusion };
      expect(inBatch).to.include({ recordId: record.recordId, step: 'BatchNotarised' });
      expect(inBatch.batchInclusion).to.include({ index: 1234, size: MAX_BATCH });
      expect(verifyBatchInclusion(hash1234, inBatch.batchInclusion, record.payload.merkleRoot)).to.equal(true);
      // The proof is for this hash only.
      expect(verifyBatchInclusion(hash1235, inBatch.batchInclusion, record.payload.merkleRoot)).to.equal(false);
    });

    it("finds no batch for a hash that shares a batched hash's bucket and fingerprint but not its last byte", async () => {
      const hashes = hashesOf(100, 'twin');
      const { record } = await client.notariseBatch({ hashes, kind: 'archive' });
      const hash = present(hashes[17], 'hash 17');
      const twin = hash.slice(0, 62) + (hash.slice(62) === 'ff' ? '00' : 'ff');
      expect((await client.verifyHash(twin)).records).to.deep.equal([]);
      expect((await client.verifyHash(hash)).records.map((r) => r.recordId)).to.deep.equal([record.recordId]);
    });

    it('refuses more than 10,000 hashes, none, and a hash named twice (400 INVALID_ARGUMENT)', async () => {
      for (const hashes of [hashesOf(MAX_BATCH + 1, 'over'), [], [...hashesOf(2, 'dup'), ...hashesOf(1, 'dup')]]) {
        const answer = await fetch(`${t.url}/v1/evidence/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ hashes, kind: 'archive' }),
        });
        expect(answer.status, String(hashes.length)).to.equal(400);
        expect(((await answer.json()) as { code: string }).code).to.equal('INVALID_ARGUMENT');
      }
    });
  });
