import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Reveal } from '@tender-ledger/domain';
import { COMMITTEE, DEPOSIT, ESTIMATED_PRICE, doc, sealedBid } from '../helpers/tender.js';
import type { ContainerNetwork, Node } from './network.js';
import { containerNetwork } from './setup.js';

const RUN = randomUUID().slice(0, 8);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const report = (line: string) => { console.log(`      ▸ ${line}`); };
/** Bound on one write's time to acknowledgement under a fault: generous, far below the clients' 300 s give-up. */
const SLOWEST_WRITE_MS = 150_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- problem and record bodies of many shapes, read field by field in assertions
interface Answer { status: number; body: any; retryAfter: string | null }

/** One HTTP call to the gateway container; a refused connection (gateway down) is status 0. */
async function call(net: ContainerNetwork, token: string, method: 'GET' | 'POST', path: string, body?: unknown, key?: string): Promise<Answer> {
  try {
    const res = await fetch(net.gatewayUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...(key ? { 'idempotency-key': key } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers.get('retry-after') };
  } catch {
    return { status: 0, body: undefined, retryAfter: null };
  }
}

/**
 * A client that retries a write with the same Idempotency-Key until it is acknowledged (201,
 * or 200 when replayed) — after a 5xx, a 202 (outcome not known yet) or no connection at all —
 * waiting as Retry-After says (1 s when the gateway is unreachable).
 */
async function writeUntilAcknowledged(net: ContainerNetwork, token: string, path: string, body: unknown, key: string, timeoutMs = 300_000): Promise<Answer & { attempts: number; failures: number[] }> {
  const deadline = Date.now() + timeoutMs;
  const failures: number[] = [];
  for (let attempts = 1; ; attempts++) {
    const answer = await call(net, token, 'POST', path, body, key);
    if (answer.status === 201 || answer.status === 200) return { ...answer, attempts, failures };
    // 202: under way, outcome not known yet; asked again with the same key.
    if (answer.status !== 0 && answer.status !== 202 && answer.status < 500) throw new Error(`${path} answered ${String(answer.status)}: ${JSON.stringify(answer.body)}`);
    failures.push(answer.status);
    if (Date.now() > deadline) return { ...answer, attempts, failures };
    await new Promise((r) => setTimeout(r, 1000 * Math.min(Number(answer.retryAfter ?? '1') || 1, 5)));
  }
}

interface LoadResult { acknowledged: Map<string, string>; attempts: number; failedAttempts: number; unacknowledged: number; slowestMs: number; firstAckAfter: (t: number) => number | undefined }

/**
 * `writers` clients each notarising `perWriter` documents, every write retried with its
 * Idempotency-Key; `fault` runs once `faultAfter` writes are acknowledged.
 */
async function underLoad(net: ContainerNetwork, token: string, opts: { writers: number; perWriter: number; faultAfter: number; tag: string }, fault: () => Promise<void>): Promise<LoadResult> {
  const acknowledged = new Map<string, string>(); // sha256 -> record id
  const ackTimes: number[] = [];
  let attempts = 0, failedAttempts = 0, unacknowledged = 0, slowestMs = 0;
  let faultDone: Promise<void> | undefined;
  const writer = async (w: number) => {
    for (let i = 0; i < opts.perWriter; i++) {
      const key = `${opts.tag}-${RUN}-${String(w)}-${String(i)}`;
      const hash = sha(key);
      const sentAt = Date.now();
      const answer = await writeUntilAcknowledged(net, token, '/v1/evidence', { sha256: hash, kind: 'fault-test' }, key);
      slowestMs = Math.max(slowestMs, Date.now() - sentAt);
      attempts += answer.attempts;
      failedAttempts += answer.failures.length;
      if (answer.status === 201 || answer.status === 200) {
        acknowledged.set(hash, (answer.body as { record: { id: string } }).record.id);
        ackTimes.push(Date.now());
        if (acknowledged.size === opts.faultAfter) faultDone = fault();
      } else {
        unacknowledged++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.writers }, (_, w) => writer(w)));
  await faultDone;
  return { acknowledged, attempts, failedAttempts, unacknowledged, slowestMs, firstAckAfter: (t) => ackTimes.filter((x) => x >= t).sort((a, b) => a - b)[0] };
}

/** Every acknowledged hash looked up on the ledger: found with its acknowledged record, and how many records each has. */
async function checkLedger(net: ContainerNetwork, token: string, acknowledged: Map<string, string>): Promise<{ found: number; duplicates: number; missing: string[] }> {
  let found = 0, duplicates = 0;
  const missing: string[] = [];
  for (const [hash, recordId] of acknowledged) {
    const answer = await call(net, token, 'GET', `/v1/verify/${hash}`);
    expect(answer.status, `verify ${hash}`).to.equal(200);
    const records = (answer.body as { records: { id: string }[] }).records;
    if (records.some((r) => r.id === recordId)) found++; else missing.push(hash);
    if (records.length > 1) duplicates += records.length - 1;
  }
  return { found, duplicates, missing };
}

async function loadFault(net: ContainerNetwork, node: Node, tag: string, restart: () => Promise<void>) {
  const token = await net.issuer.mint('platform', 'gz-etrading');
  let killedAt = 0, restartedAt = 0, healthyAt = 0, probeAt = 0;
  const result = await underLoad(net, token, { writers: 6, perWriter: 12, faultAfter: 15, tag }, async () => {
    killedAt = Date.now();
    await net.kill(node);
    restartedAt = Date.now();
    await restart();
    healthyAt = Date.now();
    // A fresh write sent now: how soon the service takes new work (the load's own in-flight
    // writes may still be waiting out their commit-status deadline).
    const probe = `${tag}-${RUN}-probe`;
    await writeUntilAcknowledged(net, token, '/v1/evidence', { sha256: sha(probe), kind: 'fault-test' }, probe);
    probeAt = Date.now();
  });
  const ledger = await checkLedger(net, token, result.acknowledged);
  const firstAck = result.firstAckAfter(restartedAt);
  report(`${node}: SIGKILL after 15 acknowledged writes, docker start at once; healthy again after ${seconds(healthyAt - restartedAt)} s; a new write acknowledged ${seconds(probeAt - killedAt)} s after the kill, the first of the load's ${firstAck ? seconds(firstAck - killedAt) : 'n/a'} s after it`);
  report(`writes: 72 by 6 clients, ${String(result.acknowledged.size)} acknowledged, ${String(result.unacknowledged)} never acknowledged; ${String(result.attempts)} attempts, ${String(result.failedAttempts)} refused, pending or unreachable and retried with the same Idempotency-Key; the slowest write acknowledged ${seconds(result.slowestMs)} s after its first attempt`);
  report(`ledger afterwards: ${String(ledger.found)}/${String(result.acknowledged.size)} acknowledged records found, ${String(ledger.missing.length)} missing, ${String(ledger.duplicates)} duplicates`);
  return { result, ledger };
}

describe('the network as containers, broken on purpose', function () {
  this.timeout(900_000);
  let net: ContainerNetwork;
  before(async () => { net = await containerNetwork(); });

  describe('the Regulator peer paused in the middle of a tender', () => {
    it('answers 503 LEDGER_UNAVAILABLE with Retry-After, then completes the tender after the unpause without a gateway restart', async () => {
      const owner = await net.issuer.mint('platform', 'gz-etrading');
      const regulator = await net.issuer.mint('regulator', 'regulator-1');
      const projectId = `CT-${RUN}-pause`;
      const p = `/v1/projects/${projectId}`;
      const acknowledged: string[] = [];
      const write = async (path: string, body: unknown, key: string) => {
        const answer = await writeUntilAcknowledged(net, owner, path, body, `${RUN}-${key}`);
        expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).to.equal(201);
        acknowledged.push((answer.body as { record: { id: string } }).record.id);
        return answer;
      };
      const gatewayStartedAt = await net.startedAt('gateway');
      const bidDeadline = Date.now() + 40_000;
      await write('/v1/projects', {
        projectId, name: 'Container fault tender', category: 'construction', tenderer: 'City Transport Bureau',
        estimatedPrice: ESTIMATED_PRICE, depositAmount: DEPOSIT, bidDeadline: new Date(bidDeadline).toISOString(),
        openingTime: new Date(bidDeadline + 2_000).toISOString(), tenderDocSha256: doc(`tender documents of ${projectId}`),
      }, 'register');
      const prices: Record<string, number> = { B1: 90_000_000, B2: 95_000_000, B3: 98_000_000 };
      const reveals: Reveal[] = [];
      for (const [bidderId, price] of Object.entries(prices)) {
        await write(`${p}/bidders`, { bidderId, deposit: { form: 'cash', amount: DEPOSIT } }, `bidder-${bidderId}`);
        const { commitment, ...reveal } = sealedBid(projectId, bidderId, price);
        await write(`${p}/bids`, { bidderId, commitment }, `bid-${bidderId}`);
        reveals.push({ bidderId: reveal.bidderId, bidFileSha256: reveal.bidFileSha256, price: reveal.price, salt: reveal.salt });
      }
      await write(`${p}/committee`, { members: COMMITTEE, appointmentDocSha256: doc(`expert draw of ${projectId}`) }, 'committee');
      await new Promise((r) => setTimeout(r, Math.max(0, bidDeadline + 2_000 - Date.now() + 500))); // ledger time must pass the opening time
      await write(`${p}/opening`, { reveals }, 'opening');

      // Mid-evaluation: the regulator's peer stops answering (its endorsement is required).
      const scoreBody = (e: string) => ({ evaluatorId: e, reportSha256: doc(`report of ${e}`), scores: Object.keys(prices).map((b, i) => ({ bidderId: b, score: 9_000 - i * 100 })) });
      await net.pause('peer-reg');
      const pausedAt = Date.now();
      const refusedWrite = await call(net, owner, 'POST', `${p}/scores`, scoreBody('E1'), `${RUN}-score-E1`);
      const writeSeconds = seconds(Date.now() - pausedAt);
      const readAt = Date.now();
      const refusedRead = await call(net, regulator, 'GET', `${p}/trail`);
      const readSeconds = seconds(Date.now() - readAt);
      const ownerRead = await call(net, owner, 'GET', `${p}/trail`);
      await net.unpause('peer-reg');
      const unpausedAt = Date.now();
      report(`peer-reg paused after ${String(acknowledged.length)} acknowledged steps: a score write answered ${String(refusedWrite.status)} ${String(refusedWrite.body?.code)} (Retry-After: ${String(refusedWrite.retryAfter)}) after ${writeSeconds} s; the regulator's trail read ${String(refusedRead.status)} ${String(refusedRead.body?.code)} (Retry-After: ${String(refusedRead.retryAfter)}) after ${readSeconds} s; the owner's trail read (TradingCentre peer) ${String(ownerRead.status)}`);
      expect(refusedWrite.status).to.equal(503);
      expect(refusedWrite.body.code).to.equal('LEDGER_UNAVAILABLE');
      expect(refusedWrite.retryAfter).to.match(/^[0-9]+$/);
      expect(refusedRead.status).to.equal(503);
      expect(refusedRead.body.code).to.equal('LEDGER_UNAVAILABLE');
      expect(refusedRead.retryAfter).to.match(/^[0-9]+$/);

      // The same write retried with its key: once the peer answers, the tender goes on.
      const retried = await write(`${p}/scores`, scoreBody('E1'), 'score-E1');
      report(`unpaused: the retried score acknowledged ${seconds(Date.now() - unpausedAt)} s after the unpause (${String(retried.attempts)} attempts)`);
      for (const e of COMMITTEE.slice(1)) await write(`${p}/scores`, scoreBody(e), `score-${e}`);
      await write(`${p}/award`, { bidderId: 'B1', noticeSha256: doc(`award notice ${projectId}`) }, 'award');
      await write(`${p}/contract`, { contractSha256: doc(`contract ${projectId}`) }, 'contract');

      const trail = await call(net, owner, 'GET', `${p}/trail`);
      expect(trail.status).to.equal(200);
      const ids = (trail.body.records as { id: string }[]).map((r) => r.id);
      const missing = acknowledged.filter((id) => !ids.includes(id));
      report(`tender completed: ${String(acknowledged.length)} steps acknowledged, ${String(ids.length)} records on the trail, ${String(missing.length)} missing, chainValid ${String(trail.body.chainValid)}, gateway restarted: ${String((await net.startedAt('gateway')) !== gatewayStartedAt)}`);
      expect(missing).to.deep.equal([]);
      expect(ids).to.have.length(acknowledged.length);
      expect(trail.body.chainValid).to.equal(true);
      expect(await net.startedAt('gateway')).to.equal(gatewayStartedAt);
    });
  });

  describe('the orderer killed under load and restarted from its volume', () => {
    it('keeps every acknowledged write, acknowledges the ones in flight at the kill in bounded time, and makes no duplicates', async () => {
      const { result, ledger } = await loadFault(net, 'orderer', 'orderer', async () => {
        await net.restart('orderer');
        await net.waitOrdererLeader();
      });
      expect(ledger.missing).to.deep.equal([]);
      expect(ledger.duplicates).to.equal(0);
      expect(result.unacknowledged).to.equal(0);
      // The writes in flight at the kill: the gateway re-sends their kept envelopes once the orderer
      // is back (commit-status wait 5 s, re-sends at most 8 s apart), so none waits for ever.
      expect(result.slowestMs).to.be.below(SLOWEST_WRITE_MS);
    });
  });

  describe('the gateway container killed under load and restarted', () => {
    it('keeps every acknowledged write, and retries with Idempotency-Keys make no duplicates', async () => {
      const { result, ledger } = await loadFault(net, 'gateway', 'gateway', () => net.restart('gateway'));
      expect(ledger.missing).to.deep.equal([]);
      expect(ledger.duplicates).to.equal(0);
      expect(result.unacknowledged).to.equal(0);
    });
  });

  describe('a chaincode server killed', () => {
    it('fails endorsements with a clear code and recovers when the server is back', async () => {
      const token = await net.issuer.mint('platform', 'gz-etrading');
      await net.kill('cc-reg');
      const killedAt = Date.now();
      const hash = sha(`cc-${RUN}`);
      const refused = await call(net, token, 'POST', '/v1/evidence', { sha256: hash, kind: 'fault-test' }, `cc-${RUN}`);
      report(`cc-reg SIGKILLed: a write answered ${String(refused.status)} ${String(refused.body?.code)} (Retry-After: ${String(refused.retryAfter)}) after ${seconds(Date.now() - killedAt)} s: ${String(refused.body?.detail).slice(0, 160)}`);
      expect(refused.status).to.equal(503);
      expect(refused.body.code).to.equal('LEDGER_UNAVAILABLE');
      expect(refused.retryAfter).to.match(/^[0-9]+$/);
      const restartAt = Date.now();
      await net.restart('cc-reg');
      const healthy = Date.now();
      const retried = await writeUntilAcknowledged(net, token, '/v1/evidence', { sha256: hash, kind: 'fault-test' }, `cc-${RUN}`);
      report(`docker start: healthy after ${seconds(healthy - restartAt)} s, the same write (same key) acknowledged ${seconds(Date.now() - restartAt)} s after the start (${String(retried.attempts)} attempts)`);
      expect(retried.status).to.equal(201);
      const ledger = await checkLedger(net, token, new Map([[hash, (retried.body as { record: { id: string } }).record.id]]));
      expect(ledger).to.deep.equal({ found: 1, duplicates: 0, missing: [] });
    });
  });
});
