import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Level } from 'level';
import { checkChain, type LedgerRecord } from '@tender-ledger/domain';
import { EmbeddedLedger, verifyLedger, type Block } from '@tender-ledger/embedded-ledger';
import { errorMessage, present } from '../helpers/assert.js';
import { HOUR, ManualClock, manualHostClock } from '../helpers/clock.js';
import { platformA, regulator } from '../helpers/identities.js';
import { runScript } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { Tender, doc } from '../helpers/tender.js';
import { embeddedHost, type ContractHost } from '../helpers/hosts.js';

/** A host over a ledger this suite controls directly (to reopen it, read blocks, tamper with it). */
async function openHost(
  directory: string,
  clock = new ManualClock(),
  /** What the ledger stamps transactions with (the manual clock itself unless given). */
  ledgerClock: () => Date = clock.now,
): Promise<{ ledger: EmbeddedLedger; host: ContractHost & { clock: { manual: ManualClock } } }> {
  const ledger = await EmbeddedLedger.open(directory, { clock: ledgerClock });
  const host = embeddedHost(ledger, manualHostClock(clock)) as ContractHost & { clock: { manual: ManualClock } };
  return { ledger, host };
}

async function allBlocks(ledger: EmbeddedLedger): Promise<Block[]> {
  const blocks: Block[] = [];
  for (let n = 0; n < ledger.height; n++) blocks.push((await ledger.getBlock(n)) as Block);
  return blocks;
}

