import type { ErrorRequestHandler, Response } from 'express';
import { ERROR_CODES, parseLedgerError, type ErrorCode, type FieldError } from '@tender-ledger/domain';

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

export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify({
    type: `urn:tender-ledger:problem:${problem.code}`,
    title: ERROR_CODES[problem.code].title,
    status: problem.status,
    code: problem.code,
    detail: problem.detail,
    ...(instance ? { instance } : {}),
    ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
  }));
}

/** Marks a failure to reach the ledger (a backend throws it; the gateway answers 503). */
export class LedgerUnavailableError extends Error {
  override name = 'LedgerUnavailableError';
}

/** Turns anything thrown into a problem: ledger codes pass through, everything else is ours. */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof LedgerUnavailableError) return new Problem('LEDGER_UNAVAILABLE', error.message);
  const parsed = error instanceof Error ? parseLedgerError(error.message) : undefined;
  if (parsed) return new Problem(parsed.code, parsed.detail);
  const type = (error as { type?: string } | undefined)?.type;
  if (type === 'entity.too.large') return new Problem('PAYLOAD_TOO_LARGE', 'the request body exceeds the limit');
  if (type === 'entity.parse.failed') return new Problem('INVALID_ARGUMENT', 'the body is not valid JSON', { errors: [{ field: '/', message: 'not valid JSON' }] });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new Problem('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
  return new Problem('INTERNAL', 'an unexpected error occurred');
}

/** The one error handler: every error becomes a problem; only unexpected ones are logged. */
export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const problem = toProblem(error);
  if (problem.code === 'INTERNAL') {
    console.error(`${req.method} ${req.path} failed:`, error instanceof Error ? error.stack : error);
  }
  if (res.headersSent) return;
  sendProblem(res, problem, req.originalUrl);
};
