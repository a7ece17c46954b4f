export { TenderLedgerClient, type ClientOptions, type WriteOptions, type WriteResult, type TrailResult, type HashLookup, type OnlineReceiptCheck } from './client.js';
export { commitBid, type CommitBidInput, type CommittedBid } from './commitment.js';
export { sha256File } from './hash.js';
export { verifyReceipt, type VerifiedReceipt } from './receipt.js';
export { verifyEvidencePackage, type PackageReport, type PackagedRecordCheck } from './evidence-package.js';
export {
  TenderLedgerError, ProblemError, ValidationError, AuthError, NotFoundError, RuleViolationError, RateLimitError,
  ServerError, NetworkError, WritePendingError, ReceiptVerificationError, InvalidBidError, type Problem, type ReceiptErrorCode,
} from './errors.js';
export { DEV_ISSUER, DEFAULT_AUDIENCE, ROLES, mintDevToken, devIssuerJwks, loadOrCreateDevIssuerKey, type Role, type DevTokenOptions } from './dev-issuer.js';
export {
  verifyProof, parseLogPolicy, logPolicy, LedgerError, type ErrorCode, type TlogPolicy, type VerifiedProof, type VerifiedCheckpoint, type VerifyOptions,
} from './transparency.js';
