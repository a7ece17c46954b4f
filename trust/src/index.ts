// The allow-list of what the gateway and the SDK share. Receipt verification runs in browsers
// too (the pages import ./receipt.js alone); the development issuer needs Node's file system.
export { verifyReceipt, type VerifiedReceipt } from './receipt.js';
export { TenderLedgerError, ReceiptVerificationError, type ReceiptErrorCode } from './errors.js';
export { loadOrCreateDevIssuerKey, devIssuerJwks, mintDevToken, type DevTokenOptions } from './dev-issuer.js';
