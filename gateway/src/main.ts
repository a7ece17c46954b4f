#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.js';
import { startGateway, type RunningGateway } from './gateway.js';

/** Said loudly at start: the development issuer makes anyone who reads DATA_DIR any role. */
function devIssuerWarning(config: { dataDir: string; issuers: unknown[] }): string {
  const why = config.issuers.length === 0 ? 'no AUTH_ISSUERS are configured' : 'AUTH_DEV_ISSUER=true';
  return [
    '',
    '!!! DEVELOPMENT ISSUER TRUSTED (' + why + '): anyone who can read',
    `!!! ${config.dataDir}/keys can mint tokens of any role. For production configure`,
    '!!! AUTH_ISSUERS (and AUTH_DEV_ISSUER=false if set); it is never trusted on Fabric.',
    '',
  ].join('\n');
}

// `npm start`: the gateway on the embedded ledger in DATA_DIR, unless configured otherwise.
async function main(): Promise<void> {
  const config = loadConfig();
  // Signals are taken before the gateway announces itself, so a SIGTERM right after start drains too.
  let gateway: RunningGateway | undefined;
  let stopping: string | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    if (gateway) drain(gateway, signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  gateway = await startGateway(config);
  if (stopping) {
    drain(gateway, stopping);
    return;
  }
  console.log(`Tender evidence gateway listening on ${gateway.url} (${config.ledgerBackend} ledger, data in ${config.dataDir})`);
  console.log(`  verify a document or a receipt:  ${gateway.url}/`);
  console.log(`  API description:                 ${gateway.url}/openapi.json`);
  if (config.devIssuer) {
    console.log('  development tokens:              npm run token -- --role platform --sub <id>');
    console.warn(devIssuerWarning(config));
  }
}

/** No new requests; writes already started finish and are answered; then the stores close. */
function drain(gateway: RunningGateway, signal: string): void {
  console.log(`${signal}: closing (no new requests; finishing the writes under way)`);
  gateway.close().then(() => {
    console.log('closed: every write under way finished, stores closed');
    process.exit(0);
  }, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `configuration: ${error.message}` : error);
  process.exit(1);
});
