// Does the embedded ledger slow down as it grows? Two ledgers side by side: one nearly empty,
// one filled with N existing records (notarisations) first; in-process bid commitments are
// timed on each in alternating rounds (so a busy spell of the shared machine hits both), and
// the medians compared. `npm run bench:scale [-- N]` (default 1,000,000; filling that takes
// minutes); `npm run bench` runs it too when BENCH_EXISTING_RECORDS is set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sha256Hex } from '@tender-ledger/domain';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { BENCH_IDENTITY, commitBids, setUpProjects } from './in-process.js';

export const SCALE_RECORDS = Number(process.env.BENCH_EXISTING_RECORDS ?? 0);
const PROJECTS = 40;
const BIDDERS = 50;
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 5);
const BIDS_PER_ROUND = 10_000;
const WIDTH = 64;

export interface ScaleFigures {
  existingRecords: number;
  fillSeconds: number;
  emptyBidsPerSecond: number[];
  filledBidsPerSecond: number[];
  emptyCpuMicrosPerBid: number[];
  filledCpuMicrosPerBid: number[];
  /** Median filled ÷ median empty. */
  ratio: number;
  /** Median empty CPU per bid ÷ median filled CPU per bid (below 1: the filled ledger costs more). */
  cpuRatio: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function fill(ledger: EmbeddedLedger, records: number, log: (line: string) => void): Promise<void> {
  let next = 0;
  let reported = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < records) {
        const i = next++;
        await ledger.submit({
          identity: BENCH_IDENTITY,
          fn: 'notary:notariseDocument',
          args: [JSON.stringify({ sha256: sha256Hex(`scale ${i}`), kind: 'archive' })],
        });
        if (i - reported >= 100_000) {
          reported = i;
          log(`  ${i} records...`);
        }
      }
    }),
  );
}

export async function ledgerScale(records: number, log: (line: string) => void = console.log): Promise<ScaleFigures> {
  const emptyDir = mkdtempSync(path.join(tmpdir(), 'tender-bench-scale-empty-'));
  const filledDir = mkdtempSync(path.join(tmpdir(), 'tender-bench-scale-filled-'));
  const empty = await EmbeddedLedger.open(emptyDir);
  const filled = await EmbeddedLedger.open(filledDir);
  try {
    await setUpProjects(empty, 'S', PROJECTS, BIDDERS);
    await setUpProjects(filled, 'S', PROJECTS, BIDDERS);
    log(`filling a ledger with ${records} records...`);
    const started = process.hrtime.bigint();
    await fill(filled, records, log);
    const fillSeconds = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
    // Warm both (JIT, state cache) before timing.
    await commitBids(empty, 'S', PROJECTS, BIDDERS, 2_000, WIDTH);
    await commitBids(filled, 'S', PROJECTS, BIDDERS, 2_000, WIDTH);
    const emptyRounds = [];
    const filledRounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      emptyRounds.push(await commitBids(empty, 'S', PROJECTS, BIDDERS, BIDS_PER_ROUND, WIDTH));
      filledRounds.push(await commitBids(filled, 'S', PROJECTS, BIDDERS, BIDS_PER_ROUND, WIDTH));
    }
    const emptyRates = emptyRounds.map((r) => r.bidsPerSecond);
    const filledRates = filledRounds.map((r) => r.bidsPerSecond);
    const emptyCpu = emptyRounds.map((r) => r.cpuMicrosPerBid);
    const filledCpu = filledRounds.map((r) => r.cpuMicrosPerBid);
    const round3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      existingRecords: records,
      fillSeconds,
      emptyBidsPerSecond: emptyRates,
      filledBidsPerSecond: filledRates,
      emptyCpuMicrosPerBid: emptyCpu,
      filledCpuMicrosPerBid: filledCpu,
      ratio: round3(median(filledRates) / median(emptyRates)),
      cpuRatio: round3(median(emptyCpu) / median(filledCpu)),
    };
  } finally {
    await empty.close();
    await filled.close();
    rmSync(emptyDir, { recursive: true, force: true });
    rmSync(filledDir, { recursive: true, force: true });
  }
}

export function printScale(s: ScaleFigures): void {
  const mark = s.ratio >= 0.95 ? '✓' : '✗';
  console.log(
    `${mark} ledger at ${s.existingRecords} existing records (filled in ${s.fillSeconds} s): in-process bids/s, ${ROUNDS} alternating rounds of ${BIDS_PER_ROUND}: empty ${s.emptyBidsPerSecond.join(' / ')}, filled ${s.filledBidsPerSecond.join(' / ')}; median filled ÷ median empty = ${s.ratio.toFixed(3)} (target ≥ 0.95); CPU µs per bid: empty ${s.emptyCpuMicrosPerBid.join(' / ')}, filled ${s.filledCpuMicrosPerBid.join(' / ')} (empty ÷ filled ${s.cpuRatio.toFixed(3)})`,
  );
}

if (require.main === module) {
  const records = Number(process.argv[2] ?? 1_000_000);
  ledgerScale(records)
    .then(printScale)
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
