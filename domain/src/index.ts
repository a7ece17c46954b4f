export { canonicalJson, canonicalHash, sha256Hex } from './canonical.js';
export { ERROR_CODES, LedgerError, isErrorCode, parseLedgerError, type ErrorCode } from './errors.js';
export * from './schemas.js';
export * from './records.js';
export { bidCommitment, type SealedBid } from './commitment.js';
export * from './access.js';
export * from './project.js';
export * from './receipt.js';
export * from './reports.js';
