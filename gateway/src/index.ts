export { startGateway, type RunningGateway, type GatewayOptions } from './gateway.js';
export { loadConfig, ConfigError, type GatewayConfig } from './config.js';
export { createServer, type GatewayDeps } from './server.js';
export type { LedgerBackend, Reader, Committed } from './backend.js';
export { BiddingCloser, type BiddingCloserOptions, type ClosableProject } from './bidding-closer.js';
export { EmbeddedBackend } from './embedded-backend.js';
export { FabricBackend, blockHeaderHash, type FabricConnection, type FabricBackendOptions } from './fabric-backend.js';
export { Authenticator, callerKey, type Caller, type TrustedIssuer, type AuthenticatorOptions } from './auth.js';
export { Problem, toProblem } from './problem.js';
