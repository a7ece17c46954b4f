export { Witness, MAX_PROOF_LINES, type WitnessOptions, type AddCheckpointResult } from './witness.js';
export { CheckpointStore, KeyedLock } from './store.js';
export { createWitnessServer, type WitnessServerOptions } from './server.js';
export { loadOrCreateWitnessKey } from './keys.js';
export { readWitnessConfig, type WitnessConfig } from './config.js';
