// The Fabric figures of `BENCH_BACKEND=fabric npm run bench`: the HTTP bid rate beside a ceiling
// measured in the same run (fabric-gateway submitting straight to the peers, no HTTP gateway),
// CPU per bid of the gateway and of each network process, and the gateway's signer against
// fabric-gateway's own.
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, signers } from '@hyperledger/fabric-gateway';
import { NATIVE_SIGNER_HASH, newNativeSigner, type FabricConnection } from '@tender-ledger/gateway';

const REPO = path.resolve(__dirname, '../../..');
const RUNTIME = process.env.NET_RUNTIME ?? path.join(REPO, 'network/.runtime');
/** The network's processes whose CPU is counted, by their names in network/.runtime/pids. */
const NODES = ['orderer', 'peer-tc', 'peer-reg', 'cc-tc', 'cc-reg'] as const;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU milliseconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined when it is gone. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

function nodePid(name: string): number | undefined {
  try {
    return Number(readFileSync(path.join(RUNTIME, 'pids', `${name}.pid`), 'utf8').trim());
  } catch {
    return undefined;
  }
}

export type CpuSnapshot = Record<string, number | undefined>;

/** CPU used so far by the gateway and each network process. */
export function cpuSnapshot(gatewayPid: number | undefined): CpuSnapshot {
  const snapshot: CpuSnapshot = { gateway: gatewayPid === undefined ? undefined : cpuMs(gatewayPid) };
  for (const name of NODES) {
    const pid = nodePid(name);
    snapshot[name] = pid === undefined ? undefined : cpuMs(pid);
  }
  return snapshot;
}

/** CPU ms per transaction of each process between two snapshots. */
export function cpuPerTx(before: CpuSnapshot, after: CpuSnapshot, transactions: number): Record<string, number> {
  const perTx: Record<string, number> = {};
  for (const [name, start] of Object.entries(before)) {
    const end = after[name];
    if (start !== undefined && end !== undefined && transactions > 0) perTx[name] = Math.round(((end - start) / transactions) * 100) / 100;
  }
  return perTx;
}

export interface Rate {
  perSecond: number;
  p50ms: number;
  p99ms: number;
  ok: number;
  failed: number;
  /** The first failure's message, if any failed. */
  firstFailure?: string;
  cpuMsPerTx: Record<string, number>;
}

/** What the clients of {@link directRate} submit, each waiting for its commit before the next. */
export type DirectWork =
  /** `bench:put`: one new key, nothing read (the trivial ceiling of issues 11 and 16). */
  | { kind: 'trivial' }
  /** `notary:notariseDocument`: a standalone record and its hash index, no lane to wait in. */
  | { kind: 'notarisations' }
  /** `tender:commitBid` on projects the bench set up, each client always for its own bidder (no conflicts). */
  | { kind: 'bids'; bidderOf: (client: number) => { projectId: string; bidderId: string } };

/**
 * `connections` clients in this process submitting `work` through fabric-gateway straight to the
 * TradingCentre peer as its User1 (the bench platform's identity), no HTTP gateway, for `seconds`.
 */
export async function directRate(work: DirectWork, connections: number, seconds: number): Promise<Rate> {
  const connection = JSON.parse(readFileSync(path.join(RUNTIME, 'fabric-connection.json'), 'utf8')) as FabricConnection;
  const mspId = 'TradingCentreMSP';
  const peer = connection.peers[mspId];
  const user = connection.identities[mspId]?.User1;
  if (!peer || !user) throw new Error(`no ${mspId} peer or User1 in the connection file`);
  const client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(readFileSync(peer.tlsCACert)), {
    'grpc.ssl_target_name_override': peer.hostAlias,
  });
  const gateway = connect({
    client,
    identity: { mspId, credentials: readFileSync(user.cert) },
    signer: newNativeSigner(createPrivateKey(readFileSync(user.key))),
    hash: NATIVE_SIGNER_HASH,
  });
  const network = gateway.getNetwork(connection.channel);
  const contract = network.getContract(
    connection.chaincode,
    work.kind === 'trivial' ? 'bench' : work.kind === 'notarisations' ? 'notary' : 'tender',
  );
  const submit = (c: number): Promise<Uint8Array> => {
    if (work.kind === 'trivial') return contract.submitTransaction('put');
    if (work.kind === 'notarisations')
      return contract.submitTransaction('notariseDocument', JSON.stringify({ sha256: randomBytes(32).toString('hex'), kind: 'archive' }));
    const { projectId, bidderId } = work.bidderOf(c);
    return contract.submitTransaction('commitBid', projectId, JSON.stringify({ bidderId, commitment: randomBytes(32).toString('hex') }));
  };
  const latencies: number[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  const before = cpuSnapshot(undefined);
  const started = Date.now();
  const end = started + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: connections }, async (_, c) => {
        while (Date.now() < end) {
          const t0 = Date.now();
          try {
            await submit(c);
            latencies.push(Date.now() - t0);
          } catch (error) {
            failed++;
            firstFailure ??= (error as Error).message;
          }
        }
      }),
    );
  } finally {
    gateway.close();
    client.close();
  }
  const elapsed = (Date.now() - started) / 1000;
  const after = cpuSnapshot(undefined);
  return {
    perSecond: Math.round(latencies.length / elapsed),
    ...percentiles(latencies),
    ok: latencies.length,
    failed,
    ...(firstFailure !== undefined ? { firstFailure } : {}),
    cpuMsPerTx: cpuPerTx(before, after, latencies.length),
  };
}

