// Latency of the regulator's project list (GET /v1/projects, a page of 50) over many projects
// on the embedded ledger: `npm run bench:projects [-- N]` (default 100,000).
import { performance } from 'node:perf_hooks';
import { sha256Hex } from '@tender-ledger/domain';
import { startTestGateway } from '../helpers/gateway.js';

const N = Number(process.argv[2] ?? 100_000);
const CONCURRENCY = 64;
const SAMPLES = 200;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function main(): Promise<void> {
  const t = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '100000000' });
  try {
    const platform = await t.client('platform', 'gz-etrading');
    const categories = ['房建市政', '政府采购', '土地矿业权', '国有产权', '水利工程', '交通工程'];
    const deadline = t.time.iso(30 * 86_400_000);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < N; i = next++) {
          await platform.registerProject({
            projectId: `LPS-${String(i).padStart(6, '0')}`,
            name: `六盘水项目 ${i}`,
            category: categories[i % categories.length] as string,
            estimatedPrice: 10_000_000,
            depositAmount: 100_000,
            bidDeadline: deadline,
            openingTime: deadline,
            tenderDocSha256: sha256Hex(`bench ${i}`),
          });
          if (i % 10_000 === 0 && i > 0) console.error(`  ${i} projects (${((performance.now() - started) / 1000).toFixed(0)} s)`);
        }
      }),
    );
    console.log(`${N} projects registered in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const token = await t.token('regulator', 'bench');
    const get = async (query: string) => {
      const at = performance.now();
      const response = await fetch(`${t.url}/v1/projects?${query}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as { projects: unknown[]; nextCursor?: string; total: number };
      if (response.status !== 200 || body.projects.length === 0)
        throw new Error(`${response.status} ${JSON.stringify(body).slice(0, 200)}`);
      return { ms: performance.now() - at, body };
    };
    const cold = await get('limit=50');
    console.log(`first page after writes (the gateway reads and sorts the whole list): ${cold.ms.toFixed(0)} ms, total ${cold.body.total}`);
    const scenarios: [string, () => string][] = [
      ['first page of 50', () => 'limit=50'],
      ['a page deep in (cursor)', () => `limit=50&cursor=${cold.body.nextCursor ?? ''}`],
      ['search by name, category filter', () => `limit=50&q=${encodeURIComponent('项目 9')}&category=${encodeURIComponent('房建市政')}`],
      ['search by number', () => 'limit=50&q=LPS-000420'],
    ];
    for (const [name, query] of scenarios) {
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) times.push((await get(query())).ms);
      times.sort((a, b) => a - b);
      console.log(
        `${name.padEnd(36)} p50 ${percentile(times, 50).toFixed(1)} ms  p95 ${percentile(times, 95).toFixed(1)} ms  (${SAMPLES} sequential requests)`,
      );
    }
  } finally {
    await t.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
