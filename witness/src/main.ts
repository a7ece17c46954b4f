#!/usr/bin/env node
import path from 'node:path';
import { formatVerifierKey, SIG_COSIGNATURE_V1 } from '@tender-ledger/tlog';
import { readWitnessConfig } from './config.js';
import { loadOrCreateWitnessKey } from './keys.js';
import { createWitnessServer } from './server.js';
import { CheckpointStore } from './store.js';
import { Witness } from './witness.js';

async function main(): Promise<void> {
  const config = readWitnessConfig();
  const key = await loadOrCreateWitnessKey(config.dir, config.name);
  const store = new CheckpointStore(path.join(config.dir, 'checkpoints'));
  await store.init();
  const witness = new Witness({ name: key.name, signer: key.signer, logs: config.logs, store });
  const server = createWitnessServer({ witness }).listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    console.log(`witness ${key.name} on http://${config.host}:${port}`);
    console.log(`verifier key: ${formatVerifierKey(key.name, SIG_COSIGNATURE_V1, key.signer.publicKey)}`);
    console.log(`witnessing: ${config.logs.map((l) => l.name).join(', ')}`);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
