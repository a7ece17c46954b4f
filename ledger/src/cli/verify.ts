#!/usr/bin/env node
import path from 'node:path';
import { existsSync } from 'node:fs';
import { verifyLedger } from '../verify.js';

// `npm run ledger:verify`: re-walks the ledger in DATA_DIR; exit 0 intact, 1 broken, 2 unusable.
async function main(): Promise<number> {
  const dataDir = path.resolve(process.env.DATA_DIR ?? 'data');
  const directory = path.join(dataDir, 'ledger');
  if (!existsSync(directory)) {
    console.error(`no ledger at ${directory} (set DATA_DIR)`);
    return 2;
  }
  const report = await verifyLedger(directory);
  if (report.intact) {
    console.log(`ledger intact: ${report.height} blocks, ${report.transactions} transactions, ${report.records} records in ${report.projects} project chains, ${report.stateKeys} state keys`);
    return 0;
  }
  const where = [
    report.broken?.block !== undefined ? `block ${report.broken.block}` : undefined,
    report.broken?.key !== undefined ? `key ${JSON.stringify(report.broken.key)}` : undefined,
    report.broken?.txId !== undefined ? `tx ${report.broken.txId}` : undefined,
  ].filter(Boolean).join(', ');
  console.error(`ledger BROKEN: ${report.broken?.reason}${where ? ` at ${where}` : ''}`);
  return 1;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error(`ledger:verify failed: ${(error as Error).message}`);
  process.exitCode = 2;
});
