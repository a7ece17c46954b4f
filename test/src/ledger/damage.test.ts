import { createHash } from 'node:crypto';
import {
  constants,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Level } from 'level';
import { sha256Hex } from '@tender-ledger/domain';
import { EmbeddedLedger, LedgerDamagedError, verifyLedger, type CommittedTransaction } from '@tender-ledger/embedded-ledger';
import { loadConfig, startGateway } from '@tender-ledger/gateway';
import { mintDevToken } from '@tender-ledger/client-sdk';
import { instanceOf, present } from '../helpers/assert.js';
import { platformA } from '../helpers/identities.js';
import { runScript } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

/** Records `count` documents, one block each; what their receipts would name. */
async function recordDocuments(directory: string, count: number, from = 0): Promise<CommittedTransaction[]> {
  const ledger = await EmbeddedLedger.open(directory);
  const committed: CommittedTransaction[] = [];
  for (let i = from; i < from + count; i++) {
    committed.push(
      await ledger.submit({
        identity: platformA,
        fn: 'notary:notariseDocument',
        args: [JSON.stringify({ sha256: sha256Hex(`document ${i}`), kind: 'archive' })],
      }),
    );
  }
  await ledger.close();
  return committed;
}

const logFile = (directory: string) =>
  readdirSync(directory)
    .filter((n) => /^\d+\.log$/.test(n))
    .sort()
    .at(-1) as string;

function flipBit(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset] = (bytes[offset] as number) ^ 0x10;
  writeFileSync(file, bytes);
}

