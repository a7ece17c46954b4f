import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Level } from 'level';
import { Context, Contract, Transaction } from 'fabric-contract-api';
import { EmbeddedLedger, verifyLedger, type CommittedTransaction, type VerifyReport } from '@tender-ledger/embedded-ledger';
import { present } from '../helpers/assert.js';
import { ManualClock, manualHostClock } from '../helpers/clock.js';
import { embeddedHost } from '../helpers/hosts.js';
import { platformA } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';
import { Tender, doc } from '../helpers/tender.js';

/** Writes and deletes any key it is given: keys the tender contracts never write. */
class AnyKeyContract extends Contract {
  constructor() {
    super('keys');
  }

  @Transaction()
  async put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
  }

  @Transaction()
  async remove(ctx: Context, key: string): Promise<void> {
    await ctx.stub.deleteState(key);
  }

  /** Writes a value and announces the same text as the transaction's event. */
  @Transaction()
  async announce(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
    ctx.stub.setEvent('announced', Buffer.from(value));
  }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('verifyLedger, streaming (issue 16)', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir('tender-verify-');
  });
  afterEach(() => {
    temp.remove();
  });

  async function change(edit: (db: Level<string, Buffer>) => Promise<void>): Promise<void> {
    const db = new Level<string, Buffer>(temp.dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.open();
    await edit(db);
    await db.close();
  }

  /**
   * A damaged ledger: the digest walk alone must find it broken (it is what passes a ledger as
   * intact), and the default run then names the place by the exact walk.
   */
  async function verifyDamaged(): Promise<VerifyReport> {
    const digests = await verifyLedger(temp.dir, { walk: 'digests' });
    expect(digests, 'the digest walk alone').to.include({ intact: false, walk: 'digests' });
    const report = await verifyLedger(temp.dir);
    expect(report).to.include({ intact: false, walk: 'exact' });
    return report;
  }

  describe('on a ledger with a project in block 0 and 1 and notarisations in blocks 2 to 5', () => {
    let bidderKey: string;
    let notarised: CommittedTransaction[];
    /** The second transaction notarised, whose index entry the tests below change. */
    const second = () => present(notarised[1], 'the second notarised transaction');

    beforeEach(async () => {
      const clock = new ManualClock();
      const ledger = await EmbeddedLedger.open(temp.dir, { clock: clock.now });
      const tender = Tender.onHost(embeddedHost(ledger, manualHostClock(clock)));
      await tender.register();
      await tender.registerBidder('B1');
      notarised = [];
      for (let i = 0; i < 4; i++) {
        notarised.push(
          await ledger.submit({
            identity: platformA,
            fn: 'notary:notariseDocument',
            args: [JSON.stringify({ sha256: doc(`later ${i}`), kind: 'archive' })],
          }),
        );
      }
      await ledger.close();
      bidderKey = `\u0000bidder\u0000${tender.projectId}\u0000B1\u0000`;
    });

    it('finds it intact, counting every transaction, state key and leaf', async () => {
      const report = await verifyLedger(temp.dir);
      expect(report.problems).to.deep.equal([]);
      expect(report).to.include({ intact: true, height: 6, transactions: 6, records: 6, projects: 1, leaves: 6, walk: 'digests' });
      expect(report.stateKeys).to.be.greaterThan(6);
      // The exact walk alone (what names a place when the digests differ) counts the same.
      const exact = await verifyLedger(temp.dir, { walk: 'exact' });
      expect(exact).to.include({
        intact: true,
        walk: 'exact',
        transactions: 6,
        records: 6,
        projects: 1,
        leaves: 6,
        stateKeys: report.stateKeys,
      });
    });

    it('names the early block whose write a changed state value no longer matches', async () => {
      await change(async (db) => {
        const value = await db.get(`s!${bidderKey}`);
        value.writeUInt8(value.readUInt8(value.length - 2) ^ 1, value.length - 2);
        await db.put(`s!${bidderKey}`, value);
      });
      const report = await verifyDamaged();
      expect(report.broken).to.include({ key: bidderKey, block: 1, reason: 'state value differs from what block 1 wrote' });
    });

    it('catches a state key no block wrote', async () => {
      await change((db) => db.put('s!\u0000bidder\u0000nobody\u0000', Buffer.from('{}')));
      expect((await verifyDamaged()).broken).to.include({
        key: '\u0000bidder\u0000nobody\u0000',
        reason: 'state key written by no block',
      });
    });

    it('catches a deleted state key, naming the block that wrote it', async () => {
      await change((db) => db.del(`s!${bidderKey}`));
      expect((await verifyDamaged()).broken).to.include({ key: bidderKey, block: 1, reason: 'state key is missing' });
    });

    it('catches an extra history entry', async () => {
      await change(async (db) => {
        const entry = await db.get(`h!${bidderKey}!${pad(1, 12)}${pad(0, 6)}`);
        await db.put(`h!${bidderKey}!${pad(4, 12)}${pad(0, 6)}`, entry);
      });
      expect((await verifyDamaged()).broken).to.include({ key: bidderKey, reason: 'history entry written by no block' });
    });

    it('catches a deleted history entry', async () => {
      await change((db) => db.del(`h!${bidderKey}!${pad(1, 12)}${pad(0, 6)}`));
      expect((await verifyDamaged()).broken?.reason).to.equal('1 history entries are missing');
    });

    it('catches a history entry that differs from its block', async () => {
      await change(async (db) => {
        const key = `h!${bidderKey}!${pad(1, 12)}${pad(0, 6)}`;
        const entry = JSON.parse((await db.get(key)).toString('utf8')) as { timestamp: string };
        entry.timestamp = '2020-01-01T00:00:00.000Z';
        await db.put(key, Buffer.from(JSON.stringify(entry)));
      });
      expect((await verifyDamaged()).broken).to.include({
        key: bidderKey,
        block: 1,
        reason: 'history entry differs from its block',
      });
    });

    it('catches a deleted transaction index entry', async () => {
      await change((db) => db.del(`t!${second().txId}`));
      expect((await verifyDamaged()).broken?.reason).to.equal('1 transactions are missing from the index');
    });

    it('catches an index entry naming the wrong block, and one naming a transaction no block holds', async () => {
      await change((db) => db.put(`t!${second().txId}`, Buffer.from('2')));
      expect((await verifyDamaged()).broken).to.include({ txId: second().txId, reason: 'transaction index names the wrong block' });
      await change(async (db) => {
        await db.put(`t!${second().txId}`, Buffer.from(String(second().blockNumber)));
        await db.put('t!no-such-transaction', Buffer.from('3'));
      });
      expect((await verifyDamaged()).broken).to.include({
        txId: 'no-such-transaction',
        reason: 'transaction index names the wrong block',
      });
    });

    it('catches a changed log leaf after a changed state value (the order the checks have always been reported in)', async () => {
      await change(async (db) => {
        await db.put('tlog/e/000000000003', Buffer.alloc(32, 7));
        await db.del(`s!${bidderKey}`);
      });
      const report = await verifyDamaged();
      expect(report.broken).to.include({ key: bidderKey, reason: 'state key is missing' });
    });
  });

  describe('on a log of 300 records (a stored node at level 8)', () => {
    beforeEach(async () => {
      const ledger = await EmbeddedLedger.open(temp.dir, { clock: new ManualClock().now });
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          ledger.submit({
            identity: platformA,
            fn: 'notary:notariseDocument',
            args: [JSON.stringify({ sha256: doc(`node ${i}`), kind: 'archive' })],
          }),
        ),
      );
      await ledger.close();
    });

    it('finds it intact', async () => {
      expect(await verifyLedger(temp.dir)).to.include({ intact: true, leaves: 300, records: 300, walk: 'digests' });
    });

    it('catches the stored node changed', async () => {
      await change((db) => db.put(`tlog/n/08/${pad(0, 12)}`, Buffer.alloc(32, 1)));
      expect((await verifyDamaged()).broken).to.include({
        key: `tlog/n/08/${pad(0, 12)}`,
        reason: `log node tlog/n/08/${pad(0, 12)} is not the hash of its leaves`,
      });
    });

    it('catches the stored node deleted, and a node no leaves make', async () => {
      await change((db) => db.del(`tlog/n/08/${pad(0, 12)}`));
      expect((await verifyDamaged()).broken?.reason).to.equal('the log stores 0 nodes, its 300 leaves make 1');
      await change((db) => db.put(`tlog/n/08/${pad(1, 12)}`, Buffer.alloc(32, 1)));
      expect((await verifyDamaged()).broken?.reason).to.equal(`log node tlog/n/08/${pad(1, 12)} is not the hash of its leaves`);
    });
  });

  describe('with keys that sort differently in state and in history', () => {
    // `a` is a prefix of the others: in history `h!a\u0001!…` sorts before `h!a!…`, and the
    // entries of `a!000000000001000000x` fall between those of `a` (see keys.ts).
    const KEYS = ['a', 'a\u0001', 'a!000000000001000000x', 'a!0', 'b'];

    beforeEach(async () => {
      const ledger = await EmbeddedLedger.open(temp.dir, { contracts: [AnyKeyContract], transparencyLog: false });
      for (let round = 0; round < 3; round++) {
        for (const key of KEYS) await ledger.submit({ identity: platformA, fn: 'keys:put', args: [key, `${key} ${round}`] });
      }
      await ledger.submit({ identity: platformA, fn: 'keys:remove', args: ['a!0'] });
      await ledger.close();
    });

    it('finds the ledger intact', async () => {
      const report = await verifyLedger(temp.dir);
      expect(report.problems).to.deep.equal([]);
      expect(report).to.include({ intact: true, stateKeys: 4, transactions: 16, walk: 'digests' });
    });

    it("still names a changed value of the key whose history encloses another's", async () => {
      await change((db) => db.put('s!a', Buffer.from('a 9')));
      expect((await verifyDamaged()).broken).to.include({ key: 'a', reason: 'state value differs from what block 10 wrote' });
    });

    it('catches a value rolled back to what an earlier block wrote (the digests keep only the latest)', async () => {
      await change((db) => db.put('s!b', Buffer.from('b 1')));
      expect((await verifyDamaged()).broken).to.include({ key: 'b', reason: 'state value differs from what block 14 wrote' });
    });

    it('catches a value that is not the UTF-8 a block wrote, though it decodes to the same text', async () => {
      // 0xff decodes to U+FFFD, as the bytes a block wrote for "\ufffd" do: equal as text, not as bytes.
      const ledger = await EmbeddedLedger.open(temp.dir, { contracts: [AnyKeyContract], transparencyLog: false });
      await ledger.submit({ identity: platformA, fn: 'keys:put', args: ['c', 'c \ufffd'] });
      await ledger.close();
      await change((db) => db.put('s!c', Buffer.concat([Buffer.from('c '), Buffer.of(0xff)])));
      expect((await verifyDamaged()).broken).to.include({ key: 'c', reason: 'state value differs from what block 16 wrote' });
    });

    it('accepts a history entry in another but equal form: the digests differ, and the exact walk finds it the same', async () => {
      const key = `h!b!${pad(14, 12)}${pad(0, 6)}`;
      await change(async (db) => {
        const { txId, timestamp, isDelete } = JSON.parse((await db.get(key)).toString('utf8')) as Record<string, unknown>;
        await db.put(key, Buffer.from(JSON.stringify({ isDelete, timestamp, txId })));
      });
      expect(await verifyLedger(temp.dir, { walk: 'digests' })).to.include({ intact: false });
      const report = await verifyLedger(temp.dir);
      expect(report.problems).to.deep.equal([]);
      expect(report).to.include({ intact: true, walk: 'exact' });
    });

    it('still names a deleted key brought back in state', async () => {
      await change((db) => db.put('s!a!0', Buffer.from('a!0 2')));
      expect((await verifyDamaged()).broken).to.include({ key: 'a!0', reason: 'state key written by no block' });
    });
  });

  describe('on standalone records a block wrote with a hash that does not match', () => {
    const STANDALONE = '\u0000evidence\u0000';
    const bad = JSON.stringify({ recordId: 'x', seq: 0, hash: '0'.repeat(64) });

    it('names the record written with its event (the same text, hashed once)', async () => {
      const ledger = await EmbeddedLedger.open(temp.dir, { contracts: [AnyKeyContract], transparencyLog: false });
      await ledger.submit({ identity: platformA, fn: 'keys:put', args: [`${STANDALONE}b`, bad] });
      const { txId } = await ledger.submit({ identity: platformA, fn: 'keys:announce', args: [`${STANDALONE}a`, bad] });
      await ledger.close();
      // Both are broken: the first in key order is named, as the state walk would meet them.
      expect((await verifyDamaged()).broken).to.include({
        key: `${STANDALONE}a`,
        block: 1,
        txId,
        reason: 'record hash differs from its content',
      });
    });

    it('names the record written without an event', async () => {
      const ledger = await EmbeddedLedger.open(temp.dir, { contracts: [AnyKeyContract], transparencyLog: false });
      const { txId } = await ledger.submit({ identity: platformA, fn: 'keys:put', args: [`${STANDALONE}b`, bad] });
      await ledger.close();
      const report = await verifyDamaged();
      expect(report.broken).to.include({ key: `${STANDALONE}b`, block: 0, txId, reason: 'record hash differs from its content' });
      expect(report.records).to.equal(1);
    });
  });

  it('catches a block beyond the ledger height', async () => {
    const ledger = await EmbeddedLedger.open(temp.dir, { contracts: [AnyKeyContract], transparencyLog: false });
    await ledger.submit({ identity: platformA, fn: 'keys:put', args: ['k', 'v'] });
    await ledger.close();
    await change((db) => db.put(`b!${pad(7, 12)}`, Buffer.from('{}')));
    expect((await verifyDamaged()).broken).to.include({
      block: 7,
      key: `b!${pad(7, 12)}`,
      reason: 'block beyond the ledger height (never committed)',
    });
  });

  describe("on a store holding table files no version names (an interrupted compaction's)", () => {
    /** Every file of the store: size, content, inode and modification time. */
    const snapshot = () =>
      Object.fromEntries(
        readdirSync(temp.dir)
          .sort()
          .map((name) => {
            const file = path.join(temp.dir, name);
            const { size, ino, mtimeMs } = statSync(file);
            return [name, { size, ino, mtimeMs, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') }];
          }),
      );

    beforeEach(async () => {
      const write = async (from: number) => {
        const ledger = await EmbeddedLedger.open(temp.dir);
        for (let i = from; i < from + 3; i++)
          await ledger.submit({
            identity: platformA,
            fn: 'notary:notariseDocument',
            args: [JSON.stringify({ sha256: doc(`orphan ${i}`), kind: 'archive' })],
          });
        await ledger.close();
      };
      await write(0);
      // Into tables, then more left in the write-ahead log: opening a copy writes a new table.
      await change((db) => (db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('', '\uffff'));
      await write(3);
      // Valid tables numbered where LevelDB numbers the files it creates next.
      const names = readdirSync(temp.dir);
      const table = present(
        names.find((name) => name.endsWith('.ldb')),
        'a table file to plant copies of',
      );
      const highest = Math.max(...names.map((name) => Number.parseInt(/\d+/.exec(name)?.[0] ?? '0', 10)));
      for (let number = highest + 1; number <= highest + 40; number++)
        copyFileSync(path.join(temp.dir, table), path.join(temp.dir, `${pad(number, 6)}.ldb`));
    });

    it('changes no byte, inode or time of any file of the original', async () => {
      const before = snapshot();
      const report = await verifyLedger(temp.dir);
      expect(snapshot()).to.deep.equal(before);
      expect(report.problems).to.deep.equal([]);
      expect(report).to.include({ intact: true, transactions: 6, records: 6 });
    });

    it('leaves out such a table cut short (a flush killed midway, which LevelDB deletes on opening), and still checks the tables the MANIFEST names', async () => {
      const tables = readdirSync(temp.dir)
        .filter((name) => name.endsWith('.ldb'))
        .sort();
      const torn = path.join(temp.dir, tables.at(-1) ?? '');
      writeFileSync(torn, readFileSync(torn).subarray(0, 100));
      const report = await verifyLedger(temp.dir);
      expect(report.problems).to.deep.equal([]);
      expect(report).to.include({ intact: true, transactions: 6, records: 6 });
      // The first table is the one the compaction wrote, which the MANIFEST names.
      const live = path.join(temp.dir, tables[0] ?? '');
      const bytes = readFileSync(live);
      writeFileSync(live, bytes.subarray(0, bytes.length - 1));
      const damaged = await verifyLedger(temp.dir);
      expect(damaged.intact).to.equal(false);
      expect(damaged.problems.map((p) => p.reason)).to.include('table footer damaged (bad magic number)');
    });
  });
});
