#!/usr/bin/env node
import path from 'node:path';
import { describeLink } from '../integrity.js';
import { ledgerDirectoryFromEnv } from './data-dir.js';
import { lockHolder } from '../lock.js';
import { verifyLedger, type VerifyProgress } from '../verify.js';

// `npm run ledger:verify`: re-walks the ledger in DATA_DIR; exit 0 intact, 1 broken, 2 unusable,
// 3 in use by another process (nothing verified unless --while-running). `--json` prints the
// report as JSON on stdout instead of sentences.
// It works on a copy of the store: the damaged bytes stay on disk for whoever looks next.
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const whileRunning = args.includes('--while-running');
  const json = args.includes('--json');
  const directory = ledgerDirectoryFromEnv();
  if (directory === undefined) return 2;
  const dataDir = path.dirname(directory);
  // A store in use is being written: a copy taken now may end in a block half-written, which reads
  // like damage at the end of a log. So say who holds it, and verify only when asked to anyway.
  const holder = await lockHolder(directory, dataDir);
  if (holder && !whileRunning) {
    console.error(`the ledger in ${directory} is in use by ${holder.description} (LevelDB LOCK held); nothing verified.`);
    console.error('  For a verdict on the store itself: stop the gateway (SIGTERM drains it), then run npm run ledger:verify again.');
    console.error('  To verify anyway, on a copy taken now: npm run ledger:verify -- --while-running');
    console.error('  (blocks written while the copy is taken may show as damage at the end of a log; run again to tell).');
    return 3;
  }
  if (holder)
    (json ? console.error : console.log)(
      `verifying a copy of the ledger taken while ${holder.description} holds it; blocks written after the copy are not covered`,
    );
  // A progress line for a person watching, never into a pipe or a log (nor into --json output).
  const progress = process.stderr.isTTY && !json ? showProgress : undefined;
  const report = await verifyLedger(directory, { progress });
  if (progress) process.stderr.write('\r\x1b[K');
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.intact ? 0 : 1;
  }
  for (const lost of report.lost) {
    console.warn(
      `warning: blocks ${lost.from}–${lost.to} were lost and accepted by ledger:repair at ${lost.repairedAt} (${lost.reason}); their records are gone`,
    );
  }
  if (report.intact) {
    console.log(
      `ledger intact: ${report.height} blocks, ${report.transactions} transactions, ${report.records} records in ${report.projects} project chains, ${report.stateKeys} state keys, ${report.leaves} log leaves`,
    );
    return 0;
  }
  const [first, ...more] = report.problems;
  console.error(`ledger BROKEN: ${first ? describeLink(first) : 'unknown'}`);
  for (const problem of more) console.error(`  also: ${describeLink(problem)}`);
  for (const line of report.leveldb) console.error(`  LevelDB: ${line}`);
  return 1;
}

function showProgress(p: VerifyProgress): void {
  const seconds = p.elapsedMs / 1000;
  const line =
    p.phase === 'keys'
      ? `ledger:verify: reading state and history, ${p.done.toLocaleString('en')} history entries (${seconds.toFixed(0)} s)`
      : `ledger:verify: block ${p.done.toLocaleString('en')} of ${p.height.toLocaleString('en')}, ${p.transactions.toLocaleString('en')} transactions (${Math.round(p.transactions / seconds).toLocaleString('en')}/s overall, ${seconds.toFixed(0)} s)`;
  process.stderr.write(`\r\x1b[K${line}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`ledger:verify failed: ${(error as Error).message}`);
    process.exitCode = 2;
  },
);
