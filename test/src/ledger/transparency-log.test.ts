import { expect } from 'chai';
import { Level } from 'level';
import { sealRecordText } from '@tender-ledger/domain';
import { EmbeddedLedger, LedgerDamagedError, leafDataOf, verifyLedger, type Block } from '@tender-ledger/embedded-ledger';
import { fromHex, leafHash, rootOfLeaves, toHex, verifyInclusion } from '@tender-ledger/tlog';
import { instanceOf, present } from '../helpers/assert.js';
import { ManualClock } from '../helpers/clock.js';
import { platformA } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';
import { doc } from '../helpers/tender.js';

const notarise = (ledger: EmbeddedLedger, i: number) =>
  ledger.submit({
    identity: platformA,
    fn: 'notary:notariseDocument',
    args: [JSON.stringify({ sha256: doc(`log ${i}`), kind: 'archive' })],
  });

/** The ledger's transparency log (open with it on, as by default). */
const logOf = (ledger: EmbeddedLedger) => present(ledger.log, "the ledger's transparency log");

/** The bytes of a hex SHA-256. */
const bytesOf = (hex: string) => present(fromHex(hex), `bytes of ${hex}`);

async function recordHashes(ledger: EmbeddedLedger): Promise<string[]> {
  const hashes: string[] = [];
  for (let n = 0; n < ledger.height; n++) {
    for (const tx of ((await ledger.getBlock(n)) as Block).txs)
      hashes.push((JSON.parse(present(tx.event, `the event of ${tx.txId}`).payload) as { hash: string }).hash);
  }
  return hashes;
}

describe("leafDataOf: a record's leaf from its event", () => {
  const txId = doc('tx');
  const record = (extra: object): string =>
    sealRecordText({
      recordId: txId,
      projectId: 'P-1',
      step: 'BidCommitted',
      seq: 2,
      prevHash: doc('prev'),
      payload: { bidderId: 'B1', commitment: doc('bid') },
      actor: { mspId: 'TradingCentreMSP', clientId: 'platform' },
      txId,
      txTime: '2026-01-01T00:00:00.000Z',
      ...extra,
    }).json;
  /** What the rule says: the hash member of the event's JSON, if the record is this transaction's. */
  const byParse = (payload: string, id: string) => {
    const parsed = JSON.parse(payload) as { recordId: string; hash: string };
    return parsed.recordId === id ? toHex(bytesOf(parsed.hash)) : undefined;
  };

  for (const [what, payload] of [
    ["a project chain's record", record({})],
    ["a bidder chain's record", record({ bidderChain: 'B1' })],
    [
      "a bidder chain's record whose actor needs escapes",
      record({ bidderChain: 'B1', actor: { mspId: 'TradingCentreMSP', clientId: 'x509::/CN="a\\b"' } }),
    ],
    ["a bidder chain's record with a non-ASCII bidder", record({ bidderChain: 'B\u00e9\u{1F600}' })],
  ] as const) {
    it(`gives the hash of ${what}, as parsing it would`, () => {
      const leaf = leafDataOf({ txId, event: { name: 'BidCommitted', payload } });
      expect(toHex(present(leaf, 'the leaf'))).to.equal(byParse(payload, txId));
      expect(leafDataOf({ txId: doc('another tx'), event: { name: 'BidCommitted', payload } })).to.equal(undefined);
    });
  }

  it('gives no leaf for an event that is not a record', () => {
    expect(
      leafDataOf({ txId, event: { name: 'x', payload: '{"actor":{"clientId":"a","mspId":"b"},"bidderChain":"c","hash":"00"}' } }),
    ).to.equal(undefined);
    expect(leafDataOf({ txId, event: { name: 'x', payload: 'not json' } })).to.equal(undefined);
    expect(leafDataOf({ txId })).to.equal(undefined);
  });
});

