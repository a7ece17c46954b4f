// `npm run bench:verify`: how long `ledger:verify` takes and how much memory it needs on a large
// ledger. A ledger of N records (VERIFY_BENCH_RECORDS, default 1,000,000) and one of N/10 are made
// through the real ledger code (notarisations, committed in large blocks), kept under the OS temp
// dir for the next run, and verified by the CLI in a child process whose peak RSS (VmHWM) is read
// from /proc while it runs. VERIFY_BENCH_BASELINE=<path to another verify.js> verifies the smaller
// ledger with that one too (e.g. main's build), for a before and after in one run.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { sha256Hex } from '@tender-ledger/domain';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { platformA } from '../helpers/identities.js';

const REPO = path.resolve(__dirname, '../../..');
const TARGET_PER_SECOND = 50_000;
const CEILING_MB = 300;
/**
 * As `npm run ledger:verify` runs it: a small young generation and a capped old one (V8 grows its
 * heap lazily otherwise), and two malloc arenas (LevelDB's threads would each grow one).
 */
const NODE_ARGS = ['--max-semi-space-size=1', '--max-old-space-size=192'];
const NODE_ENV = { MALLOC_ARENA_MAX: '2' };
/** What the generated ledger depends on: a cached one is reused until the write path changes. */
const WRITE_PATH = [
  'chaincode/src',
  'domain/src',
  'tlog/src',
  'ledger/src/ledger.ts',
  'ledger/src/stub.ts',
  'ledger/src/block.ts',
  'ledger/src/keys.ts',
  'ledger/src/views.ts',
];

export interface VerifyFigures {
  verifier: string;
  records: number;
  transactions: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMB: number;
  intact: boolean;
}

/** A data dir holding a ledger of `records` notarisations, made once per size and write-path commit. */
async function ledgerOf(records: number): Promise<string> {
  const commit =
    execFileSync('git', ['log', '-1', '--format=%h', '--', ...WRITE_PATH], { cwd: REPO, encoding: 'utf8' }).trim() || 'unknown';
  const dataDir = path.join(tmpdir(), `tender-verify-bench-${records}-${commit}`);
  const done = path.join(dataDir, 'complete');
  if (existsSync(done)) return dataDir;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  const ledger = await EmbeddedLedger.open(path.join(dataDir, 'ledger'), { maxBlockTxs: 2000 });
  try {
    // Enough in flight to fill large blocks (one fsync each), few enough to keep memory modest.
    const inFlight = 2000;
    let next = 0;
    const worker = async () => {
      while (next < records) {
        const i = next++;
        await ledger.submit({
          identity: platformA,
          fn: 'notary:notariseDocument',
          args: [JSON.stringify({ sha256: sha256Hex(`verify bench ${records} ${i}`), kind: 'archive' })],
        });
        if (i % 50_000 === 0 && i > 0)
          process.stderr.write(`  generated ${i.toLocaleString('en')} of ${records.toLocaleString('en')} records\n`);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    await ledger.close();
  }
  // Closing can cut a background compaction short, leaving a partial table file that no version
  // names; ledger:verify checks every table file and would report it. A full compaction settles it.
  const db = new Level(path.join(dataDir, 'ledger'));
  await db.open();
  await (db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('', '\uffff');
  await db.close();
  writeFileSync(done, `${records} records in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return dataDir;
}

/** Runs a verify CLI on a data dir in a child process, polling its peak resident set. */
function runVerify(
  script: string,
  dataDir: string,
  nodeArgs: string[],
  nodeEnv: Record<string, string>,
): Promise<{ seconds: number; peakRssMB: number; code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, script, '--json'], {
      env: { ...process.env, ...nodeEnv, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.on('error', reject);
    if (child.pid === undefined) return; // it did not start: 'error' rejects
    let stdout = '';
    let peakKB = 0;
    const status = `/proc/${child.pid}/status`;
    // VmHWM is the kernel's own high-water mark, so a poll that misses a spike still sees it later.
    const poll = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
        if (match) peakKB = Math.max(peakKB, Number(match[1]));
      } catch {
        // exited between polls
      }
    }, 50);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ seconds: (performance.now() - started) / 1000, peakRssMB: peakKB / 1024, code, stdout });
    });
  });
}

async function measure(verifier: string, script: string, records: number, dataDir: string): Promise<VerifyFigures> {
  // The baseline as its own npm script ran it (plain node): it holds every write in memory.
  const run = verifier === 'baseline' ? await runVerify(script, dataDir, [], {}) : await runVerify(script, dataDir, NODE_ARGS, NODE_ENV);
  let report: { intact?: boolean; records?: number; transactions?: number } = {};
  try {
    report = JSON.parse(run.stdout) as typeof report;
  } catch {
    // A verify from before --json prints a sentence: its exit code says intact.
    report = { intact: run.code === 0 };
  }
  const counted = report.records ?? records;
  return {
    verifier,
    records: counted,
    transactions: report.transactions ?? records,
    seconds: run.seconds,
    recordsPerSecond: Math.round(counted / run.seconds),
    peakRssMB: Math.round(run.peakRssMB),
    intact: report.intact === true && run.code === 0,
  };
}

function print(f: VerifyFigures): void {
  console.log(
    `${f.verifier.padEnd(9)} ${f.records.toLocaleString('en').padStart(10)} records  ${f.seconds.toFixed(1).padStart(6)} s  ` +
      `${f.recordsPerSecond.toLocaleString('en').padStart(7)} records/s (${(f.recordsPerSecond / TARGET_PER_SECOND).toFixed(2)}× the ${TARGET_PER_SECOND.toLocaleString('en')}/s target)  ` +
      `peak RSS ${String(f.peakRssMB).padStart(5)} MB (${(f.peakRssMB / CEILING_MB).toFixed(2)}× the ${CEILING_MB} MB ceiling)  ${f.intact ? 'intact' : 'NOT INTACT'}`,
  );
}

/** Makes (or reuses) the ledgers, verifies each, prints and returns the figures. */
export async function verifyBench(records = Number(process.env.VERIFY_BENCH_RECORDS ?? 1_000_000)): Promise<VerifyFigures[]> {
  if (!Number.isSafeInteger(records) || records < 10) throw new Error('VERIFY_BENCH_RECORDS must be an integer of at least 10');
  const baseline = process.env.VERIFY_BENCH_BASELINE;
  const figures: VerifyFigures[] = [];
  console.log(
    `\nledger:verify at two sizes (memory should stay flat; target ≥ ${TARGET_PER_SECOND.toLocaleString('en')} records/s, ≤ ${CEILING_MB} MB)`,
  );
  for (const size of [Math.round(records / 10), records]) {
    const dataDir = await ledgerOf(size);
    const current = await measure('this', path.join(REPO, 'ledger/dist/cli/verify.js'), size, dataDir);
    print(current);
    figures.push(current);
    // The baseline at the smaller size only: before streaming it needed ~5 KB per record.
    if (baseline && size < records) {
      const before = await measure('baseline', path.resolve(baseline), size, dataDir);
      print(before);
      figures.push(before);
    }
  }
  return figures;
}

if (require.main === module) {
  verifyBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
