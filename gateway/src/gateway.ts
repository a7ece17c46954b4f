import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DEV_ISSUER, ROLES, parseChecked } from '@tender-ledger/domain';
import { devIssuerJwks } from '@tender-ledger/trust';
import { createLocalJWKSet } from 'jose';
import { Authenticator, trustedIssuer, type TrustedIssuer } from './auth.js';
import type { LedgerBackend } from './backend.js';
import { ConfigError, type GatewayConfig } from './config.js';
import { BiddingCloser } from './bidding-closer.js';
import { EmbeddedBackend } from './embedded-backend.js';
import { FabricConnectionSchema } from './fabric-connection.js';
import { readFile } from 'node:fs/promises';
import { IdempotencyStore } from './idempotency.js';
import { ReceiptSigner } from './receipts.js';
import { createServer } from './server.js';
import { createLogger, type Logger } from './logging.js';
import { GatewayMetrics } from './metrics.js';
import { checkDataDir, writePidFile } from './startup.js';
import { TlogService } from './tlog/service.js';
import { startPeerWitness } from './tlog/peer-witness.js';

export interface RunningGateway {
  url: string;
  port: number;
  backend: LedgerBackend;
  receipts: ReceiptSigner;
  /** Reads the receipt keys again (after `npm run keys:rotate`); returns the kid now signing. */
  reloadKeys(): Promise<string>;
  /** The transparency log's checkpointer and proofs, when the backend keeps a log. */
  tlog?: TlogService;
  /** Closes bidding at each project's deadline (unless CLOSE_BIDDING_AT_DEADLINE=false). */
  closer?: BiddingCloser;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** The embedded ledger's clock (tests move time by hand). */
  clock?: () => Date;
  /** A ready backend instead of the one the configuration names. */
  backend?: LedgerBackend;
  /** How long a keyed write's answer is waited for before answering 202 (tests shorten it). */
  writeWaitMs?: number;
  /** The JSON log (default: none; `main` logs to stdout at LOG_LEVEL). */
  logger?: Logger;
  /** This process reloads receipt keys on SIGHUP (`main`): recorded in the pid file for keys:rotate. */
  sighup?: boolean;
}

/** How long a draining gateway waits for a request that is still running before cutting its connection. */
const SHUTDOWN_GRACE_MS = 30_000;

