#!/usr/bin/env node
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { formatPolicy, parsePolicy, type TlogPolicy } from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';
import { LogMonitor, MonitorAlarm } from '../tlog/monitor.js';

const USAGE = 'usage: npm run monitor -- <gateway URL> [--policy <tlog-policy file> | --log-key <verifier key>] [--record <public record id>]... [--witness <witness URL>]... [--interval <ms>] [--once]';

/**
 * `npm run monitor -- <gateway URL>`: follows the log's checkpoints and tiles until stopped.
 * Exit 1 (naming the sizes and roots) on a rewrite, a split view or a bad tile; 2 on bad usage.
 */
async function main(argv: string[]): Promise<number> {
  const url = argv.find((a) => !a.startsWith('--') && /^https?:\/\//.test(a));
  const option = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  if (url === undefined) {
    console.error(USAGE);
    return 2;
  }
  const intervalMs = Number(option('--interval') ?? 1000);
  let policy: TlogPolicy;
  const policyFile = option('--policy');
  const logKey = option('--log-key');
  if (policyFile !== undefined) policy = parsePolicy(await readFile(policyFile, 'utf8'), { ed25519: nodeEd25519 });
  else if (logKey !== undefined) policy = parsePolicy(formatPolicy({ logs: [logKey], witnesses: [], threshold: 0 }), { ed25519: nodeEd25519 });
  else {
    // Trust on first use: fine for a first look, not for evidence. Pin the key with --log-key.
    const text = await (await fetch(`${url.replace(/\/+$/, '')}/log/policy`)).text();
    policy = parsePolicy(text, { ed25519: nodeEd25519 });
    console.warn(`monitor: no --policy or --log-key; trusting the log key the gateway names (${policy.logs[0]?.name ?? '?'}) on first use`);
  }
  const monitor = new LogMonitor({ url, policy });
  // Every value given to a repeatable flag, in order.
  const values = (flag: string) => argv.flatMap((a, i) => {
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
      if (step.newLeaves > 0 || monitor.seen.size === 1) console.log(`checkpoint size ${step.size} root ${step.root}: consistent (${step.newLeaves} new leaves)`);
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

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error(`monitor failed: ${(error as Error).message}`);
  process.exitCode = 2;
});
