import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LedgerBackend } from './backend.js';
import type { AccessLine } from './logging.js';
import { Problem, sendProblem } from './problem.js';

/** Seconds: from a fast read (1 ms) to a Fabric commit (tens of seconds). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const BLOCK_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** What the Fabric backend reports: each phase of a write, and each retry with the validation code that caused it. */
export interface FabricObserver {
  phase(phase: 'endorse' | 'submit' | 'commit', seconds: number, outcome: 'ok' | 'error'): void;
  retry(code: string): void;
}

/** Runs one phase of a Fabric write, telling the observer how long it took and whether it failed. */
export async function timePhase<T>(
  observer: FabricObserver | undefined,
  phase: 'endorse' | 'submit' | 'commit',
  run: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    observer?.phase(phase, (performance.now() - started) / 1000, 'ok');
    return result;
  } catch (error) {
    observer?.phase(phase, (performance.now() - started) / 1000, 'error');
    throw error;
  }
}

/** What an embedded ledger offers to watch: its height and its events (see EmbeddedLedger). */
export interface WatchableLedger {
  readonly height: number;
  on(event: 'block', listener: (block: { txs: unknown[] }) => void): unknown;
  on(event: 'sync', listener: (sync: { what: 'batch' | 'head'; seconds: number }) => void): unknown;
}

/** What the metrics read of the transparency log (see TlogService). */
export interface WatchableTlog {
  readonly log: { readonly size: number };
  readonly checkpointer: { readonly published?: { readonly size: number } | undefined; readonly publishedAt: number | undefined };
}

/** The gateway's Prometheus metrics (one registry per gateway, so tests can run several). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #latency: Histogram<'method' | 'route' | 'status'>;
  readonly #replays: Counter;
  readonly #rateLimited: Counter<'limit'>;
  readonly #blockSize: Histogram;
  readonly #fsync: Histogram<'what'>;
  readonly #fabricPhase: Histogram<'phase' | 'outcome'>;
  readonly #fabricRetries: Counter<'code'>;

  /** `backend` is asked for the height at each scrape (it may be opened after the metrics). */
  constructor(backend: () => Pick<LedgerBackend, 'health' | 'kind'> | undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tender_gateway_' });
    this.#requests = new Counter({
      name: 'tender_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'tender_http_request_duration_seconds',
      help: 'HTTP request latency, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#replays = new Counter({
      name: 'tender_idempotency_replays_total',
      help: 'Writes answered from the idempotency store (the same key and body sent again)',
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'tender_rate_limit_refusals_total',
      help: 'Requests refused with 429 by the rate limits: per client address (before authentication) or per verified caller',
      labelNames: ['limit'],
      registers,
    });
    new Gauge({
      name: 'tender_ledger_height',
      help: 'Blocks on the ledger (embedded: durable height; Fabric: channel height)',
      labelNames: ['backend'],
      registers,
      async collect() {
        const ledger = backend();
        if (!ledger) return;
        try {
          const { height } = await ledger.health();
          if (height !== undefined) this.set({ backend: ledger.kind }, height);
        } catch {
          // An unreachable or damaged ledger has no height to report; /healthz says why.
        }
      },
    });
    this.#blockSize = new Histogram({
      name: 'tender_ledger_block_transactions',
      help: 'Transactions per block written by the embedded ledger',
      buckets: BLOCK_SIZE_BUCKETS,
      registers,
    });
    this.#fsync = new Histogram({
      name: 'tender_ledger_fsync_seconds',
      help: "Embedded ledger fsync latency: a block's synced batch, and the durable head write",
      labelNames: ['what'],
      buckets: FSYNC_BUCKETS,
      registers,
    });
    this.#fabricPhase = new Histogram({
      name: 'tender_fabric_phase_seconds',
      help: 'Fabric write latency by phase (endorse, submit to the orderer, commit status) and outcome',
      labelNames: ['phase', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#fabricRetries = new Counter({
      name: 'tender_fabric_retries_total',
      help: 'Fabric transactions endorsed or sent again: a retryable validation code (MVCC_READ_CONFLICT, ...), PEER_BUSY or ENDORSEMENT_MISMATCH',
      labelNames: ['code'],
      registers,
    });
  }

  /** Counts a finished request (the access log calls this). */
  request(line: AccessLine): void {
    const labels = { method: line.method, route: line.route, status: String(line.status) };
    this.#requests.inc(labels);
    this.#latency.observe(labels, line.seconds);
    if (line.replayed) this.#replays.inc();
    if (line.status === 429) this.#rateLimited.inc({ limit: line.authenticated ? 'caller' : 'address' });
  }

  /** Watches an embedded ledger's blocks and fsyncs. */
  watchLedger(ledger: WatchableLedger): void {
    ledger.on('block', (block) => {
      this.#blockSize.observe(block.txs.length);
    });
    ledger.on('sync', (sync) => {
      this.#fsync.observe({ what: sync.what }, sync.seconds);
    });
  }

  /**
   * The transparency log: its size (leaves), the size of the newest checkpoint meeting the
   * witness policy, and how long ago that one was published. Alert when the size runs ahead of
   * the published size for longer than a few checkpoint intervals (the witnesses are not cosigning).
   */
  watchTlog(tlog: WatchableTlog): void {
    const registers = [this.registry];
    const watched = Date.now();
    new Gauge({
      name: 'tender_tlog_size',
      help: 'Leaves in the transparency log (records durably committed)',
      registers,
      collect() {
        this.set(tlog.log.size);
      },
    });
    new Gauge({
      name: 'tender_tlog_published_size',
      help: 'Leaves covered by the newest checkpoint that meets the witness policy (0: none yet)',
      registers,
      collect() {
        this.set(tlog.checkpointer.published?.size ?? 0);
      },
    });
    new Gauge({
      name: 'tender_tlog_checkpoint_age_seconds',
      help: 'Seconds since the newest checkpoint meeting the witness policy was published (before the first: since the gateway started)',
      registers,
      collect() {
        this.set(Math.max(0, (Date.now() - (tlog.checkpointer.publishedAt ?? watched)) / 1000));
      },
    });
  }

  /** For the Fabric backend. */
  readonly fabric: FabricObserver = {
    phase: (phase, seconds, outcome) => {
      this.#fabricPhase.observe({ phase, outcome }, seconds);
    },
    retry: (code) => {
      this.#fabricRetries.inc({ code });
    },
  };
}

