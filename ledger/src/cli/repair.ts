#!/usr/bin/env node
import path from 'node:path';
import { describeLink } from '../integrity.js';
import { ledgerDirectoryFromEnv } from './data-dir.js';
import { repairLedger } from '../repair.js';
import { verifyLedger } from '../verify.js';

// `npm run ledger:repair -- --yes [--reason "..."]`: accept the loss a damaged store suffered and
// go on. Without --yes it only says what is damaged and what a repair would do. Exit 0 when the
// repaired ledger verifies, 1 when it still does not (restore a backup), 2 when unusable.
async function main(): Promise<number> {
  const directory = ledgerDirectoryFromEnv();
  if (directory === undefined) return 2;
  const args = process.argv.slice(2);
  const reasonAt = args.indexOf('--reason');
  const reason = reasonAt >= 0 ? (args[reasonAt + 1] ?? '') : 'operator repair after LEDGER_DAMAGED';
  const before = await verifyLedger(directory);
  for (const problem of before.problems) console.error(`damaged: ${describeLink(problem)}`);
  for (const line of before.leveldb) console.error(`  LevelDB: ${line}`);
  if (!args.includes('--yes')) {
    console.error(
      [
        '',
        'ledger:repair copies the store as it is to DATA_DIR/ledger-evidence/, lets LevelDB drop what it cannot read,',
        'records every missing block as LOST (its number is never used again; its records are gone for good),',
        'writes the durable head to match and logs all of it in ledger/LEDGER-REPAIRS.jsonl.',
        'Receipts naming lost blocks will no longer find their records. Restore a backup first if you have one,',
        'keeping the current LEDGER-HEAD (then this records only the blocks after the backup as lost).',
        'To go on: npm run ledger:repair -- --yes [--reason "..."]',
      ].join('\n'),
    );
    return 1;
  }
  console.error('!!! REPAIRING THE LEDGER: blocks that cannot be read are recorded as lost for good !!!');
  const report = await repairLedger(directory, path.join(path.dirname(directory), 'ledger-evidence'), reason);
  console.error(`store copied, untouched, to ${report.evidence}`);
  for (const lost of report.lost) console.error(`LOST: blocks ${lost.from}–${lost.to} (the next block links to ${lost.lastHash})`);
  for (const line of report.accepted) console.error(`ACCEPTED: ${line}`);
  console.error(
    `durable head now block ${report.after.height - 1} ${report.after.hash}; logged in ${path.join(directory, 'LEDGER-REPAIRS.jsonl')}`,
  );
  if (!report.verify.intact) {
    console.error(`still BROKEN after repair: ${report.verify.broken ? describeLink(report.verify.broken) : 'unknown'}; restore a backup`);
    return 1;
  }
  console.log(`ledger repaired and verified: ${report.verify.height} blocks`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`ledger:repair failed: ${(error as Error).message}`);
    process.exitCode = 2;
  },
);
