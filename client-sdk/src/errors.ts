import { TenderLedgerError } from '@tender-ledger/trust';

export { TenderLedgerError, ReceiptVerificationError, type ReceiptErrorCode } from '@tender-ledger/trust';

/**
 * A problem document (RFC 9457) as the gateway sends it.
 *
 * @example
 * catch (error) { if (error instanceof ProblemError) console.log(error.problem.status, error.problem.code, error.problem.detail); }
 */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

/**
 * The gateway answered with a problem. `code` is one of the domain's error codes.
 *
 * @example
 * catch (error) { if (error instanceof ProblemError && error.status === 409) console.log(error.code); }
 */
export class ProblemError extends TenderLedgerError {
  override name = 'ProblemError';
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.code, `${problem.code}: ${problem.detail ?? problem.title ?? `HTTP ${problem.status}`}`);
    this.status = problem.status;
    this.problem = problem;
  }
}

/**
 * 400: the request broke its schema; `fields` says which.
 *
 * @example
 * catch (error) { if (error instanceof ValidationError) for (const f of error.fields) console.log(f.field, f.message); }
 */
export class ValidationError extends ProblemError {
  override name = 'ValidationError';
  get fields(): { field: string; message: string }[] {
    return this.problem.errors ?? [];
  }
}
/**
 * 401 or 403: no valid token, or not allowed (`NOT_PROJECT_OWNER`, `READ_ONLY_IDENTITY`, ...).
 *
 * @example
 * catch (error) { if (error instanceof AuthError && error.code === 'UNAUTHENTICATED') token = await renew(); }
 */
export class AuthError extends ProblemError {
  override name = 'AuthError';
}
/**
 * 404: no such project, record or bidder.
 *
 * @example
 * catch (error) { if (error instanceof NotFoundError) console.log('no such project'); }
 */
export class NotFoundError extends ProblemError {
  override name = 'NotFoundError';
}
/**
 * 409: the ledger refused a step that breaks a tender rule; `code` names the rule.
 *
 * @example
 * catch (error) { if (error instanceof RuleViolationError && error.code === 'BID_AFTER_DEADLINE') console.log('too late'); }
 */
export class RuleViolationError extends ProblemError {
  override name = 'RuleViolationError';
}
/**
 * 429, after the SDK's own retries.
 *
 * @example
 * catch (error) { if (error instanceof RateLimitError) await new Promise((r) => setTimeout(r, 60_000)); }
 */
export class RateLimitError extends ProblemError {
  override name = 'RateLimitError';
}
/**
 * 5xx, after the SDK's own retries (`LEDGER_UNAVAILABLE` when a peer or the orderer is down).
 *
 * @example
 * catch (error) { if (error instanceof ServerError) console.error('try again later:', error.code); }
 */
export class ServerError extends ProblemError {
  override name = 'ServerError';
}

/**
 * A bid that cannot be sealed as given (bad salt, hash, id or price); nothing was sent.
 * `fields` names each bad field as a JSON pointer.
 *
 * @example
 * catch (error) { if (error instanceof InvalidBidError) console.log(error.fields); } // [{ field: '/salt', message: ... }]
 */
export class InvalidBidError extends TenderLedgerError {
  override name = 'InvalidBidError';
  readonly fields: { field: string; message: string }[];
  constructor(fields: { field: string; message: string }[]) {
    super('INVALID_ARGUMENT', `the bid cannot be sealed: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`);
    this.fields = fields;
  }
}

/**
 * The gateway could not be reached (after retries); `code` is `NETWORK`.
 *
 * @example
 * catch (error) { if (error instanceof NetworkError) console.error('gateway unreachable', error.cause); }
 */
export class NetworkError extends TenderLedgerError {
  override name = 'NetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('NETWORK', message, options);
  }
}

/**
 * The gateway answered with a body that is not what its OpenAPI document promises for that call
 * (not JSON, or JSON of another shape): another server at that URL, a proxy's page, a gateway of
 * another version. Nothing of it is returned; `fields` names each part that broke the schema.
 * `code` is `INVALID_RESPONSE`.
 *
 * @example
 * catch (error) { if (error instanceof InvalidResponseError) console.error(error.status, error.fields); }
 */
export class InvalidResponseError extends TenderLedgerError {
  override name = 'InvalidResponseError';
  constructor(
    message: string,
    readonly status: number,
    readonly fields: { field: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super('INVALID_RESPONSE', message, options);
  }
}

/**
 * A write whose outcome the gateway still did not know when the client stopped asking (202).
 * Nothing new was sent for it: send the same request with the same `idempotencyKey` later, or
 * look for the record `txId` names.
 *
 * @example
 * try { await client.notarise(doc, { idempotencyKey }); }
 * catch (e) { if (e instanceof WritePendingError) queueForLater(e.idempotencyKey); }
 */
export class WritePendingError extends TenderLedgerError {
  override name = 'WritePendingError';
  constructor(
    message: string,
    readonly idempotencyKey: string,
    readonly txId?: string,
  ) {
    super('WRITE_PENDING', message);
  }
}

/** Builds the typed error for a problem document. */
export function problemError(problem: Problem): ProblemError {
  const status = problem.status;
  if (status === 400 || status === 413 || status === 415 || status === 422) return new ValidationError(problem);
  if (status === 401 || status === 403) return new AuthError(problem);
  if (status === 404) return new NotFoundError(problem);
  if (status === 409) return new RuleViolationError(problem);
  if (status === 429) return new RateLimitError(problem);
  if (status >= 500) return new ServerError(problem);
  return new ProblemError(problem);
}
