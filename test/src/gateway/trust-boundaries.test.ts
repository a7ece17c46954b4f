import path from 'node:path';
import { expect } from 'chai';
import { Level } from 'level';
import { IdempotencyStore, ledgerAnswer, Problem } from '@tender-ledger/gateway';
import { instanceOf } from '../helpers/assert.js';
import { tempDir } from '../helpers/temp.js';

// What the gateway reads from outside its own code is checked against a schema before anything
// in it is believed: the contract's answers (from a peer, on Fabric), and the idempotency
// store's entries read back after a crash.
describe('what the gateway reads from outside', () => {
  describe('a ledger answer', () => {
    const trail = { projectId: 'P-1', complete: true, records: [], chainValid: true };

    it('of the shape its query documents is passed on as it is', () => {
      expect(ledgerAnswer('getTrail', JSON.stringify(trail))).to.deep.equal(trail);
    });

    it("of another shape is the gateway's failure (500 INTERNAL) naming the field, never passed on", () => {
      const refused = (fn: Parameters<typeof ledgerAnswer>[0], text: string): Problem => {
        try {
          ledgerAnswer(fn, text);
        } catch (error) {
          return error as Problem;
        }
        throw new Error(`${fn} accepted ${text}`);
      };
      const missing = refused('getTrail', JSON.stringify({ ...trail, chainValid: undefined }));
      expect(missing).to.be.instanceOf(Problem);
      expect(missing.code).to.equal('INTERNAL');
      expect(missing.message).to.include('getTrail').and.include('/chainValid');
      // Closed shapes: a field the contract does not document (a leak, or another version) is refused too.
      expect(refused('getTrail', JSON.stringify({ ...trail, bidders: 3 })).message).to.include('getTrail');
      expect(refused('getRecord', '<html>peer error</html>').code).to.equal('INTERNAL');
      expect(refused('listProjects', '{}').message).to.include('listProjects');
    });
  });

  describe('the idempotency store', () => {
    const temp = tempDir('tender-idem-');
    after(() => {
      temp.remove();
    });

    it('refuses to replay or resume from a damaged entry, and does not run the work again', async () => {
      const dir = path.join(temp.dir, 'store');
      let store = await IdempotencyStore.open(dir);
      const first = await store.once('platform', 'k-1', 'fp', async () => ({ status: 201, body: { ok: true } }));
      expect(first).to.include({ kind: 'answered', status: 201, replayed: false });
      await store.close();

      // The entry's status turned into text: replaying it would answer something never answered.
      const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
      await db.open();
      const id = 'platform\u0000k-1';
      const entry = JSON.parse(await db.get(id));
      await db.put(id, JSON.stringify({ ...entry, status: '201' }));
      await db.close();

      store = await IdempotencyStore.open(dir);
      let ran = 0;
      try {
        const failure = await store
          .once('platform', 'k-1', 'fp', async () => {
            ran++;
            return { status: 201, body: { ok: false } };
          })
          .then(
            () => undefined,
            (error: unknown) => instanceOf(error, Error),
          );
        expect(failure?.message).to.match(/idempotency store.s entry for a key is damaged: \/status Expected integer/);
        expect(ran).to.equal(0);
      } finally {
        await store.close();
      }
    });
  });
});
