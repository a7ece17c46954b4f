/**
 * Base class of every error the SDK throws; `code` is stable, the message is for people.
 *
 * @example
 * catch (error) { if (error instanceof TenderLedgerError) console.error(error.code); }
 */
export class TenderLedgerError extends Error {
  override name = 'TenderLedgerError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Why a receipt does not verify.
 *
 * @example
 * catch (error) { if (error instanceof ReceiptVerificationError && error.code === 'RECEIPT_BAD_SIGNATURE') ... }
 */
export type ReceiptErrorCode = 'RECEIPT_MALFORMED' | 'RECEIPT_UNKNOWN_KEY' | 'RECEIPT_BAD_SIGNATURE' | 'RECEIPT_BAD_CLAIMS';

/**
 * A receipt that does not verify, and why.
 *
 * @example
 * try { await verifyReceipt(receipt, jwks); } catch (error) { if (error instanceof ReceiptVerificationError) console.log(error.code); }
 */
export class ReceiptVerificationError extends TenderLedgerError {
  override name = 'ReceiptVerificationError';
  declare readonly code: ReceiptErrorCode;
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor -- it narrows `code` to a ReceiptErrorCode, which keeps the declared field true
  constructor(code: ReceiptErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
