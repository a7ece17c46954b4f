#!/usr/bin/env node
import path from 'node:path';
import { existsSync } from 'node:fs';
import { describeLink } from '../integrity.js';
import { verifyLedger } from '../verify.js';

// `npm run ledger:verify`: re-walks the ledger in DATA_DIR; exit 0 intact, 1 broken, 2 unusable.
// It works on a copy of the store: the damaged bytes stay on disk for whoever looks next.
async function main(): Promise<number> {
  const dataDir = path.resolve(process.env.DATA_DIR ?? 'data');
  const directory = path.join(dataDir, 'ledger');
  if (!existsSync(directory)) {
    console.error(`no ledger at ${directory} (set DATA_DIR)`);
    return 2;
  }
  const report = await verifyLedger(directory);
  for (const lost of report.lost) {
    console.warn(`warning: blocks ${lost.from}–${lost.to} were lost and accepted by ledger:repair at ${lost.repairedAt} (${lost.reason}); their records are gone`);
  }
  if (report.intact) {
    console.log(`ledger intact: ${report.height} blocks, ${report.transactions} transactions, ${report.records} records in ${report.projects} project chains, ${report.stateKeys} state keys, ${report.leaves} log leaves`);
    return 0;
  }
  const [first, ...more] = report.problems;
  console.error(`ledger BROKEN: ${first ? describeLink(first) : 'unknown'}`);
  for (const problem of more) console.error(`  also: ${describeLink(problem)}`);
  for (const line of report.leveldb) console.error(`  LevelDB: ${line}`);
  return 1;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error(`ledger:verify failed: ${(error as Error).message}`);
  process.exitCode = 2;
});
