import { createHash } from 'node:crypto';
import path from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { TSchema } from '@sinclair/typebox';
import {
  canonicalJson, checkChain, isRedacted, overdueDeposits, projectsByCategoryYear, schemaErrors,
  type FieldError, type LedgerRecord, type ProjectState, type PublicProjectStatus, type RecordView,
} from '@tender-ledger/domain';
import { verifyReceipt, ReceiptVerificationError } from '@tender-ledger/client-sdk';
import { callerKey, type Authenticator, type Caller } from './auth.js';
import type { BiddingCloser } from './bidding-closer.js';
import type { LedgerBackend, Reader } from './backend.js';
import type { IdempotencyStore, WriteAttempt } from './idempotency.js';
import { bidderRouter } from './bidder-routes.js';
import { evidenceRouter } from './evidence-routes.js';
import { ProjectCatalogue, parseProjectQuery } from './project-catalogue.js';
import { partyDirectory, type PartyDirectory } from './party-directory.js';
import { expressPath, openApiDocument } from './openapi.js';
import { ledgerUnavailable, OutcomeUnknownError, Problem, problemHandler, sendProblem, toProblem } from './problem.js';
import type { ReceiptSigner } from './receipts.js';
import { IdempotencyKey, PATH_PARAMS, STEP_ROUTES, VerifyReceiptRequest, type StepRoute } from './routes.js';

/** Scripts, styles, data and connections only from this origin; QR codes are data: images. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'", "manifest-src 'self'",
].join('; ');

export interface GatewayDeps {
  backend: LedgerBackend;
  auth: Authenticator;
  receipts: ReceiptSigner;
  idempotency: IdempotencyStore;
  bodyLimit?: string;
  rateLimitPerMinute?: number;
  /** Who issues certificates and the parties' names (TRADING_CENTRE_NAME, PLATFORM_NAMES). */
  directory?: PartyDirectory;
  /** The clock reports measure lateness by (the embedded ledger's, in tests). */
  now?: () => Date;
  /** Told of each project registered through this gateway, to close its bidding at the deadline. */
  closer?: Pick<BiddingCloser, 'schedule'>;
  /** How long a keyed write's answer is waited for before answering 202 (default 20 s). */
  writeWaitMs?: number;
  /** True once the gateway is shutting down: requests on connections still open are turned away. */
  closing?: () => boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

/** Validates against a schema, turning every bad field into one 400 that names them. */
function validate(schema: TSchema, value: unknown, where: string): void {
  const errors = schemaErrors(schema, value);
  if (errors.length > 0) {
    const named: FieldError[] = errors.map((e) => ({ field: `${where}${e.field === '/' ? '' : e.field}` || '/', message: e.message }));
    throw new Problem('INVALID_ARGUMENT', named.map((e) => `${e.field} ${e.message}`).join('; '), { errors: named });
  }
}

function validateParams(req: Request): Record<string, string> {
  const params = req.params as Record<string, string>;
  for (const [name, value] of Object.entries(params)) {
    const schema = PATH_PARAMS[name];
    if (schema) validate(schema, value, `/params/${name}`);
  }
  return params;
}

/**
 * Authenticates when a token is sent; without one the caller stays anonymous (public views).
 * A verified caller then passes its own rate limit.
 */
function optionallyAuthenticated(auth: Authenticator, limitCaller: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    if (req.get('authorization') === undefined) {
      next();
      return;
    }
    req.caller = await auth.authenticate(req.get('authorization'));
    await limitCaller(req, res, next);
  };
}

/** Requires a verified caller, optionally of certain roles, within its own rate limit. */
function authenticated(auth: Authenticator, limitCaller: RequestHandler, roles?: Caller['role'][]): RequestHandler {
  return async (req, res, next) => {
    const caller = await auth.authenticate(req.get('authorization'));
    if (roles && !roles.includes(caller.role)) {
      throw new Problem('FORBIDDEN', `a ${caller.role} may not do this`);
    }
    req.caller = caller;
    await limitCaller(req, res, next);
  };
}

