import { randomUUID } from 'node:crypto';
import type { RequestHandler, Request, Response } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The gateway's JSON logger (one line per event, on stdout unless a stream is given). Nothing
 * logs request headers or bodies: lines are built from named fields only (an allow-list), so a
 * bearer token, a receipt or a key cannot reach the log by a new header or field. The paths
 * below are redacted as a second guard, should an object carrying them ever be logged.
 */
export function createLogger(level: LogLevel = 'info', stream?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'tender-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['authorization', 'token', 'receipt', 'd', 'key', '*.authorization', '*.token', '*.receipt', '*.d', 'headers'],
      censor: '[redacted]',
    },
  };
  return stream ? pino(options, stream) : pino(options);
}

/** A client's own request id: 1–128 visible ASCII characters without spaces (anything else is replaced). */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

declare module 'express-serve-static-core' {
  interface Request {
    /** The gateway's logger, for lines about this request (each names it: `reqId`, see requestIdOf). */
    log?: Logger;
  }
}

/** The request id of a request (also on every problem+json answered to it). */
export function requestIdOf(res: Response): string | undefined {
  const id = (res.locals as { requestId?: unknown }).requestId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Notes the transaction id a write was given (its first), for the request's access line. Kept on
 * the response, not in an AsyncLocalStorage: on Node 20 that turns on promise hooks for every
 * promise in the process, the ledger's and the contract's too.
 */
export function noteTxId(res: Response, txId: string | undefined): void {
  const locals = res.locals as { txId?: string };
  if (txId && locals.txId === undefined) locals.txId = txId;
}

/**
 * The route a request took, as its pattern (`/v1/projects/:projectId/bids`), never the raw URL:
 * a bounded set for metrics, and no ids or hashes from paths in the labels.
 */
export function routeOf(req: Request, status?: number): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  if (req.path.startsWith('/assets/')) return '/assets/*';
  // The per-address limit answers before any route is chosen.
  if (status === 429) return '(rate limited)';
  return '(unmatched)';
}

export interface AccessLine {
  route: string;
  method: string;
  status: number;
  seconds: number;
  replayed: boolean;
  /** The request authenticated (a refusal by the rate limit was then its caller's, else its address's). */
  authenticated: boolean;
}

/**
 * First in the chain: fixes the request id (the client's `X-Request-Id` when sane, else a new
 * UUID), echoes it, and writes one access line when the answer is finished — method, route
 * pattern, status, latency, caller (issuer and subject, nothing of the token), tx id for writes.
 * `observer` is told of each finished request (the metrics).
 */
export function accessLog(logger: Logger, observer?: { request(line: AccessLine): void }): RequestHandler {
  return (req, res, next) => {
    const offered = req.get('x-request-id');
    const requestId = offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    // No child logger per request: the id goes into the line itself (a child per request was ~1% of a bid's profile).
    req.log = logger;
    const started = process.hrtime.bigint();
    const finish = () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req, res.statusCode);
      const replayed = res.getHeader('idempotent-replayed') === 'true';
      const location = res.getHeader('location');
      const txId =
        (res.locals as { txId?: string }).txId ??
        (typeof location === 'string' && location.startsWith('/v1/records/') ? location.slice('/v1/records/'.length) : undefined);
      const caller = req.caller ? { issuer: req.caller.issuer, sub: req.caller.sub, role: req.caller.role } : undefined;
      const line = {
        reqId: requestId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 10_000) / 10,
        ...(caller ? { caller } : {}),
        ...(txId ? { txId } : {}),
        ...(replayed ? { replayed } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      const level = res.statusCode >= 500 ? 'error' : 'info';
      logger[level](line, 'request');
      observer?.request({ route, method: req.method, status: res.statusCode, seconds, replayed, authenticated: req.caller !== undefined });
    };
    // A response emits 'close' once finished or cut off (writableFinished tells which): one listener.
    res.once('close', finish);
    next();
  };
}
