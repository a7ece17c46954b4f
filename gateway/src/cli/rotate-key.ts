#!/usr/bin/env node
import { existsSync } from 'node:fs';
import path from 'node:path';
import { lockHolder, runningGateway } from '@tender-ledger/embedded-ledger';
import { loadConfig } from '../config.js';
import { ReceiptSigner } from '../receipts.js';

/** Asks the gateway's JWKS until it publishes `kid` (it reloads keys on SIGHUP), for up to `ms`. */
async function published(url: string, kid: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const jwks = (await (await fetch(`${url}/.well-known/jwks.json`, { signal: AbortSignal.timeout(1_000) })).json()) as {
        keys: { kid?: string }[];
      };
      if (jwks.keys.some((k) => k.kid === kid)) return true;
    } catch {
      // Not answering yet: ask again.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

// `npm run keys:rotate`: a new receipt signing key becomes current; old keys stay published,
// so every receipt signed before still verifies. A gateway running on DATA_DIR (named by its pid
// file) is sent SIGHUP and reloads its keys; the tool says plainly when a restart is needed instead.
async function main(): Promise<number> {
  const config = loadConfig();
  const signer = await ReceiptSigner.open(config.dataDir, config.receiptIssuer);
  const previous = signer.currentKid;
  const kid = await signer.rotate();
  console.log(`receipt signing key rotated: ${previous} -> ${kid} (${signer.jwks().keys.length} keys published)`);
  let gateway = await runningGateway(config.dataDir);
  // A pid file left by a killed gateway may name a pid since given to another process: signal
  // only the process that holds this DATA_DIR's idempotency store (every gateway opens it).
  if (gateway && existsSync('/proc/self/fd')) {
    const holder = await lockHolder(path.join(config.dataDir, 'gateway', 'idempotency'), config.dataDir);
    if (holder?.seen !== 'proc' || holder.pid !== gateway.pid) gateway = undefined;
  }
  if (!gateway) {
    console.log(`no gateway is running on ${config.dataDir}: the next start signs with ${kid}`);
    return 0;
  }
  const where = `the gateway (pid ${gateway.pid}${gateway.url ? ` at ${gateway.url}` : ''})`;
  if (!gateway.sighup) {
    console.log(`RESTART NEEDED: ${where} does not reload keys in place; it signs with ${previous} until restarted`);
    return 0;
  }
  process.kill(gateway.pid, 'SIGHUP');
  if (gateway.url && (await published(gateway.url, kid, 5_000))) {
    console.log(`${where} reloaded its keys: it signs with ${kid} from now on`);
    return 0;
  }
  console.error(`${where} was sent SIGHUP but does not publish ${kid} yet: restart it to sign with the new key`);
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  },
);