/** Builds the gateway's Express app; `main` adds configuration and `listen`. */
export function createServer(deps: GatewayDeps): express.Express {
  const { backend, auth, receipts, idempotency } = deps;
  const writeWaitMs = deps.writeWaitMs ?? 20_000;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);
  // While draining, each answer closes its connection, and a new request is turned away (no work starts).
  app.use((req, res, next) => {
    if (!deps.closing?.()) return next();
    res.setHeader('connection', 'close');
    sendProblem(res, new Problem('SHUTTING_DOWN', 'the gateway is shutting down; retry shortly', { headers: { 'retry-after': '1' } }), req.originalUrl);
  });

  const catalogue = new ProjectCatalogue(backend);
  const readerOf = (caller: Caller): Reader => (caller.role === 'bidder' ? { kind: 'public' } : { kind: 'caller', caller });
  const evaluateJson = async <T>(reader: Reader, fn: string, ...args: string[]): Promise<T> =>
    JSON.parse(await backend.evaluate(reader, fn, args)) as T;

  // The pages (verify, certificate, bidder, regulator): same origin, every asset served here.
  const web = path.resolve(__dirname, '../web/dist');
  const pageHeaders: RequestHandler = (_req, res, next) => {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    next();
  };
  app.use('/assets', pageHeaders, express.static(web, { index: false, maxAge: '1h' }));
  for (const page of ['/', '/verify', '/bidder', '/regulator', '/certificate/:recordId']) {
    app.get(page, pageHeaders, (_req, res) => { res.sendFile(path.join(web, 'index.html')); });
  }

  app.get('/healthz', async (_req, res) => {
    try {
      res.json({ status: 'ok', ledger: { backend: backend.kind, ...(await backend.health()) } });
    } catch (error) {
      const problem = toProblem(error);
      sendProblem(res, problem.code === 'INTERNAL' ? ledgerUnavailable((error as Error).message) : problem);
    }
  });
  const openapi = openApiDocument();
  app.get('/openapi.json', (_req, res) => { res.json(openapi); });
  app.get('/.well-known/jwks.json', (_req, res) => { res.json(receipts.jwks()); });

  // Two limits. Before authentication, per client address: a made-up bearer string is no way
  // around it (keying on the raw header let every random string start a fresh count). After
  // authentication, per verified caller (issuer, sub): a platform behind one NAT is still itself,
  // so its requests are given back to the address once they authenticate.
  const limits = {
    windowMs: 60_000,
    limit: deps.rateLimitPerMinute ?? 60_000,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req: Request, res: Response, _next: NextFunction, options: { windowMs: number; limit: unknown }) => {
      const retryAfter = Math.ceil(options.windowMs / 1000);
      sendProblem(res, new Problem('RATE_LIMITED', `more than ${String(options.limit)} requests a minute`, { headers: { 'retry-after': String(retryAfter) } }), req.originalUrl);
    },
  } as const;
  app.use('/v1', rateLimit({
    ...limits,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? ''),
    skipSuccessfulRequests: true,
    requestWasSuccessful: (req) => req.caller !== undefined,
  }));
  const limitCaller = rateLimit({ ...limits, keyGenerator: (req) => `caller:${callerKey(req.caller as Caller)}` });
  const signedIn = (roles?: Caller['role'][]) => authenticated(auth, limitCaller, roles);

  const jsonBody = express.json({ limit: deps.bodyLimit ?? '1mb', strict: true, type: () => true });
  const requireJson: RequestHandler = (req, _res, next) => {
    const length = Number(req.get('content-length') ?? 0);
    if ((length > 0 || req.get('transfer-encoding')) && !req.is('application/json')) {
      throw new Problem('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    }
    next();
  };

  // ------------------------------------------------------------ recorded steps
  for (const route of STEP_ROUTES) {
    app.post(route.path, signedIn(), requireJson, jsonBody, async (req, res) => {
      const caller = req.caller as Caller;
      // Bidders have no ledger identity: their platform records their steps.
      if (caller.role === 'bidder') throw new Problem('FORBIDDEN', 'bidders read their records; their platform records their steps');
      const params = validateParams(req);
      const body: unknown = req.body ?? {};
      validate(route.schema, body, '');
      const key = req.get('idempotency-key');
      if (key === undefined) {
        try {
          const answer = await recordStep(route, caller, params, body);
          res.status(answer.status).type('application/json').send(answer.body);
        } catch (error) {
          if (!(error instanceof OutcomeUnknownError)) throw error;
          sendPending(res, error.intent.txId);
        }
        return;
      }
      validate(IdempotencyKey, key, '/headers/idempotency-key');
      const fingerprint = createHash('sha256').update(`${req.method} ${req.path}\n${canonicalJson(body)}`).digest('hex');
      const answer = await idempotency.once(`${caller.issuer}\u0000${caller.sub}`, key, fingerprint, async (attempt) => {
        try {
          return await recordStep(route, caller, params, body, attempt);
        } catch (error) {
          if (error instanceof OutcomeUnknownError) return { unknown: error.intent };
          const problem = toProblem(error);
          if (problem.status >= 500) throw error;
          return { status: problem.status, body: { problem: { code: problem.code, detail: problem.detail } } };
        }
      }, writeWaitMs);
      if (answer.reused) throw new Problem('IDEMPOTENCY_KEY_REUSED', 'this key was used for a different request');
      if (answer.kind === 'pending') {
        sendPending(res, answer.txId);
        return;
      }
      if (answer.replayed) res.setHeader('idempotent-replayed', 'true');
      const storedProblem = (answer.body as { problem?: { code: Problem['code']; detail: string } }).problem;
      if (storedProblem) {
        sendProblem(res, new Problem(storedProblem.code, storedProblem.detail), req.originalUrl);
        return;
      }
      res.status(answer.status).type('application/json').send(answer.body as string);
    });
  }

  /**
   * 202: the write is under way or its outcome is not known yet. Nothing new will be sent for it;
   * the same request with the same key gets the answer once known, and the record, if it lands,
   * has the transaction's id.
   */
  function sendPending(res: Response, txId: string | undefined): void {
    res.setHeader('retry-after', '1');
    if (txId) res.setHeader('location', `/v1/records/${txId}`);
    res.status(202).json({
      status: 'pending',
      ...(txId ? { txId, record: `/v1/records/${txId}` } : {}),
      detail: 'the outcome of this write is not known yet; send the same request with the same Idempotency-Key again for the answer',
    });
  }

  /**
   * Records a step; the answer's body is JSON text, built around the ledger's own record text.
   * With an earlier attempt recorded (its outcome lost), its transaction's record is the answer
   * if it is on the ledger; if not, that same transaction is resumed, never a new one.
   */
  async function recordStep(route: StepRoute, caller: Caller, params: Record<string, string>, body: unknown, attempt?: WriteAttempt) {
    const projectId = params.projectId ?? (body as { projectId?: string }).projectId;
    const recorded = attempt?.recorded;
    const landed = recorded ? await backend.transaction(recorded.txId) : undefined;
    const committed = recorded && landed
      ? { txId: recorded.txId, ...landed, result: await backend.evaluate({ kind: 'caller', caller }, 'getRecord', [recorded.txId]) }
      : await backend.submit(caller, route.fn, route.args(params, body), projectId, {
        ...(attempt ? { beforeSend: attempt.beforeSend } : {}),
        ...(recorded ? { resume: recorded } : {}),
      });
    const record = JSON.parse(committed.result) as LedgerRecord;
    if (record.step === 'ProjectRegistered' && record.projectId !== null) {
      deps.closer?.schedule({ projectId: record.projectId, bidDeadline: (record as LedgerRecord<'ProjectRegistered'>).payload.bidDeadline, owner: record.actor });
    }
    const receipt = await receipts.sign(record, committed);
    return { status: 201, body: `{"record":${committed.result},"receipt":"${receipt}"}` };
  }

  // ------------------------------------------------------------ reads
  app.get('/v1/projects/:projectId', signedIn(), async (req, res) => {
    const { projectId } = validateParams(req) as { projectId: string };
    res.json(await evaluateJson<ProjectState | PublicProjectStatus>(readerOf(req.caller as Caller), 'getProjectStatus', projectId));
  });

  app.get('/v1/projects/:projectId/trail', signedIn(), async (req, res) => {
    const { projectId } = validateParams(req) as { projectId: string };
    const trail = await evaluateJson<{ projectId: string; complete: boolean; records: RecordView[] }>(readerOf(req.caller as Caller), 'getTrail', projectId);
    let chainValid: boolean;
    if (trail.complete && !trail.records.some(isRedacted)) {
      chainValid = checkChain(trail.records as LedgerRecord[]).valid;
    } else {
      // A sealed trail hides records (or committee members) from this caller; the gateway checks
      // the whole chain as the owning platform and passes on only the verdict.
      const status = await evaluateJson<PublicProjectStatus>({ kind: 'public' }, 'getProjectStatus', projectId);
      const whole = await evaluateJson<{ records: LedgerRecord[] }>({ kind: 'owner', owner: status.owner }, 'getTrail', projectId);
      chainValid = checkChain(whole.records).valid;
    }
    res.json({ ...trail, chainValid });
  });

  app.get('/v1/projects/:projectId/bidders/:bidderId/records', signedIn(), async (req, res) => {
    const { projectId, bidderId } = validateParams(req) as { projectId: string; bidderId: string };
    const caller = req.caller as Caller;
    let reader: Reader;
    if (caller.role === 'bidder') {
      if (caller.sub !== bidderId) throw new Problem('FORBIDDEN', 'a bidder reads only its own records');
      const status = await evaluateJson<PublicProjectStatus>({ kind: 'public' }, 'getProjectStatus', projectId);
      reader = { kind: 'owner', owner: status.owner };
    } else {
      reader = { kind: 'caller', caller };
    }
    const trail = await evaluateJson<{ complete: boolean; records: LedgerRecord[] }>(reader, 'getTrail', projectId);
    if (!trail.complete) throw new Problem('FORBIDDEN', 'only the bidder, the owning platform and regulators read a sealed bid');
    const records = trail.records.filter((r) => (r.payload as { bidderId?: string }).bidderId === bidderId
      || (r.step === 'BidsOpened' && (r as LedgerRecord<'BidsOpened'>).payload.bids.some((b) => b.bidderId === bidderId)));
    res.json({ projectId, bidderId, records });
  });

  // Public without a token (the evidence certificate page); a token's holder sees what it may.
  app.get('/v1/records/:recordId', optionallyAuthenticated(auth, limitCaller), async (req, res) => {
    const { recordId } = validateParams(req) as { recordId: string };
    const record = await evaluateJson<RecordView>(req.caller ? readerOf(req.caller) : { kind: 'public' }, 'getRecord', recordId);
    const landed = await backend.transaction(record.txId);
    res.json({ ...record, ...(landed ? { blockNumber: landed.blockNumber, blockHash: landed.blockHash } : {}) });
  });

  // Paged, searched and filtered by gateway/src/project-catalogue.ts.
  app.get('/v1/projects', signedIn(), async (req, res) => {
    const caller = req.caller as Caller;
    const readerKey = caller.role === 'regulator' ? 'regulator' : caller.role === 'bidder' ? 'public' : `platform:${callerKey(caller)}`;
    res.json(await catalogue.page(readerOf(caller), readerKey, parseProjectQuery(req.query as Record<string, unknown>), deps.now?.() ?? new Date()));
  });

  app.get('/v1/bidders/:bidderId/bids', signedIn(['bidder', 'regulator']), async (req, res) => {
    const { bidderId } = validateParams(req) as { bidderId: string };
    const caller = req.caller as Caller;
    if (caller.role === 'bidder' && caller.sub !== bidderId) throw new Problem('FORBIDDEN', 'a bidder reads only its own bids');
    const projectIds = await evaluateJson<string[]>({ kind: 'supervision' }, 'getBidderProjects', bidderId);
    const bids = [];
    for (const projectId of projectIds) {
      const status = await evaluateJson<ProjectState>({ kind: 'supervision' }, 'getProjectStatus', projectId);
      const trail = await evaluateJson<{ records: LedgerRecord[] }>({ kind: 'supervision' }, 'getTrail', projectId);
      const own = trail.records.filter((r) => (r.payload as { bidderId?: string }).bidderId === bidderId);
      const commitments = [];
      for (const record of own.filter((r) => r.step === 'BidCommitted')) {
        const landed = await backend.transaction(record.txId);
        // A receipt states a fact about the ledger; issuing it again for the bidder states the same fact.
        if (landed) commitments.push({ record, receipt: await receipts.sign(record, { txId: record.txId, ...landed }) });
      }
      bids.push({ projectId, name: status.name, status: status.status, bidDeadline: status.bidDeadline, openingTime: status.openingTime, records: own, commitments });
    }
    res.json({ bidderId, bids });
  });

  app.get('/v1/reports/overdue-deposits', signedIn(['regulator']), async (req, res) => {
    const now = deps.now?.() ?? new Date();
    const projects = await evaluateJson<ProjectState[]>(readerOf(req.caller as Caller), 'listProjects');
    const overdue = [];
    for (const project of projects) {
      const trail = await evaluateJson<{ records: LedgerRecord[] }>(readerOf(req.caller as Caller), 'getTrail', project.projectId);
      overdue.push(...overdueDeposits(trail.records, now).map((o) => ({ ...o, projectName: project.name })));
    }
    res.json({ asOf: now.toISOString(), overdue: overdue.sort((a, b) => b.daysOverdue - a.daysOverdue) });
  });

  app.get('/v1/reports/projects-by-category', signedIn(['regulator']), async (req, res) => {
    const projects = await evaluateJson<ProjectState[]>(readerOf(req.caller as Caller), 'listProjects');
    res.json(projectsByCategoryYear(projects));
  });

  app.get('/v1/verify/:sha256', async (req, res) => {
    const { sha256 } = validateParams(req) as { sha256: string };
    const found = await evaluateJson<{ sha256: string; records: RecordView[] }>({ kind: 'public' }, 'findByHash', sha256);
    const records = [];
    for (const record of found.records) {
      const landed = await backend.transaction(record.txId);
      records.push({ ...record, ...(landed ? { blockNumber: landed.blockNumber } : {}) });
    }
    res.json({ sha256, records });
  });

  app.post('/v1/receipts/verify', requireJson, jsonBody, async (req, res) => {
    validate(VerifyReceiptRequest, req.body, '');
    const { receipt } = req.body as { receipt: string };
    const checks = { valid: false, signatureValid: false, onLedger: false, recordUnchanged: false, blockMatches: false };
    let claims;
    try {
      ({ claims } = await verifyReceipt(receipt, receipts.jwks()));
    } catch (error) {
      if (!(error instanceof ReceiptVerificationError)) throw error;
      res.json({ ...checks, reason: error.code, detail: error.message });
      return;
    }
    checks.signatureValid = true;
    let record: RecordView | undefined;
    try {
      record = await evaluateJson<RecordView>({ kind: 'public' }, 'getRecord', claims.recordId);
    } catch (error) {
      if (toProblem(error).code !== 'RECORD_NOT_FOUND') throw error;
    }
    checks.onLedger = record !== undefined;
    checks.recordUnchanged = record?.hash === claims.recordHash && record.txId === claims.txId && (record.projectId ?? null) === claims.projectId
      && record.step === claims.step && record.txTime === claims.ledgerTime;
    const landed = await backend.transaction(claims.txId);
    checks.blockMatches = landed?.blockNumber === claims.blockNumber && landed.blockHash === claims.blockHash;
    checks.valid = checks.signatureValid && checks.onLedger && checks.recordUnchanged && checks.blockMatches;
    res.json({ ...checks, claims, ...(record && isRedacted(record) ? { sealed: true } : {}) });
  });

  app.use(bidderRouter({ backend, receipts, signedIn: signedIn(['bidder', 'regulator']) }));
  app.use(evidenceRouter({ backend, receipts, directory: deps.directory ?? partyDirectory({}, (m) => new Error(m)), optionalCaller: optionallyAuthenticated(auth, limitCaller), signedIn: signedIn(), ...(deps.now ? { now: deps.now } : {}) }));

  // A documented path asked with a method it does not answer: 405 naming those it does (RFC 9110 §15.5.6).
  for (const [documented, operations] of Object.entries(openapi.paths)) {
    const allow = Object.keys(operations).map((m) => m.toUpperCase()).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
    app.all(expressPath(documented), (req: Request, res: Response) => {
      sendProblem(res, new Problem('METHOD_NOT_ALLOWED', `${req.method} ${req.path} is not answered; use ${allow}`, { headers: { allow } }), req.originalUrl);
    });
  }

  app.use((req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, new Problem('NOT_FOUND', `no route ${req.method} ${req.path}`), req.originalUrl);
  });
  app.use(problemHandler);
  return app;
}
