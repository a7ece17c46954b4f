#!/usr/bin/env node
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { formatPolicy, parsePolicy, type TlogPolicy } from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';
import { LogMonitor, MonitorAlarm } from '../tlog/monitor.js';

const USAGE =
  'usage: npm run monitor -- <gateway URL> [--policy <tlog-policy file> | --log-key <verifier key>] [--record <public record id>]... [--witness <witness URL>]... ' +
  '[--no-public-records | --public-records-per-poll <n>] [--interval <ms>] [--once]   (MONITOR_TOKEN: a token to list projects with, where the gateway asks for one)';

/**
 * `npm run monitor -- <gateway URL>`: follows the log's checkpoints and tiles until stopped, and
 * recomputes the leaf of every public record it finds (the project list and the public trails)
 * and of each `--record`. Exit 1 (naming the sizes and roots, or the record) on a rewrite, a
 * split view, a bad tile or a record that is not its leaf; 2 on bad usage.
 */
async function main(argv: string[]): Promise<number> {
  const url = argv.find((a) => !a.startsWith('--') && /^https?:\/\//.test(a));
  const option = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (url === undefined) {
    console.error(USAGE);
    return 2;
  }
  const intervalMs = Number(option('--interval') ?? 1000);
  let policy: TlogPolicy;
  const policyFile = option('--policy');
  const logKey = option('--log-key');
  if (policyFile !== undefined) policy = parsePolicy(await readFile(policyFile, 'utf8'), { ed25519: nodeEd25519 });
  else if (logKey !== undefined)
    policy = parsePolicy(formatPolicy({ logs: [logKey], witnesses: [], threshold: 0 }), { ed25519: nodeEd25519 });
  else {
    // Trust on first use: fine for a first look, not for evidence. Pin the key with --log-key.
    const text = await (await fetch(`${url.replace(/\/+$/, '')}/log/policy`)).text();
    policy = parsePolicy(text, { ed25519: nodeEd25519 });
    console.warn(`monitor: no --policy or --log-key; trusting the log key the gateway names (${policy.logs[0]?.name ?? '?'}) on first use`);
  }
  const sweep = !argv.includes('--no-public-records');
  const perPoll = Number(option('--public-records-per-poll') ?? 500);
  if (!Number.isSafeInteger(perPoll) || perPoll < 1) {
    console.error(USAGE);
    return 2;
  }
  // Only to find records where the gateway lists projects to signed-in callers alone: the records
  // themselves are read as the public. From the environment, so it shows in no process list.
  const listToken = process.env.MONITOR_TOKEN;
  const monitor = new LogMonitor({ url, policy, sweepLimit: perPoll, ...(listToken ? { listToken } : {}) });
  // Every value given to a repeatable flag, in order.
  const values = (flag: string) =>
    argv.flatMap((a, i) => {
      const value = argv[i + 1];
      return a === flag && value !== undefined ? [value] : [];
    });
  const records = values('--record');
  const leafChecked = new Set<string>();
  // What the witnesses hold: the checkpoints other parties were shown. One of another root at a
  // size the monitor saw is a split view.
  const witnessUrls = values('--witness').map((url) => url.replace(/\/+$/, ''));
  const origin = policy.logs[0]?.name ?? '';
  const originHash = createHash('sha256').update(origin, 'utf8').digest('hex');
  let lastSweepProblem = '';
  for (;;) {
    try {
      const step = await monitor.poll();
      for (const w of witnessUrls) {
        const res = await fetch(`${w}/${originHash}/checkpoint`);
        if (res.status === 200) await monitor.check(await res.text());
      }
      // Public records named on the command line: their leaves recomputed from their content, once.
      for (const id of records.filter((r) => !leafChecked.has(r))) {
        const found = await monitor.checkRecord(id);
        if (found !== 'sealed') {
          leafChecked.add(id);
          console.log(`record ${id}: leaf ${found.index} recomputed from its public content`);
        }
      }
      if (step.newLeaves > 0 || monitor.seen.size === 1)
        console.log(`checkpoint size ${step.size} root ${step.root}: consistent (${step.newLeaves} new leaves)`);
      // Every public record the gateway lists: its leaf recomputed from its content, once.
      if (sweep) {
        try {
          const swept = await monitor.sweepPublicRecords();
          console.log(`public records: ${swept.checked} checked this poll, ${swept.total} in all${swept.more ? ' (more next poll)' : ''}`);
          lastSweepProblem = '';
        } catch (error) {
          if (error instanceof MonitorAlarm) throw error;
          // Said once, not every poll: a listing the gateway refuses stays refused.
          const problem = (error as Error).message;
          if (problem !== lastSweepProblem) console.warn(`monitor: public records not swept: ${problem}; trying again each poll`);
          lastSweepProblem = problem;
        }
      }
    } catch (error) {
      if (error instanceof MonitorAlarm) {
        console.error(`ALARM ${error.message}`);
        return 1;
      }
      console.warn(`monitor: ${(error as Error).message}; trying again`);
    }
    if (argv.includes('--once')) return 0;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`monitor failed: ${(error as Error).message}`);
    process.exitCode = 2;
  },
);
