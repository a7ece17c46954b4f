import { expect } from 'chai';
import { parseLedgerError, type ErrorCode } from '@tender-ledger/domain';

/** Awaits a refusal and checks its code, recovered from the message as a client would. */
export async function expectRefusal(promise: Promise<unknown>, code: ErrorCode): Promise<string> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected a refusal with ${code}`).to.be.instanceOf(Error);
  const message = (error as Error).message;
  expect(parseLedgerError(message)?.code, message).to.equal(code);
  return message;
}
