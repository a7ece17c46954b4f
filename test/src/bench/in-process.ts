// In-process bid commitments on an embedded ledger (no HTTP, no receipt): shared by `npm run bench`
// and the ledger-scale bench, so both time exactly the same work.
import { randomBytes } from 'node:crypto';
import { sha256Hex, type RegisterBidderRequest, type RegisterProjectRequest } from '@tender-ledger/domain';
import type { EmbeddedLedger } from '@tender-ledger/embedded-ledger';

export const BENCH_IDENTITY = { mspId: 'TradingCentreMSP', id: 'bench-platform' };

export interface InProcessFigures {
  bidsPerSecond: number;
  p50ms: number;
  p90ms: number;
  p99ms: number;
  maxMs: number;
  bids: number;
  /** This process's CPU time (all threads) per bid: steadier than the rate on a shared machine. */
  cpuMicrosPerBid: number;
}

/** The terms every bench project is registered with: bids open until `deadline`, a deposit within the 2% cap. */
export function benchProject(projectId: string, name: string, deadline: string): RegisterProjectRequest {
  return {
    projectId,
    name,
    category: 'construction',
    estimatedPrice: 100_000_000,
    depositAmount: 1_000_000,
    bidDeadline: deadline,
    openingTime: deadline,
    tenderDocSha256: sha256Hex(projectId),
  };
}

/** A bench bidder's registration: the cash deposit benchProject asks for. */
export const benchBidder = (bidderId: string): RegisterBidderRequest => ({ bidderId, deposit: { form: 'cash', amount: 1_000_000 } });

/** Registers `projects` projects of `bidders` bidders each, named `${prefix}-${p}` and `B${b}`. */
export async function setUpProjects(ledger: EmbeddedLedger, prefix: string, projects: number, bidders: number): Promise<void> {
  const deadline = new Date(Date.now() + 86_400_000).toISOString();
  await Promise.all(
    Array.from({ length: projects }, async (_, p) => {
      const projectId = `${prefix}-${p}`;
      await ledger.submit({
        identity: BENCH_IDENTITY,
        fn: 'registerProject',
        args: [JSON.stringify(benchProject(projectId, 'n', deadline))],
      });
      for (let b = 0; b < bidders; b++) {
        await ledger.submit({
          identity: BENCH_IDENTITY,
          fn: 'registerBidder',
          args: [projectId, JSON.stringify(benchBidder(`B${b}`))],
        });
      }
    }),
  );
}

/** `total` bid commitments spread over the projects set up above, `width` in flight. */
export async function commitBids(
  ledger: EmbeddedLedger,
  prefix: string,
  projects: number,
  bidders: number,
  total: number,
  width: number,
): Promise<InProcessFigures> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await ledger.submit({
          identity: BENCH_IDENTITY,
          fn: 'commitBid',
          args: [
            `${prefix}-${i % projects}`,
            JSON.stringify({ bidderId: `B${Math.floor(i / projects) % bidders}`, commitment: randomBytes(32).toString('hex') }),
          ],
        });
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    bidsPerSecond: Math.round(total / seconds),
    p50ms: at(0.5),
    p90ms: at(0.9),
    p99ms: at(0.99),
    maxMs: at(1),
    bids: total,
    cpuMicrosPerBid: Math.round((used.user + used.system) / total),
  };
}
