import './quiet-contract-logs.js';
export {
  EmbeddedLedger,
  InvocationError,
  freshTxId,
  type CommittedTransaction,
  type ContractClass,
  type EmbeddedLedgerOptions,
  type Invocation,
  type SubmitHooks,
} from './ledger.js';
export type { LedgerIdentity } from './identity.js';
export type { Block, BlockTransaction, StateWrite, ChaincodeEvent } from './block.js';
export { verifyLedger, type VerifyReport, type VerifyOptions, type VerifyProgress } from './verify.js';
export { LedgerLog, leafDataOf, blockLeaves, verifyLog, type LoggedBlock } from './tlog.js';
export { LedgerDamagedError, describeLink, type BrokenLink, type LostBlocks } from './integrity.js';
export { repairLedger, type RepairReport } from './repair.js';
export { lockHolder, runningGateway, GATEWAY_PID_FILE, type GatewayPidFile, type LockHolder } from './lock.js';
