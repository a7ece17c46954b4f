import express, { type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Authenticator } from './auth.js';
import type { LedgerBackend } from './backend.js';
import type { IdempotencyStore } from './idempotency.js';
import { Problem, problemHandler, sendProblem } from './problem.js';
import type { ReceiptSigner } from './receipts.js';
import { jsonBodyParser, type RouterDeps } from './routers/http.js';
import { pagesRouter } from './routers/pages.js';
import { readsRouter } from './routers/reads.js';
import { reportsRouter } from './routers/reports.js';
import { serviceRouter } from './routers/service.js';
import { stepsRouter } from './routers/steps.js';
import { verificationRouter } from './routers/verification.js';

export interface GatewayDeps {
  backend: LedgerBackend;
  auth: Authenticator;
  receipts: ReceiptSigner;
  idempotency: IdempotencyStore;
  bodyLimit?: string;
  rateLimitPerMinute?: number;
  /** The clock reports measure lateness by (the embedded ledger's, in tests). */
  now?: () => Date;
}

/** Builds the gateway's Express app from its routers; `main` adds configuration and `listen`. */
export function createServer(deps: GatewayDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);

  const routerDeps: RouterDeps = {
    backend: deps.backend, auth: deps.auth, receipts: deps.receipts, idempotency: deps.idempotency,
    jsonBody: jsonBodyParser(deps.bodyLimit ?? '1mb'),
    now: deps.now ?? (() => new Date()),
  };
  app.use(pagesRouter());
  app.use(serviceRouter(routerDeps));

  const limiter = rateLimit({
    windowMs: 60_000,
    limit: deps.rateLimitPerMinute ?? 60_000,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // Per bearer token where there is one (a platform behind one NAT is still itself), else per address.
    keyGenerator: (req) => req.get('authorization') ?? ipKeyGenerator(req.ip ?? ''),
    handler: (req, res, _next, options) => {
      const retryAfter = Math.ceil(options.windowMs / 1000);
      sendProblem(res, new Problem('RATE_LIMITED', `more than ${String(options.limit)} requests a minute`, { headers: { 'retry-after': String(retryAfter) } }), req.originalUrl);
    },
  });
  app.use('/v1', limiter);

  app.use(stepsRouter(routerDeps));
  app.use(readsRouter(routerDeps));
  app.use(reportsRouter(routerDeps));
  app.use(verificationRouter(routerDeps));

  app.use((req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, new Problem('NOT_FOUND', `no route ${req.method} ${req.path}`), req.originalUrl);
  });
  app.use(problemHandler);
  return app;
}
