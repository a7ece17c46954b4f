import express, { type NextFunction, type Request, type Response } from 'express';
import type { Authenticator } from './auth.js';
import type { LedgerBackend } from './backend.js';
import type { BiddingCloser } from './bidding-closer.js';
import { bidderRouter } from './routers/bidder.js';
import { evidenceRouter } from './routers/evidence.js';
import { partyDirectory, type PartyDirectory } from './party-directory.js';
import type { IdempotencyStore } from './idempotency.js';
import { expressPath, openApiDocument } from './openapi.js';
import { Problem, problemHandler, sendProblem } from './problem.js';
import type { ReceiptSigner } from './receipts.js';
import { accessLog, createLogger, type Logger } from './logging.js';
import { metricsHandler, type GatewayMetrics, type MetricsAccess } from './metrics.js';
import { authenticated, evaluateJson, jsonBodyParser, optionallyAuthenticated, readerOf, type RouterDeps } from './routers/http.js';
import type { RecordView } from '@tender-ledger/domain';
import { pagesRouter } from './routers/pages.js';
import { rateLimits } from './routers/rate-limits.js';
import { readsRouter } from './routers/reads.js';
import { reportsRouter } from './routers/reports.js';
import { serviceRouter } from './routers/service.js';
import { stepsRouter } from './routers/steps.js';
import { verificationRouter } from './routers/verification.js';
import { createNoLogRouter, createTlogRouter } from './routers/tlog.js';
import type { TlogService } from './tlog/service.js';
import { createWitnessServer, type Witness } from '@tender-ledger/witness';

export interface GatewayDeps {
  backend: LedgerBackend;
  auth: Authenticator;
  receipts: ReceiptSigner;
  idempotency: IdempotencyStore;
  bodyLimit?: string;
  rateLimitPerMinute?: number;
  /** The clock reports measure lateness by (the embedded ledger's, in tests). */
  now?: () => Date;
  /** Told of each project registered through this gateway, to close its bidding at the deadline. */
  closer?: Pick<BiddingCloser, 'schedule'>;
  /** Who issues certificates and the parties' names (TRADING_CENTRE_NAME, PLATFORM_NAMES). */
  directory?: PartyDirectory;
  /** How long a keyed write's answer is waited for before answering 202 (default 20 s). */
  writeWaitMs?: number;
  /** True once the gateway is shutting down: requests on connections still open are turned away. */
  closing?: () => boolean;
  /** Access lines and errors (silent when not given); `/metrics` when `metrics` is given, behind `metricsAccess`. */
  logger?: Logger;
  metrics?: GatewayMetrics;
  metricsAccess?: MetricsAccess;
  /** The transparency log: checkpoints, tiles, proofs (none on a backend without one). */
  tlog?: TlogService;
  /** This organisation's witness of the others' logs (TLOG_WITNESS_FOR): c2sp.org/tlog-witness under `/witness`. */
  witness?: Witness;
}

/** Builds the gateway's Express app from its routers and shared middleware; `main` adds configuration and `listen`. */
export function createServer(deps: GatewayDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(accessLog(deps.logger ?? createLogger('silent'), deps.metrics));
  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics, deps.metricsAccess));
  // While draining, each answer closes its connection, and a new request is turned away (no work starts).
  app.use((req, res, next) => {
    if (!deps.closing?.()) {
      next();
      return;
    }
    res.setHeader('connection', 'close');
    sendProblem(
      res,
      new Problem('SHUTTING_DOWN', 'the gateway is shutting down; retry shortly', { headers: { 'retry-after': '1' } }),
      req.originalUrl,
    );
  });

  // The tlog-witness protocol's own plain-text answers, as its clients (other gateways' checkpointers) expect.
  if (deps.witness) app.use('/witness', createWitnessServer({ witness: deps.witness }));
  app.use(pagesRouter());
  app.use(serviceRouter(deps));

  const { byAddress, byCaller } = rateLimits(deps.rateLimitPerMinute ?? 60_000);
  app.use('/v1', byAddress);

  const routerDeps: RouterDeps = {
    backend: deps.backend,
    receipts: deps.receipts,
    idempotency: deps.idempotency,
    jsonBody: jsonBodyParser(deps.bodyLimit ?? '1mb'),
    signedIn: (roles) => authenticated(deps.auth, byCaller, roles),
    maybeSignedIn: optionallyAuthenticated(deps.auth, byCaller),
    now: deps.now ?? (() => new Date()),
    ...(deps.closer ? { closer: deps.closer } : {}),
    writeWaitMs: deps.writeWaitMs ?? 20_000,
    ...(deps.tlog ? { tlog: deps.tlog } : {}),
  };
  // OPTIONS names every method of a path (RFC 9110 §9.3.7): the routers each know only their own.
  const allowed = Object.entries(openApiDocument().paths).map(
    ([documented, operations]) =>
      [
        documented,
        Object.keys(operations)
          .map((m) => m.toUpperCase())
          .flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]))
          .join(', '),
      ] as const,
  );
  // In a router of their own, entered only by OPTIONS: one layer per documented path here made every
  // request try each path's pattern on its way to its own route.
  const options = express.Router();
  for (const [documented, allow] of allowed) {
    options.options(expressPath(documented), (_req: Request, res: Response) => {
      res.set('allow', allow).status(204).end();
    });
  }
  app.use((req, res, next) => {
    if (req.method === 'OPTIONS') options(req, res, next);
    else next();
  });
  if (deps.tlog) {
    app.use(
      createTlogRouter({
        tlog: deps.tlog,
        optionalAuth: routerDeps.maybeSignedIn,
        readRecord: (req, recordId) => evaluateJson<RecordView>(deps.backend, readerOf(req.caller), 'getRecord', recordId),
      }),
    );
  } else {
    app.use(createNoLogRouter(deps.backend));
  }
  app.use(stepsRouter(routerDeps));
  app.use(readsRouter(routerDeps));
  app.use(reportsRouter(routerDeps));
  app.use(verificationRouter(routerDeps));
  app.use(bidderRouter({ backend: deps.backend, receipts: deps.receipts, signedIn: routerDeps.signedIn(['bidder', 'regulator']) }));
  app.use(
    evidenceRouter({
      backend: deps.backend,
      receipts: deps.receipts,
      directory: deps.directory ?? partyDirectory({}, (m) => new Error(m)),
      optionalCaller: routerDeps.maybeSignedIn,
      signedIn: routerDeps.signedIn(),
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.tlog ? { tlog: deps.tlog } : {}),
    }),
  );

  // A documented path asked with a method it does not answer: 405 naming those it does (RFC 9110 §15.5.6).
  for (const [documented, allow] of allowed) {
    app.all(expressPath(documented), (req: Request, res: Response) => {
      sendProblem(
        res,
        new Problem('METHOD_NOT_ALLOWED', `${req.method} ${req.path} is not answered; use ${allow}`, { headers: { allow } }),
        req.originalUrl,
      );
    });
  }

  app.use((req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, new Problem('NOT_FOUND', `no route ${req.method} ${req.path}`), req.originalUrl);
  });
  app.use(problemHandler);
  return app;
}