function percentiles(latencies: number[]): { p50ms: number; p99ms: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50ms: at(0.5), p99ms: at(0.99) };
}

export interface SignerFigures {
  nativeUs: number;
  libraryUs: number;
  speedup: number;
}

/**
 * µs per signature of a 3 KB message (about a proposal's size), hashing included: the gateway's
 * native signer against fabric-gateway's `newPrivateKeySigner` after SHA-256, in alternating
 * rounds so both meet the same load; the median round of each.
 */
export async function signerFigures(rounds = 7, perRound = 300): Promise<SignerFigures> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const native = newNativeSigner(privateKey);
  const library = signers.newPrivateKeySigner(privateKey);
  const message = randomBytes(3000);
  const time = async (sign: () => Promise<Uint8Array>): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) await sign();
    return Number(process.hrtime.bigint() - t0) / 1e3 / perRound;
  };
  const nativeRounds: number[] = [];
  const libraryRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    nativeRounds.push(await time(() => native(message)));
    libraryRounds.push(await time(() => library(createHash('sha256').update(message).digest())));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const nativeUs = Math.round(median(nativeRounds));
  const libraryUs = Math.round(median(libraryRounds));
  return { nativeUs, libraryUs, speedup: Math.round((libraryUs / Math.max(1, nativeUs)) * 10) / 10 };
}

export interface FabricFigures {
  connections: number;
  httpBids: Rate;
  /** The trivial ceiling: `bench:put` straight to the peers. */
  trivial: Rate;
  /** Bid commitments straight to the peers, no HTTP gateway. */
  directBids: Rate;
  /** The earlier ceiling, kept to compare with earlier runs. */
  directNotarisations: Rate;
  /** HTTP bids/s ÷ trivial/s (issue 16: ≥ 0.8). */
  ratio: number;
  /** Direct bids/s ÷ trivial/s (issue 11: ≥ 0.9). */
  directRatio: number;
  /** HTTP bids/s ÷ direct notarisations/s (the ratio printed before the trivial ceiling). */
  notarisationRatio: number;
  signer: SignerFigures;
}

/** Prints the Fabric figures as a table, each beside the ceiling measured in the same run. */
export function printFabricFigures(f: FabricFigures): void {
  const gatewayMs = f.httpBids.cpuMsPerTx.gateway;
  console.log(
    `\nFabric, ${f.connections} concurrent clients each (direct: fabric-gateway straight to the peers, no HTTP gateway; ceiling: bench:put, one write)`,
  );
  console.log('| path | tx/s | p50 ms | p99 ms | ok | failed |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const row = (name: string, r: Rate) => {
    console.log(`| ${name} | ${r.perSecond} | ${r.p50ms} | ${r.p99ms} | ${r.ok} | ${r.failed} |`);
  };
  row('ceiling: trivial one-write chaincode, direct', f.trivial);
  row('bids, direct', f.directBids);
  row('bids over HTTP (gateway)', f.httpBids);
  row('notarisations, direct (the earlier ceiling)', f.directNotarisations);
  for (const [name, r] of [
    ['trivial', f.trivial],
    ['direct bids', f.directBids],
    ['direct notarisations', f.directNotarisations],
  ] as const)
    if (r.firstFailure !== undefined) console.log(`first failure of ${r.failed} (${name}): ${r.firstFailure.slice(0, 200)}`);
  console.log(`direct bids ÷ trivial: ${f.directRatio.toFixed(2)}× (issue 11: ≥ 0.90×)`);
  console.log(`HTTP bids ÷ trivial: ${f.ratio.toFixed(2)}× (issue 16: ≥ 0.80×)`);
  console.log(`HTTP bids ÷ direct notarisations: ${f.notarisationRatio.toFixed(2)}× (the ratio printed before the trivial ceiling)`);
  console.log(`gateway CPU per HTTP bid: ${gatewayMs === undefined ? 'n/a' : `${gatewayMs.toFixed(2)} ms`} (target ≤ 2 ms)`);
  const names = [...new Set([...Object.keys(f.httpBids.cpuMsPerTx), ...Object.keys(f.trivial.cpuMsPerTx)])];
  const cpu = (r: Rate) => names.map((n) => `${n} ${r.cpuMsPerTx[n] ?? '-'}`).join(', ');
  console.log(`CPU ms per transaction, HTTP bids: ${cpu(f.httpBids)}`);
  console.log(`CPU ms per transaction, direct bids: ${cpu(f.directBids)}`);
  console.log(`CPU ms per transaction, trivial: ${cpu(f.trivial)}`);
  console.log(`CPU ms per transaction, direct notarisations: ${cpu(f.directNotarisations)}`);
  console.log(
    `signature of a 3 KB message: native ${f.signer.nativeUs} µs, fabric-gateway's signer ${f.signer.libraryUs} µs (${f.signer.speedup}× faster)`,
  );
}