describe("the embedded ledger's transparency log", () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir('tender-tlog-');
  });
  afterEach(() => {
    temp.remove();
  });

  describe('when records are committed', () => {
    it("makes each record's hash a leaf, in commit order, and names the leaf in the commit", async () => {
      const ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now });
      const committed = await Promise.all(Array.from({ length: 25 }, (_, i) => notarise(ledger, i)));
      const log = logOf(ledger);
      expect(log.size).to.equal(25);
      const hashes = await recordHashes(ledger);
      expect(hashes.map((h, i) => toHex(log.entry(i)))).to.deep.equal(hashes);
      expect(toHex(log.root())).to.equal(toHex(rootOfLeaves(hashes.map((h) => leafHash(bytesOf(h))))));
      for (const c of committed) {
        const record = JSON.parse(c.result) as { hash: string };
        const leafIndex = present(c.leafIndex, `the leaf index of ${c.txId}`);
        expect(hashes[leafIndex]).to.equal(record.hash);
        expect(await log.leafIndexOf(c.txId)).to.equal(leafIndex);
        verifyInclusion(leafIndex, log.size, leafHash(bytesOf(record.hash)), log.inclusionProof(leafIndex), log.root());
      }
      await ledger.close();
    });

    it('keeps the leaves across a restart, and ledger:verify recomputes every one', async () => {
      let ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now });
      const committed = [];
      for (let i = 0; i < 5; i++) committed.push(await notarise(ledger, i));
      const root = toHex(logOf(ledger).root());
      await ledger.close();
      ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now });
      expect(logOf(ledger).size).to.equal(5);
      expect(toHex(logOf(ledger).root())).to.equal(root);
      // Found from the block and its first leaf once no longer in memory.
      for (const c of committed) expect(await logOf(ledger).leafIndexOf(c.txId)).to.equal(c.leafIndex);
      await notarise(ledger, 5);
      expect(logOf(ledger).size).to.equal(6);
      await ledger.close();
      const report = await verifyLedger(temp.dir);
      expect(report.intact, JSON.stringify(report.problems)).to.equal(true);
      expect(report.leaves).to.equal(6);
    });
  });

  describe('when a leaf is changed in LevelDB', () => {
    it('refuses to open (LEDGER_DAMAGED naming the leaf) and ledger:verify names it', async () => {
      const ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now });
      for (let i = 0; i < 4; i++) await notarise(ledger, i);
      await ledger.close();
      const db = new Level<string, Buffer>(temp.dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      await db.put('tlog/e/000000000002', Buffer.alloc(32, 7));
      await db.close();
      const error = await EmbeddedLedger.open(temp.dir).then(
        async (l) => {
          await l.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(instanceOf(error, LedgerDamagedError).damage[0]?.key).to.equal('tlog/e/000000000002');
      const report = await verifyLedger(temp.dir);
      expect(report.intact).to.equal(false);
      expect(report.problems[0]?.key).to.equal('tlog/e/000000000002');
    });

    it('refuses a record without its leaf (a leaf deleted)', async () => {
      const ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now });
      for (let i = 0; i < 3; i++) await notarise(ledger, i);
      await ledger.close();
      const db = new Level<string, Buffer>(temp.dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      await db.del('tlog/e/000000000002');
      await db.close();
      const error = await EmbeddedLedger.open(temp.dir).then(
        async (l) => {
          await l.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(instanceOf(error, LedgerDamagedError).code).to.equal('LEDGER_DAMAGED');
    });
  });

  describe('when a store from before the log is opened', () => {
    it('gives its records their leaves on first start', async () => {
      let ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now, transparencyLog: false });
      for (let i = 0; i < 3; i++) await notarise(ledger, i);
      expect(ledger.log).to.equal(undefined);
      await ledger.close();
      ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now });
      expect(logOf(ledger).size).to.equal(3);
      await ledger.close();
      expect((await verifyLedger(temp.dir)).leaves).to.equal(3);
    });
  });
});
