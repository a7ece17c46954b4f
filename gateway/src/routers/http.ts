import express, { type Request, type RequestHandler } from 'express';
import type { TSchema } from '@sinclair/typebox';
import {
  LEDGER_ANSWERS,
  isRedacted,
  parseChecked,
  schemaErrors,
  type FieldError,
  type LedgerQuery,
  type RecordView,
} from '@tender-ledger/domain';
import type { Authenticator, Caller } from '../auth.js';
import type { LedgerBackend, Reader } from '../backend.js';
import type { BiddingCloser } from '../bidding-closer.js';
import type { IdempotencyStore } from '../idempotency.js';
import { Problem } from '../problem.js';
import type { ReceiptSigner } from '../receipts.js';
import { PATH_PARAMS } from '../routes.js';
import type { TlogService } from '../tlog/service.js';

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

/** What every router is built from: `createServer` hands the same set to each. */
export interface RouterDeps {
  backend: LedgerBackend;
  receipts: ReceiptSigner;
  idempotency: IdempotencyStore;
  /** Parses a JSON body within the configured limit. */
  jsonBody: RequestHandler;
  /** Requires a verified caller (optionally of certain roles), then applies its own rate limit. */
  signedIn: (roles?: Caller['role'][]) => RequestHandler;
  /** Verifies a token when one is sent (then rate-limits that caller); without one the caller stays anonymous. */
  maybeSignedIn: RequestHandler;
  /** The clock reports measure lateness by (the embedded ledger's, in tests). */
  now: () => Date;
  /** Told of each project registered through this gateway, to close its bidding at the deadline. */
  closer?: Pick<BiddingCloser, 'schedule'>;
  /** How long a keyed write's answer is waited for before answering 202. */
  writeWaitMs: number;
  /** The transparency log, for writes that ask to wait for their proof (`Prefer: wait=proof`). */
  tlog?: TlogService;
}

/** Validates against a schema, turning every bad field into one 400 that names them. */
export function validate(schema: TSchema, value: unknown, where: string): void {
  const errors = schemaErrors(schema, value);
  if (errors.length > 0) {
    const named: FieldError[] = errors.map((e) => ({ field: `${where}${e.field === '/' ? '' : e.field}` || '/', message: e.message }));
    throw new Problem('INVALID_ARGUMENT', named.map((e) => `${e.field} ${e.message}`).join('; '), { errors: named });
  }
}

export function validateParams(req: Request): Record<string, string> {
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
export function optionallyAuthenticated(auth: Authenticator, limitCaller: RequestHandler): RequestHandler {
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
export function authenticated(auth: Authenticator, limitCaller: RequestHandler, roles?: Caller['role'][]): RequestHandler {
  return async (req, res, next) => {
    const caller = await auth.authenticate(req.get('authorization'));
    if (roles && !roles.includes(caller.role)) {
      throw new Problem('FORBIDDEN', `a ${caller.role} may not do this`);
    }
    req.caller = caller;
    await limitCaller(req, res, next);
  };
}

/** Refuses a body sent as anything but JSON before it is parsed. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const length = Number(req.get('content-length') ?? 0);
  if ((length > 0 || req.get('transfer-encoding')) && !req.is('application/json')) {
    throw new Problem('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
  next();
};

/** The JSON body parser: strict, within the limit, whatever the declared type (requireJson checked it). */
export function jsonBodyParser(limit: string): RequestHandler {
  return express.json({ limit, strict: true, type: () => true });
}

/** Whom a read runs as: the verified caller itself (the contract decides what it sees), or the public. */
export function readerOf(caller: Caller | undefined): Reader {
  return caller === undefined ? { kind: 'public' } : { kind: 'caller', caller };
}

/**
 * Evaluates one of the contract's queries and checks its answer against the schema the domain
 * gives that query (LEDGER_ANSWERS). T is the caller's view of that shape.
 */
export async function evaluateJson<T>(backend: LedgerBackend, reader: Reader, fn: LedgerQuery, ...args: string[]): Promise<T> {
  return ledgerAnswer<T>(fn, await backend.evaluate(reader, fn, args));
}

/**
 * A query's answer, checked. On Fabric it comes from a peer, maybe another organisation's: an
 * answer of another shape is the gateway's failure (500, logged), never passed on or trusted.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T names the caller's view of the answer, checked against LEDGER_ANSWERS[fn] here; callers read projections of it
export function ledgerAnswer<T>(fn: LedgerQuery, text: string): T {
  return checkedAnswer<T>(fn, LEDGER_ANSWERS[fn], text);
}

/** The ledger's answer to `fn` (a query or a transaction), checked against `schema`; see ledgerAnswer. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T names the caller's view of the answer, checked against `schema` here
export function checkedAnswer<T>(fn: string, schema: TSchema, text: string): T {
  return parseChecked(schema, text, `the ledger's answer to ${fn}`, (message) => new Problem('INTERNAL', message)) as T;
}

/** A public view of a sealed project's record: it drops its chain position, and its block goes too. */
export function hidesBlock(record: RecordView): boolean {
  return isRedacted(record) && record.projectId !== null && record.seq === undefined;
}