/** Name → SHA-256 of every file in the store, to show a check changed nothing. */
function fingerprint(directory: string): Record<string, string> {
  const prints: Record<string, string> = {};
  for (const name of readdirSync(directory)) {
    const file = path.join(directory, name);
    if (statSync(file).isFile()) prints[name] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return prints;
}

async function openError(directory: string): Promise<LedgerDamagedError> {
  try {
    const ledger = await EmbeddedLedger.open(directory);
    await ledger.close();
  } catch (error) {
    return instanceOf(error, LedgerDamagedError);
  }
  throw new Error('the ledger opened a damaged store');
}

interface Damage {
  title: string;
  /** Damages the store in `directory` (DATA_DIR/ledger); returns what the refusal must name. */
  apply(directory: string): Promise<Expected>;
}

interface Expected {
  block?: number;
  file?: RegExp;
  verifyNames: RegExp;
  /** LevelDB itself logs dropped bytes when it opens the (copied) store. */
  leveldbDrops?: boolean;
  /** The ledger's start leaves the store's files as they were (it never opens LevelDB). */
  untouched?: boolean;
  /** The damaged log, kept byte for byte in damaged-logs/ before LevelDB drops it. */
  keptLog?: { name: string; bytes: Buffer };
}

const DAMAGES: Damage[] = [
  {
    title: 'one bit flipped in the last record of the write-ahead log',
    async apply(directory) {
      await recordDocuments(directory, 12);
      const log = logFile(directory);
      flipBit(path.join(directory, log), statSync(path.join(directory, log)).size - 20);
      return {
        block: 11,
        verifyNames: new RegExp(`blocks 11–11 are missing[^]*write-ahead log checksum mismatch at file ${log} byte \\d+`),
        leveldbDrops: true,
        keptLog: { name: log, bytes: readFileSync(path.join(directory, log)) },
      };
    },
  },
  {
    title: 'one byte changed in the middle of the write-ahead log (intact records after it)',
    async apply(directory) {
      await recordDocuments(directory, 90);
      const log = logFile(directory);
      expect(statSync(path.join(directory, log)).size, 'the log spans more than one 32 KiB block').to.be.greaterThan(40_000);
      flipBit(path.join(directory, log), 10_000);
      return {
        file: new RegExp(`^${log}$`),
        verifyNames: new RegExp(`block \\d+[^]*write-ahead log checksum mismatch at file ${log} byte \\d+`),
        leveldbDrops: true,
        untouched: true,
      };
    },
  },
  {
    title: 'one byte changed in a table file',
    async apply(directory) {
      await recordDocuments(directory, 20);
      const db = new Level<string, Buffer>(directory, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      await db.open();
      // Everything into table files (the memtable first), so the flip lands in a table.
      await (db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('', '\uffff');
      await db.close();
      const table = readdirSync(directory).find((n) => /\.ldb$/.test(n)) as string;
      expect(table, 'compaction wrote a table').to.be.a('string');
      flipBit(path.join(directory, table), 100);
      return { verifyNames: new RegExp(`table block checksum mismatch at file ${table} byte \\d+`) };
    },
  },
  {
    title: 'the store rolled back to an older copy (the head file kept)',
    async apply(directory) {
      await recordDocuments(directory, 5);
      const older = `${directory}-older`;
      cpSync(directory, older, { recursive: true });
      await recordDocuments(directory, 3, 5);
      for (const name of readdirSync(directory)) if (name !== 'LEDGER-HEAD') rmSync(path.join(directory, name), { recursive: true });
      for (const name of readdirSync(older))
        if (name !== 'LEDGER-HEAD') cpSync(path.join(older, name), path.join(directory, name), { recursive: true });
      rmSync(older, { recursive: true });
      return {
        block: 5,
        verifyNames:
          /blocks 5–7 are missing: the durable head \(LEDGER-HEAD\) names block 7 [0-9a-f]{64}, acknowledged with receipts, but the store ends at block 4 at block 5/,
      };
    },
  },
  {
    title: 'the write-ahead log cut short',
    async apply(directory) {
      await recordDocuments(directory, 10);
      const log = path.join(directory, logFile(directory));
      truncateSync(log, statSync(log).size - 100);
      return { block: 9, verifyNames: /blocks 9–9 are missing[^]*at block 9/ };
    },
  },
];

describe('a damaged ledger store', () => {
  let temp: ReturnType<typeof tempDir>;
  let dataDir: string;
  let directory: string;
  beforeEach(() => {
    temp = tempDir('tender-damage-');
    dataDir = temp.dir;
    directory = path.join(dataDir, 'ledger');
    mkdirSync(directory);
  });
  afterEach(() => {
    temp.remove();
  });

  for (const damage of DAMAGES) {
    describe(`with ${damage.title}`, () => {
      it('makes the ledger refuse to open with LEDGER_DAMAGED, naming the block or file', async () => {
        const expected = await damage.apply(directory);
        const before = fingerprint(directory);
        const error = await openError(directory);
        expect(error.code).to.equal('LEDGER_DAMAGED');
        if (expected.block !== undefined) expect(error.damage[0]).to.include({ block: expected.block });
        if (expected.file) expect(error.damage[0]?.file).to.match(expected.file);
        if (expected.untouched) expect(fingerprint(directory)).to.deep.equal(before);
        if (expected.keptLog) {
          const [kept] = readdirSync(path.join(directory, 'damaged-logs'));
          expect(
            readFileSync(path.join(directory, 'damaged-logs', kept as string, expected.keptLog.name)).equals(expected.keptLog.bytes),
          ).to.equal(true);
        }
      });

      it('makes ledger:verify exit 1 naming the place, and leaves every file byte-identical', async () => {
        const expected = await damage.apply(directory);
        const before = fingerprint(directory);
        const report = await verifyLedger(directory);
        expect(report.intact).to.equal(false);
        const cli = await runScript('ledger/dist/cli/verify.js', dataDir);
        expect(cli.code, cli.output).to.equal(1);
        expect(cli.output).to.match(/ledger BROKEN: /);
        expect(cli.output).to.match(expected.verifyNames);
        if (expected.leveldbDrops) expect(cli.output).to.match(/LevelDB: .*(dropping \d+ bytes|[Cc]orruption)/);
        expect(fingerprint(directory)).to.deep.equal(before);
      });

      it('makes the gateway start but answer /healthz, writes and reads with 503 LEDGER_DAMAGED', async () => {
        await damage.apply(directory);
        const gateway = await startGateway(loadConfig({ DATA_DIR: dataDir, PORT: '0' }));
        try {
          const health = await fetch(`${gateway.url}/healthz`);
          expect(health.status).to.equal(503);
          expect(health.headers.get('content-type')).to.match(/^application\/problem\+json/);
          const problem = (await health.json()) as { code: string; detail: string };
          expect(problem.code).to.equal('LEDGER_DAMAGED');
          expect(problem.detail).to.match(/block \d+|file \S+/);
          const token = await mintDevToken(dataDir, { role: 'platform', sub: 'gz-etrading' });
          const write = await fetch(`${gateway.url}/v1/evidence`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ sha256: sha256Hex('after the damage'), kind: 'archive' }),
          });
          expect(write.status).to.equal(503);
          expect(((await write.json()) as { code: string }).code).to.equal('LEDGER_DAMAGED');
          const read = await fetch(`${gateway.url}/v1/verify/${sha256Hex('document 0')}`);
          expect(read.status).to.equal(503);
          // The log is in the damaged store too: not "this gateway keeps no log".
          for (const route of ['/checkpoint', '/tile/0/000.p/1', '/v1/records/any/proof']) {
            const log = await fetch(`${gateway.url}${route}`);
            expect(log.status, route).to.equal(503);
            expect(((await log.json()) as { code: string }).code, route).to.equal('LEDGER_DAMAGED');
          }
        } finally {
          await gateway.close();
        }
      });
    });
  }

  describe('the start-up check', () => {
    async function deleteKey(key: string): Promise<void> {
      const db = new Level<string, Buffer>(directory, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      await db.open();
      await db.del(key);
      await db.close();
    }

    it('refuses a store whose recent block lost its tx-index entry, naming the block and tx', async () => {
      const committed = await recordDocuments(directory, 5);
      const { txId } = present(committed[3], 'the fourth record');
      await deleteKey(`t!${txId}`);
      expect((await openError(directory)).damage[0]).to.include({ block: 3, txId });
    });

    it('reads only the last blocks (here 2), leaving older damage to ledger:verify', async () => {
      const committed = await recordDocuments(directory, 5);
      await deleteKey(`t!${present(committed[0], 'the first record').txId}`);
      const ledger = await EmbeddedLedger.open(directory, { startupCheckBlocks: 2 });
      await ledger.close();
      expect((await verifyLedger(directory)).broken?.reason).to.match(/missing from the index/);
    });
  });

  describe('the durable head file', () => {
    it('survives a torn write of one slot: the other still names an acknowledged block', async () => {
      const committed = await recordDocuments(directory, 4);
      const head = path.join(directory, 'LEDGER-HEAD');
      const bytes = readFileSync(head);
      // Height 4 was written to slot 0; tear it.
      bytes.fill(0x41, 10, 60);
      writeFileSync(head, bytes);
      const ledger = await EmbeddedLedger.open(directory);
      expect(ledger.height).to.equal(4);
      expect(ledger.lastBlockHash).to.equal(committed.at(-1)?.blockHash);
      await ledger.close();
    });

    it('when deleted, makes the ledger refuse: it cannot tell whether acknowledged blocks were lost', async () => {
      await recordDocuments(directory, 2);
      rmSync(path.join(directory, 'LEDGER-HEAD'));
      expect((await openError(directory)).damage[0]).to.include({ file: 'LEDGER-HEAD' });
      expect((await runScript('ledger/dist/cli/verify.js', dataDir)).code).to.equal(1);
    });

    it("is open for synchronous writes (O_DSYNC): each block's head is durable when its write returns", async () => {
      const ledger = await EmbeddedLedger.open(directory);
      try {
        // As /proc names it: the real path, should the temp directory sit behind a symlink.
        const head = realpathSync(path.join(directory, 'LEDGER-HEAD'));
        const fd = readdirSync('/proc/self/fd').find((n) => {
          try {
            return readlinkSync(`/proc/self/fd/${n}`) === head;
          } catch {
            return false; // closed since it was listed
          }
        });
        expect(fd, 'the ledger keeps its head file open').to.be.a('string');
        // /proc's fdinfo gives the open flags in octal; the write does no fdatasync of its own.
        const flags = parseInt(/^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd as string}`, 'utf8'))?.[1] ?? '0', 8);
        expect(flags & constants.O_DSYNC, 'O_DSYNC').to.equal(constants.O_DSYNC);
      } finally {
        await ledger.close();
      }
    });

    it("is created from the store's own head for a store written before head files", async () => {
      await recordDocuments(directory, 2);
      rmSync(path.join(directory, 'LEDGER-HEAD'));
      const db = new Level<string, Buffer>(directory, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      await db.open();
      await db.del('m!head-file');
      await db.close();
      const ledger = await EmbeddedLedger.open(directory);
      expect(ledger.height).to.equal(2);
      await ledger.close();
      expect(statSync(path.join(directory, 'LEDGER-HEAD')).size).to.equal(1024);
    });
  });

  describe('npm run ledger:repair', () => {
    it('after a lost last block, records it lost, keeps the evidence, and never reuses its number', async () => {
      const committed = await recordDocuments(directory, 6);
      const lost = committed.at(-1) as CommittedTransaction;
      flipBit(path.join(directory, logFile(directory)), statSync(path.join(directory, logFile(directory))).size - 20);

      const refused = await runScript('ledger/dist/cli/repair.js', dataDir);
      expect(refused.code, 'without --yes it only explains').to.equal(1);
      expect(refused.output).to.match(/To go on: npm run ledger:repair -- --yes/);

      const repaired = await runScript('ledger/dist/cli/repair.js', dataDir, ['--yes', '--reason', 'test: bit flip in the log']);
      expect(repaired.code, repaired.output).to.equal(0);
      expect(repaired.output).to.match(/LOST: blocks 5–5/);
      const evidence = readdirSync(path.join(dataDir, 'ledger-evidence'));
      expect(evidence).to.have.length(1);
      expect(readdirSync(path.join(dataDir, 'ledger-evidence', evidence[0] as string)).some((n) => /\.log$/.test(n))).to.equal(true);
      expect(readFileSync(path.join(directory, 'LEDGER-REPAIRS.jsonl'), 'utf8')).to.match(/"reason":"test: bit flip in the log"/);

      const ledger = await EmbeddedLedger.open(directory);
      const next = await ledger.submit({
        identity: platformA,
        fn: 'notary:notariseDocument',
        args: [JSON.stringify({ sha256: sha256Hex('after the repair'), kind: 'archive' })],
      });
      expect(next.blockNumber).to.equal(lost.blockNumber + 1);
      expect((await ledger.getBlock(next.blockNumber))?.prevHash).to.equal(lost.blockHash);
      expect(await ledger.getBlock(lost.blockNumber)).to.equal(undefined);
      await ledger.close();

      const verified = await runScript('ledger/dist/cli/verify.js', dataDir);
      expect(verified.code, verified.output).to.equal(0);
      expect(verified.output).to.match(/warning: blocks 5–5 were lost and accepted by ledger:repair/);
    });
  });
});
