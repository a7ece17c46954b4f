import { expect } from 'chai';
import { ERROR_CODES, parseLedgerError, type ErrorCode } from '@tender-ledger/domain';

/** How a call was refused: the SDK's problem (status and code), or the contract's error (code only). */
export interface Refusal {
  code: string;
  /** The HTTP status, when the refusal came over HTTP. */
  status?: number;
  error: Error;
}

/**
 * Awaits a call that must fail and says how. An SDK error carries the problem's status and
 * code (an offline check's error its code); a contract's error that crossed a process boundary
 * carries its code only in the message, recovered as a client would.
 */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (caught) {
    expect(caught, 'the refusal is an Error').to.be.instanceOf(Error);
    const error = caught as Error & { status?: unknown; code?: unknown };
    const status = typeof error.status === 'number' ? error.status : undefined;
    const code = typeof error.code === 'string' ? error.code : (parseLedgerError(error.message)?.code ?? '');
    return { code, ...(status !== undefined ? { status } : {}), error };
  }
  throw new Error('expected a refusal, and the call succeeded');
}

/**
 * The one refusal assertion, on every host (the contract in-process, the embedded ledger, a
 * Fabric network, the gateway over HTTP): the call is refused with `code`, and over HTTP with
 * the status the error table gives that code. Gives the error, whose message names the rule.
 */
export async function expectRefusal(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const got = await refusal(promise);
  expect(got.code, got.error.message).to.equal(code);
  if (got.status !== undefined) expect(got.status, `${code}: ${got.error.message}`).to.equal(ERROR_CODES[code].status);
  return got.error;
}
