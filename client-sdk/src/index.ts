export {
  TenderLedgerClient,
  type ClientOptions,
  type WriteOptions,
  type WriteResult,
  type TrailResult,
  type HashLookup,
  type OnlineReceiptCheck,
} from './client.js';
export { commitBid, type CommitBidInput, type CommittedBid } from './commitment.js';
export { sha256File } from './hash.js';
export { verifyReceipt, type VerifiedReceipt } from '@tender-ledger/trust';
export { verifyEvidencePackage, type PackageReport, type PackagedRecordCheck } from './evidence-package.js';
export {
  verifyBidInclusion,
  batchInclusion,
  verifyBatchInclusion,
  type BidInclusionProof,
  type BidInclusionResult,
  type BidInclusionFailure,
  type BatchInclusion,
} from './inclusion.js';
export {
  TenderLedgerError,
  ProblemError,
  ValidationError,
  AuthError,
  NotFoundError,
  RuleViolationError,
  RateLimitError,
  ServerError,
  NetworkError,
  WritePendingError,
  InvalidResponseError,
  ReceiptVerificationError,
  InvalidBidError,
  type Problem,
  type ReceiptErrorCode,
} from './errors.js';
export { DEV_ISSUER, DEFAULT_AUDIENCE, ROLES, type Role } from '@tender-ledger/domain';
// The opening's commitments root, for checkChain: one definition, in the log's Merkle code.
export { commitmentsRoot } from '@tender-ledger/tlog';
export { mintDevToken, devIssuerJwks, loadOrCreateDevIssuerKey, type DevTokenOptions } from '@tender-ledger/trust';
export {
  verifyProof,
  parseLogPolicy,
  logPolicy,
  LedgerError,
  type ErrorCode,
  type TlogPolicy,
  type VerifiedProof,
  type VerifiedCheckpoint,
  type VerifyOptions,
} from './transparency.js';
