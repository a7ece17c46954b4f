import type { ErrorRequestHandler, Response } from 'express';
import { ERROR_CODES, parseLedgerError, type ErrorCode, type FieldError } from '@tender-ledger/domain';
import { requestIdOf } from './logging.js';

/** An answer the gateway gives as `application/problem+json` (RFC 9457) with a stable code. */
export class Problem extends Error {
  override name = 'Problem';
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(`${code}: ${detail}`);
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** A lone surrogate echoed from bad input (a field name, say): replaced, so the answer is itself valid UTF-8 text. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (text: string) => text.replace(LONE_SURROGATE, '\uFFFD');

export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) res.setHeader(name, value);
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `urn:tender-ledger:problem:${problem.code}`,
        title: ERROR_CODES[problem.code].title,
        status: problem.status,
        code: problem.code,
        detail: wellFormed(problem.detail),
        ...(instance ? { instance } : {}),
        // The request id (X-Request-Id) of the access line that logged this answer.
        ...(typeof res.locals.requestId === 'string' ? { requestId: res.locals.requestId } : {}),
        ...(problem.extra.errors
          ? { errors: problem.extra.errors.map((e) => ({ field: wellFormed(e.field), message: wellFormed(e.message) })) }
          : {}),
      }),
    );
}

/** Marks a failure to reach the ledger (a backend throws it; the gateway answers 503). */
export class LedgerUnavailableError extends Error {
  override name = 'LedgerUnavailableError';
}

/**
 * A transaction was sent and its fate is not known (a commit status that did not come): it may
 * still land. The gateway answers 202 and never sends a new transaction for it.
 */
export class OutcomeUnknownError extends Error {
  override name = 'OutcomeUnknownError';
  constructor(
    readonly intent: { txId: string; envelope?: string },
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The codes a bare HTTP client error (from Express, its router or body-parser) is answered with. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** What body-parser and raw-body say, by their `type`, in words a client can act on. */
const BODY_ERRORS: Record<string, { code: ErrorCode; detail: string; field?: string }> = {
  'entity.parse.failed': { code: 'INVALID_ARGUMENT', detail: 'the body is not valid JSON', field: '/' },
  'entity.too.large': { code: 'PAYLOAD_TOO_LARGE', detail: 'the request body exceeds the limit' },
  'entity.verify.failed': { code: 'FORBIDDEN', detail: 'the body failed verification' },
  'encoding.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'unsupported content-encoding' },
  'charset.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'unsupported charset: send UTF-8' },
  'request.aborted': { code: 'INVALID_ARGUMENT', detail: 'the request was aborted before its body arrived' },
  'request.size.invalid': { code: 'INVALID_ARGUMENT', detail: 'the body is not as long as its content-length says' },
  'parameters.too.many': { code: 'PAYLOAD_TOO_LARGE', detail: 'too many parameters' },
};

/** The 4xx status an Express, router or body-parser error carries (`status` or `statusCode`), if any. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value < 500 ? value : undefined;
}

/** Seconds a client is told to wait before retrying while the ledger is unreachable. */
export const LEDGER_RETRY_AFTER_SECONDS = 2;

/** 503 LEDGER_UNAVAILABLE with a Retry-After: a peer or orderer being down is temporary. */
export function ledgerUnavailable(detail: string): Problem {
  return new Problem('LEDGER_UNAVAILABLE', detail, { headers: { 'retry-after': String(LEDGER_RETRY_AFTER_SECONDS) } });
}

/**
 * Turns anything thrown into a problem: ledger codes pass through, a client error raised by
 * Express or body-parser keeps its 4xx meaning (bad input is never a 500), everything else is ours.
 */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof LedgerUnavailableError) return ledgerUnavailable(error.message);
  const parsed = error instanceof Error ? parseLedgerError(error.message) : undefined;
  if (parsed) return new Problem(parsed.code, parsed.detail);
  const status = clientErrorStatus(error);
  if (status === undefined) return new Problem('INTERNAL', 'an unexpected error occurred');
  const type = (error as { type?: unknown }).type;
  const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
  if (known) return new Problem(known.code, known.detail, known.field ? { errors: [{ field: known.field, message: known.detail }] } : {});
  // The router's percent-decoding of a path parameter (`/v1/records/%zz`, overlong UTF-8 `%C0%AF`).
  if (error instanceof URIError)
    return new Problem('INVALID_ARGUMENT', 'a path segment is not valid percent-encoded UTF-8', {
      errors: [{ field: '/params', message: 'not valid percent-encoded UTF-8' }],
    });
  // A body that is not what its content-encoding says (zlib refused it: body-parser marks it 400).
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(Z_|ERR__ERROR)/.test(code)) {
    return new Problem('INVALID_ARGUMENT', 'the body could not be decoded by its content-encoding', {
      errors: [{ field: '/', message: 'not decodable by its content-encoding' }],
    });
  }
  // Any other client error keeps its status where a code has it, else it is bad input.
  return new Problem(
    CODE_BY_STATUS[status] ?? 'INVALID_ARGUMENT',
    error instanceof Error && (error as { expose?: unknown }).expose === true ? error.message : 'the request is not valid',
  );
}

/** The one error handler: every error becomes a problem; only unexpected ones are logged. */
export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const problem = toProblem(error);
  if (problem.code === 'INTERNAL') {
    const stack = error instanceof Error ? error.stack : String(error);
    if (req.log) req.log.error({ reqId: requestIdOf(res), method: req.method, err: stack }, 'unexpected error');
    else console.error(`${req.method} ${req.path} failed:`, stack);
  }
  if (res.headersSent) return;
  sendProblem(res, problem, req.originalUrl);
};