describe('EmbeddedLedger', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir('tender-ledger-');
  });
  afterEach(() => {
    temp.remove();
  });

  describe('a whole tender', () => {
    it('runs from registration to the last deposit release, each step a block-chained, hash-chained record', async () => {
      // Each transaction a millisecond after the last, as on a real clock: the trail interleaves
      // chains by ledger time, and records of one millisecond (sharing it) by chain.
      const clock = new ManualClock();
      const { ledger, host } = await openHost(temp.dir, clock, () => {
        clock.advance(1);
        return clock.now();
      });
      const tender = Tender.onHost(host);
      await tender.wholeTender();
      const trail = await tender.trail(regulator);
      expect(trail.records.map((r) => r.step)).to.deep.equal([
        'ProjectRegistered',
        'BidderRegistered',
        'BidderRegistered',
        'BidderRegistered',
        'BidderRegistered',
        'BidCommitted',
        'BidCommitted',
        'BidCommitted',
        'BidCommitted',
        'BidCommitted',
        'BidWithdrawn',
        'DepositReleased',
        'CommitteeAppointed',
        'BidsOpened',
        'ScoresRecorded',
        'ScoresRecorded',
        'ScoresRecorded',
        'ScoresRecorded',
        'ScoresRecorded',
        'BidAwarded',
        'DepositReleased',
        'DepositReleased',
        'ContractSigned',
        'DepositReleased',
      ]);
      expect(checkChain(trail.records)).to.deep.equal({ valid: true });
      expect((await tender.status(regulator)).status).to.equal('contracted');

      // Each record is in the block its receipt would name, written by the transaction it names.
      const blocks = await allBlocks(ledger);
      const txIds = blocks.flatMap((b) => b.txs.map((t) => t.txId));
      expect(trail.records.map((r) => r.txId).every((id) => txIds.includes(id))).to.equal(true);
      for (const [index, block] of blocks.entries()) {
        expect(block.number).to.equal(index);
        expect(block.prevHash).to.equal(index === 0 ? '0'.repeat(64) : blocks[index - 1]?.hash);
      }
      await ledger.close();
      expect(await verifyLedger(temp.dir)).to.include({ intact: true, records: trail.records.length, projects: 1 });
    });
  });

  describe('group commit', () => {
    it('puts many waiting transactions into one block and acknowledges each with its block', async () => {
      const { ledger, host } = await openHost(temp.dir);
      await Tender.onHost(host).register();
      const submissions = Array.from({ length: 300 }, (_, i) =>
        ledger.submit({
          identity: platformA,
          fn: 'notary:notariseDocument',
          args: [JSON.stringify({ sha256: doc(`bulk ${i}`), kind: 'archive' })],
        }),
      );
      const committed = await Promise.all(submissions);
      const blockNumbers = new Set(committed.map((c) => c.blockNumber));
      expect(blockNumbers.size).to.be.lessThan(30);
      expect(ledger.height).to.equal(1 + blockNumbers.size);
      for (const { txId, blockNumber, blockHash } of committed) {
        const block = await ledger.getBlock(blockNumber);
        expect(block?.hash).to.equal(blockHash);
        expect(block?.txs.some((t) => t.txId === txId)).to.equal(true);
      }
      await ledger.close();
    });

    it('refuses a transaction without recording it, while its block-mates commit', async () => {
      const { ledger, host } = await openHost(temp.dir);
      const tender = Tender.onHost(host);
      await tender.register();
      const good = ledger.submit({
        identity: platformA,
        fn: 'notary:notariseDocument',
        args: [JSON.stringify({ sha256: doc('a'), kind: 'x' })],
      });
      const bad = ledger.submit({ identity: platformA, fn: 'registerProject', args: [JSON.stringify(tender.projectRequest())] });
      await good;
      await bad.then(
        () => expect.fail('duplicate project accepted'),
        (error: unknown) => {
          expect(errorMessage(error)).to.match(/^PROJECT_EXISTS/);
        },
      );
      const blocks = await allBlocks(ledger);
      expect(blocks.flatMap((b) => b.txs.map((t) => `${t.contract}:${t.fn}`))).to.deep.equal([
        'tender:registerProject',
        'notary:notariseDocument',
      ]);
      await ledger.close();
    });
  });

  describe('durability', () => {
    it('keeps every acknowledged transaction across close and reopen, and continues the block chain', async () => {
      const first = await openHost(temp.dir);
      const tender = Tender.onHost(first.host);
      await tender.register();
      await tender.registerBidder('B1');
      const height = first.ledger.height;
      const lastHash = first.ledger.lastBlockHash;
      await first.ledger.close();

      const second = await openHost(temp.dir, first.host.clock.manual);
      expect(second.ledger.height).to.equal(height);
      expect(second.ledger.lastBlockHash).to.equal(lastHash);
      const reopened = Tender.onHost(second.host, platformA, tender.projectId);
      await reopened.registerBidder('B2');
      const block = await second.ledger.getBlock(height);
      expect(block?.prevHash).to.equal(lastHash);
      expect((await reopened.trail()).records).to.have.length(3);
      await second.ledger.close();
    });

    it('stamps transactions with its clock, never ahead of it, and never earlier than any before them across a restart with the clock moved backwards', async () => {
      const clock = new ManualClock();
      const first = await openHost(temp.dir, clock);
      const tender = Tender.onHost(first.host);
      const registered = await tender.register();
      expect(registered.txTime).to.equal(clock.iso());
      // A burst within one instant shares it: a millisecond added per transaction ran ledger time
      // ahead of the clock under load, and a bid sent before its deadline was refused as late.
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) => tender.notarise({ sha256: doc(`same instant ${i}`), kind: 'archive' })),
      );
      expect(burst.map((record) => record.txTime)).to.deep.equal(burst.map(() => clock.iso()));
      await first.ledger.close();

      const second = await openHost(temp.dir, new ManualClock(clock.iso(-HOUR)));
      const afterRestart = await Tender.onHost(second.host, platformA, tender.projectId).notarise({
        sha256: doc('after restart'),
        kind: 'archive',
      });
      expect(afterRestart.txTime).to.equal(clock.iso());
      const blocks = await allBlocks(second.ledger);
      const times = blocks.flatMap((b) => b.txs.map((t) => Date.parse(t.timestamp)));
      expect(times).to.have.length(22);
      expect(times.every((t, i) => i === 0 || t >= present(times[i - 1], `time ${i - 1}`))).to.equal(true);
      await second.ledger.close();
    });

    it('after kill -9 at any instant, shows every acknowledged transaction and no half-written block', async function () {
      this.timeout(120_000);
      const acknowledged: string[] = [];
      // Each round is killed once the writer has acknowledged so many writes, with 32 more under
      // way: a point in its work, not a time, so a slow machine is killed as far in as a fast one.
      for (const [round, killAt] of [1, 20, 60, 150].entries()) {
        const child = spawn(process.execPath, [path.join(__dirname, 'fixtures/crash-writer.js'), temp.dir, String(round)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let buffer = '';
        let ready = false;
        let acknowledgedThisRound = 0;
        const exited = new Promise<void>((resolve) =>
          child.on('exit', () => {
            resolve();
          }),
        );
        child.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) {
            if (line === 'ready') {
              ready = true;
            } else if (line) {
              acknowledged.push(line.split(' ')[1] as string);
              if (++acknowledgedThisRound === killAt) child.kill('SIGKILL');
            }
          }
        });
        await exited;
        expect(ready, 'the writer started').to.equal(true);
        expect(acknowledgedThisRound, `round ${round}: killed only after ${killAt} acknowledged writes`).to.be.at.least(killAt);
        const report = await verifyLedger(temp.dir);
        expect(report.broken, JSON.stringify(report.broken)).to.equal(undefined);
        expect(report.intact).to.equal(true);
        // The transparency log's leaves went in their blocks' batches: one per record, whatever the instant.
        expect(report.leaves).to.equal(report.records);
      }
      const { ledger } = await openHost(temp.dir);
      const missing: string[] = [];
      for (const sha256 of acknowledged) {
        const found = JSON.parse(await ledger.evaluate({ identity: platformA, fn: 'findByHash', args: [sha256] })) as {
          records: LedgerRecord[];
        };
        if (found.records.length !== 1) missing.push(sha256);
      }
      await ledger.close();
      expect(missing, `${missing.length} of ${acknowledged.length} acknowledged transactions lost`).to.deep.equal([]);
    });
  });

  describe('verifyLedger', () => {
    /** A ledger with one project of a few steps, closed, ready to be tampered with. */
    async function ledgerWithTrail(): Promise<{ recordKey: string; blocks: Block[] }> {
      const { ledger, host } = await openHost(temp.dir);
      const tender = Tender.onHost(host);
      await tender.register();
      await tender.registerBidder('B1');
      await tender.notarise({ sha256: doc('announcement'), kind: 'announcement' });
      const blocks = await allBlocks(ledger);
      await ledger.close();
      // The bidder's registration: the first record of bidder B1's own chain.
      const recordKey = `s!\u0000record\u0000${tender.projectId}\u0000b\u0000B1\u0000${'1'.padStart(12, '0')}\u0000`;
      return { recordKey, blocks };
    }

    async function tamper(change: (db: Level<string, Buffer>) => Promise<void>): Promise<void> {
      const db = new Level<string, Buffer>(temp.dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      await db.open();
      await change(db);
      await db.close();
    }

    it('finds an intact ledger intact', async () => {
      await ledgerWithTrail();
      expect(await verifyLedger(temp.dir)).to.include({ intact: true, height: 3, transactions: 3, records: 3 });
    });

    it('finds a block stored in other JSON (indented, members in another order) intact: the rule hashes its RFC 8785 form', async () => {
      await ledgerWithTrail();
      await tamper(async (db) => {
        const key = `b!${'1'.padStart(12, '0')}`;
        const { txs, ...header } = JSON.parse((await db.get(key)).toString()) as Block;
        await db.put(key, Buffer.from(JSON.stringify({ txs, ...header }, null, 2)));
      });
      expect(await verifyLedger(temp.dir)).to.include({ intact: true, height: 3, transactions: 3, records: 3 });
    });

    it("catches one byte changed in a record's stored value, naming the key and the block that wrote it", async () => {
      const { recordKey, blocks } = await ledgerWithTrail();
      await tamper(async (db) => {
        const value = await db.get(recordKey);
        const at = value.indexOf('B1');
        value[at + 1] = '2'.charCodeAt(0);
        await db.put(recordKey, value);
      });
      const report = await verifyLedger(temp.dir);
      expect(report.intact).to.equal(false);
      expect(report.broken).to.include({
        key: recordKey.slice(2),
        block: 1,
        txId: present(blocks[1]?.txs[0], "block 1's transaction").txId,
      });
      expect(report.broken?.reason).to.match(/state value differs/);
    });

    it('catches a changed, a reordered and a missing transaction in a block', async () => {
      await ledgerWithTrail();
      await tamper(async (db) => {
        const key = `b!${'1'.padStart(12, '0')}`;
        const block = JSON.parse((await db.get(key)).toString()) as Block;
        present(block.txs[0], "block 1's transaction").timestamp = '2020-01-01T00:00:00.000Z';
        await db.put(key, Buffer.from(JSON.stringify(block)));
      });
      expect((await verifyLedger(temp.dir)).broken).to.deep.include({
        block: 1,
        reason: 'transactions changed, missing or reordered (data hash differs)',
      });
    });

    it('catches a deleted record', async () => {
      const { recordKey } = await ledgerWithTrail();
      await tamper((db) => db.del(recordKey));
      expect((await verifyLedger(temp.dir)).broken).to.include({ key: recordKey.slice(2), reason: 'state key is missing' });
    });

    it('catches a missing block and a broken link between blocks', async () => {
      await ledgerWithTrail();
      await tamper(async (db) => {
        const key = `b!${'2'.padStart(12, '0')}`;
        const block = JSON.parse((await db.get(key)).toString()) as Block;
        block.prevHash = 'f'.repeat(64);
        await db.put(key, Buffer.from(JSON.stringify(block)));
      });
      expect((await verifyLedger(temp.dir)).broken).to.include({ block: 2, reason: 'block does not link to the hash of the block before' });
      await tamper((db) => db.del(`b!${'1'.padStart(12, '0')}`));
      expect((await verifyLedger(temp.dir)).broken).to.include({ block: 1, reason: 'block is missing' });
    });

    it('catches a record rewritten consistently in its block and state: the block hash no longer matches', async () => {
      const { recordKey } = await ledgerWithTrail();
      await tamper(async (db) => {
        const blockKey = `b!${'1'.padStart(12, '0')}`;
        const block = JSON.parse((await db.get(blockKey)).toString()) as Block;
        const write = present(
          present(block.txs[0], "block 1's transaction").writes.find((w) => `s!${w.key}` === recordKey),
          "the record's write",
        );
        write.value = present(write.value, "the record's value").replace('"B1"', '"B7"');
        await db.put(blockKey, Buffer.from(JSON.stringify(block)));
        await db.put(recordKey, Buffer.from(write.value));
      });
      expect((await verifyLedger(temp.dir)).broken).to.include({ block: 1 });
    });

    describe('npm run ledger:verify', () => {
      const runVerify = (dataDir: string) => runScript('ledger/dist/cli/verify.js', dataDir);

      it('exits 0 on an intact ledger in DATA_DIR and non-zero naming the broken link otherwise', async () => {
        const dataDir = path.join(temp.dir, 'data');
        mkdirSync(dataDir);
        const ledgerDir = path.join(dataDir, 'ledger');
        const { ledger, host } = await openHost(ledgerDir);
        const tender = Tender.onHost(host);
        await tender.register();
        await tender.registerBidder('B1');
        await ledger.close();
        const intact = await runVerify(dataDir);
        expect(intact.code).to.equal(0);
        expect(intact.output).to.match(/ledger intact: 2 blocks/);

        const db = new Level<string, Buffer>(ledgerDir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
        await db.open();
        const key = `s!\u0000bidder\u0000${tender.projectId}\u0000B1\u0000`; // written by block 1 (bidding never rewrites the project)
        const value = await db.get(key);
        value.writeUInt8(value.readUInt8(value.length - 2) ^ 1, value.length - 2);
        await db.put(key, value);
        await db.close();
        const broken = await runVerify(dataDir);
        expect(broken.code).to.equal(1);
        expect(broken.output).to.match(/ledger BROKEN: state value differs from what block 1 wrote at block 1, key/);
        expect((await runVerify(path.join(temp.dir, 'nowhere'))).code).to.equal(2);
      });
    });
  });
});
