import './quiet-contract-logs.js';
export { EmbeddedLedger, InvocationError, type CommittedTransaction, type ContractClass, type EmbeddedLedgerOptions, type Invocation } from './ledger.js';
export type { LedgerIdentity } from './identity.js';
export type { Block, BlockTransaction, StateWrite, ChaincodeEvent } from './block.js';
export { verifyLedger, type VerifyReport, type BrokenLink } from './verify.js';
