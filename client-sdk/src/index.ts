export { TenderLedgerClient, type ClientOptions, type WriteOptions, type WriteResult, type TrailResult, type HashLookup, type OnlineReceiptCheck } from './client.js';
export { commitBid, type CommitBidInput, type CommittedBid } from './commitment.js';
export { sha256File } from './hash.js';
export { verifyReceipt, type VerifiedReceipt } from '@tender-ledger/trust';
export { verifyEvidencePackage, type PackageReport, type PackagedRecordCheck } from './evidence-package.js';
export {
  verifyBidInclusion, commitmentsRoot, batchInclusion, verifyBatchInclusion,
  type BidInclusionProof, type BidInclusionResult, type BidInclusionFailure, type BatchInclusion,
} from './inclusion.js';
export {
  TenderLedgerError, ProblemError, ValidationError, AuthError, NotFoundError, RuleViolationError, RateLimitError,
  ServerError, NetworkError, WritePendingError, InvalidResponseError, ReceiptVerificationError, InvalidBidError, type Problem, type ReceiptErrorCode,
} from './errors.js';
export { DEV_ISSUER, DEFAULT_AUDIENCE, ROLES, type Role } from '@tender-ledger/domain';
export { mintDevToken, devIssuerJwks, loadOrCreateDevIssuerKey, type DevTokenOptions } from '@tender-ledger/trust';
export {
  verifyProof, parseLogPolicy, logPolicy, LedgerError, type ErrorCode, type TlogPolicy, type VerifiedProof, type VerifiedCheckpoint, type VerifyOptions,
} from './transparency.js';