/** Opens the ledger, keys and stores the configuration names, and listens. */
export async function startGateway(config: Readonly<GatewayConfig>, options: GatewayOptions = {}): Promise<RunningGateway> {
  await checkDataDir(config.dataDir);
  const logger = options.logger ?? createLogger('silent');
  let opened: LedgerBackend | undefined;
  const metrics = new GatewayMetrics(() => opened);
  const issuers: TrustedIssuer[] = await Promise.all(config.issuers.map(trustedIssuer));
  if (config.devIssuer) {
    if (config.ledgerBackend === 'fabric') throw new ConfigError('the development issuer is never trusted on a Fabric network');
    if (issuers.some((i) => i.issuer === DEV_ISSUER)) throw new ConfigError(`AUTH_ISSUERS names ${DEV_ISSUER}, the development issuer`);
    // Development tokens: any role for any subject, from a key anyone reading DATA_DIR holds.
    issuers.push({ issuer: DEV_ISSUER, keys: createLocalJWKSet(await devIssuerJwks(config.dataDir)), roles: ROLES });
  }
  const auth = new Authenticator(issuers, {
    audience: config.audience,
    algorithms: config.algorithms,
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
  });
  const receipts = await ReceiptSigner.open(config.dataDir, config.receiptIssuer);
  const backend = options.backend ?? (await openBackend(config, options.clock, metrics, logger));
  opened = backend;
  if (backend instanceof EmbeddedBackend) {
    try {
      metrics.watchLedger(backend.ledger);
    } catch {
      // A damaged ledger writes no blocks; it answers 503 and /healthz says why.
    }
  }
  const idempotency = await IdempotencyStore.open(path.join(config.dataDir, 'gateway', 'idempotency'));
  const clock = options.clock;
  const closer = config.closeBiddingAtDeadline
    ? new BiddingCloser(backend, {
        log: (message) => {
          logger.warn(message);
        },
        ...(clock ? { now: () => clock().getTime() } : {}),
      })
    : undefined;
  // Projects still bidding from before this start; a ledger not reachable yet leaves them to the opening.
  void closer?.start().catch((error: unknown) => {
    logger.warn(`bidding closer: projects not scheduled at start: ${(error as Error).message}`);
  });
  const tlog = backend.log ? await TlogService.start(backend.log, config.tlog, config.dataDir, { logger }) : undefined;
  if (tlog) metrics.watchTlog(tlog);
  // TLOG_WITNESS_FOR: this organisation cosigns the others' checkpoints that are the root of its own tree.
  const peerWitness =
    backend.log && config.tlog.witnessFor.length > 0 ? await startPeerWitness(backend.log, config.tlog, config.dataDir) : undefined;
  if (peerWitness)
    logger.info(
      { component: 'tlog', witnessKey: peerWitness.vkey, witnessing: config.tlog.witnessFor.map((k) => k.split('+')[0]) },
      "witnessing the other organisations' logs at /witness/add-checkpoint",
    );
  let closing = false;
  const app = createServer({
    backend,
    logger,
    metrics,
    metricsAccess: config.metrics,
    auth,
    receipts,
    idempotency,
    bodyLimit: config.bodyLimit,
    rateLimitPerMinute: config.rateLimitPerMinute,
    writeWaitMs: options.writeWaitMs ?? config.writeWaitMs,
    closing: () => closing,
    directory: config.directory,
    ...(clock ? { now: clock } : {}),
    ...(closer ? { closer } : {}),
    ...(tlog ? { tlog } : {}),
    ...(peerWitness ? { witness: peerWitness.witness } : {}),
  });
  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 calls back with the listen error (a port in use) as well as on success.
    const listening = app.listen(config.port, config.host, (error?: Error) => {
      if (error) reject(error);
      else resolve(listening);
    });
    listening.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  let closed: Promise<void> = Promise.resolve();
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  const removePidFile = await writePidFile(config.dataDir, { url, startedAt: new Date().toISOString(), sighup: options.sighup ?? false });
  return {
    url,
    port,
    backend,
    receipts,
    async reloadKeys() {
      await receipts.reload();
      return receipts.currentKid;
    },
    ...(closer ? { closer } : {}),
    ...(tlog ? { tlog } : {}),
    /**
     * Drains: stops accepting, lets every write already started finish (also one answered 202),
     * then closes the stores. Closing a store under a running write would lose its answer, and
     * the client's retry would then make a second record.
     */
    async close() {
      if (closing) return closed;
      closing = true;
      closed = (async () => {
        const stopped = new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
        // A connection that turns idle after its answer is closed; one never answered is cut after the grace period.
        const sweep = setInterval(() => {
          server.closeIdleConnections();
        }, 50);
        // Out of time: writes still re-sending a transaction of unknown fate stop (kept as sent, resumed after the restart).
        const cut = setTimeout(() => {
          backend.interrupt?.();
          server.closeAllConnections();
        }, SHUTDOWN_GRACE_MS);
        server.closeIdleConnections();
        try {
          await closer?.close();
          await idempotency.drain();
          await stopped;
        } finally {
          clearInterval(sweep);
          clearTimeout(cut);
        }
        await tlog?.stop();
        await idempotency.close();
        await backend.close();
        await removePidFile();
      })();
      return closed;
    },
  };
}

async function openBackend(
  config: Readonly<GatewayConfig>,
  clock: (() => Date) | undefined,
  metrics: GatewayMetrics,
  logger: Logger,
): Promise<LedgerBackend> {
  if (config.ledgerBackend === 'fabric' && config.fabric) {
    const connection = parseChecked(
      FabricConnectionSchema,
      await readFile(config.fabric.connectionFile, 'utf8'),
      config.fabric.connectionFile,
    );
    // Loaded only for Fabric: gRPC and fabric-gateway take a while to load, and an embedded gateway never needs them.
    const { FabricBackend } = await import('./fabric-backend.js');
    return FabricBackend.open({
      connection,
      platformIdentities: config.fabric.platformIdentities,
      platformMspId: config.platformMspId,
      regulatorMspId: config.regulatorMspId,
      regulatorIdentity: config.fabric.regulatorIdentity,
      publicIdentity: config.fabric.publicIdentity,
      transparencyLog: config.tlog.fabric,
      logPeer: config.tlog.fabricPeer,
      bidderIdentity: config.fabric.bidderIdentity,
      observer: metrics.fabric,
      warn: (message) => {
        logger.warn({ component: 'tlog' }, message);
      },
    });
  }
  return EmbeddedBackend.open(config.dataDir, { platform: config.platformMspId, regulator: config.regulatorMspId }, clock, (message) => {
    logger.error(message);
  });
}
