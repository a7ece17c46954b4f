export { startGateway, type RunningGateway, type GatewayOptions } from './gateway.js';
export { loadConfig, ConfigError, type GatewayConfig } from './config.js';
export { createServer, type GatewayDeps } from './server.js';
export type { LedgerBackend, Reader, Committed, SubmitOptions, TxIntent } from './backend.js';
export { OutcomeUnknownError } from './problem.js';
export { BiddingCloser, type BiddingCloserOptions, type ClosableProject } from './bidding-closer.js';
export { EmbeddedBackend } from './embedded-backend.js';
export { FabricBackend, laneOf, type FabricConnection, type FabricBackendOptions } from './fabric-backend.js';
export { Authenticator, callerKey, type Caller, type TrustedIssuer, type AuthenticatorOptions } from './auth.js';
export { Problem, toProblem } from './problem.js';
export { createLogger, type Logger, type LogLevel } from './logging.js';
export { GatewayMetrics, timePhase, type FabricObserver, type WatchableTlog } from './metrics.js';
export { describeStartupFailure, StartupError } from './startup.js';
export { TlogService, type GatewayLog, type TlogServiceOptions } from './tlog/service.js';
export { Checkpointer, type PublishedCheckpoint, type CheckpointSource } from './tlog/checkpointer.js';
export { LogMonitor, MonitorAlarm, type MonitorOptions, type MonitorStep, type SweepResult } from './tlog/monitor.js';
export { withProof } from './routers/tlog.js';
export { proofLink, proofQr } from './certificate.js';
export {
  parseTilePath,
  formatTilePath,
  encodeTileIndex,
  readTile,
  parseEntryBundle,
  type TilePath,
  type TileSource,
} from './tlog/tiles.js';
export { readTlogConfig, type TlogConfig, type WitnessEndpoint } from './tlog/config.js';
export { FabricLog } from './tlog/fabric-log.js';
export { blockHeaderHash, fabricBlockLeaves } from './fabric-blocks.js';
export { CommitWatcher, type BlockCommit } from './fabric-commits.js';
export { startPeerWitness, type PeerWitness } from './tlog/peer-witness.js';
export { loadOrCreateLogKey } from './tlog/log-key.js';
export { IdempotencyStore } from './idempotency.js';
export { ledgerAnswer } from './routers/http.js';
export { newNativeSigner, lowSDer, NATIVE_SIGNER_HASH } from './fabric-signer.js';