/** Who may read /metrics: a bearer token, addresses, both (both must pass), or neither (anyone). */
export interface MetricsAccess {
  token?: string;
  allow?: string[];
}

/** Parses METRICS_ALLOW entries (addresses or CIDRs, v4 or v6) into a block list; throws naming a bad entry. */
export function addressList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const prefix = bits === undefined ? undefined : Number(bits);
    if (
      !type ||
      extra !== undefined ||
      (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > (type === 'ipv4' ? 32 : 128) || bits === ''))
    ) {
      throw new Error(`"${entry}" is not an address or CIDR`);
    }
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

function allowed(list: BlockList, ip: string | undefined): boolean {
  if (!ip) return false;
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return list.check(mapped, 'ipv4') || list.check(ip, 'ipv6');
  return isIPv4(ip) ? list.check(ip, 'ipv4') : list.check(ip, 'ipv6');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `GET /metrics` in Prometheus text format, behind the configured token and addresses. */
export function metricsHandler(metrics: GatewayMetrics, access: MetricsAccess = {}): RequestHandler {
  const list = access.allow && access.allow.length > 0 ? addressList(access.allow) : undefined;
  const expected = access.token ? digest(access.token) : undefined;
  return async (req, res) => {
    if (list && !allowed(list, req.socket.remoteAddress)) {
      sendProblem(res, new Problem('FORBIDDEN', 'metrics are not served to this address (METRICS_ALLOW)'), req.originalUrl);
      return;
    }
    if (expected) {
      const match = /^bearer +(\S+)$/i.exec(req.get('authorization') ?? '');
      // Compared as digests in constant time: the token's length and prefix leak nothing.
      if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
        sendProblem(
          res,
          new Problem('UNAUTHENTICATED', 'metrics need the bearer token configured in METRICS_TOKEN', {
            headers: { 'www-authenticate': 'Bearer realm="metrics"' },
          }),
          req.originalUrl,
        );
        return;
      }
    }
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
