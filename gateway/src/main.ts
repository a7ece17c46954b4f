#!/usr/bin/env node
import { loadConfig, type GatewayConfig } from './config.js';
import type { RunningGateway } from './gateway.js';
import { createLogger, type Logger } from './logging.js';
import { describeStartupFailure } from './startup.js';

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
let config: Readonly<GatewayConfig> | undefined;
let log: Logger | undefined;

async function main(): Promise<void> {
  config = loadConfig();
  const logger = createLogger(config.logLevel);
  log = logger;
  // Signals are taken before the gateway announces itself, so a SIGTERM right after start drains too.
  let gateway: RunningGateway | undefined;
  let stopping: string | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    if (gateway) drain(gateway, signal, logger);
  };
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  // `npm run keys:rotate` signals a running gateway: the new key signs from now on, and is published.
  process.on('SIGHUP', () => {
    const running = gateway;
    if (!running) return;
    running.reloadKeys().then(
      (kid) => {
        logger.info({ kid }, `SIGHUP: receipt keys reloaded; signing with ${kid}`);
      },
      (error: unknown) => {
        logger.error(`SIGHUP: receipt keys not reloaded, still signing with ${running.receipts.currentKid}: ${(error as Error).message}`);
      },
    );
  });
  // Loaded after the configuration is read: a bad value is said at once, not after every module loads.
  const { startGateway } = await import('./gateway.js');
  gateway = await startGateway(config, { logger, sighup: true });
  if (stopping) {
    drain(gateway, stopping, logger);
    return;
  }
  const { url } = gateway;
  logger.info(
    { url, backend: config.ledgerBackend, dataDir: config.dataDir, pid: process.pid, receiptKid: gateway.receipts.currentKid },
    `Tender evidence gateway listening on ${url} (${config.ledgerBackend} ledger, data in ${config.dataDir}); pages ${url}/, API ${url}/openapi.json, metrics ${url}/metrics`,
  );
  if (config.devIssuer) {
    logger.warn('development issuer trusted: development tokens with npm run token -- --role platform --sub <id>');
    console.warn(devIssuerWarning(config));
  }
}

/** No new requests; writes already started finish and are answered; then the stores close. */
function drain(gateway: RunningGateway, signal: string, logger: Logger): void {
  logger.info(`${signal}: closing (no new requests; finishing the writes under way)`);
  gateway.close().then(
    () => {
      logger.info('closed: every write under way finished, stores closed');
      logger.flush();
      process.exit(0);
    },
    (error: unknown) => {
      logger.fatal({ err: error instanceof Error ? error.stack : String(error) }, 'closing failed');
      logger.flush();
      process.exit(1);
    },
  );
}

// A start-up failure is one line on stderr (and one fatal log line once the log exists) and exit 1.
main().catch(async (error: unknown) => {
  const line = await describeStartupFailure(error, config ?? {});
  log?.fatal(line);
  log?.flush();
  process.stderr.write(`tender-gateway: ${line}\n`, () => process.exit(1));
});
