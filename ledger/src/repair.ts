import { appendFile, open } from 'node:fs/promises';
import path from 'node:path';
import { type Block } from './block.js';
import { createHead, readHead } from './head.js';
import { checkHead, readLost, storeHeight, type LostBlocks } from './integrity.js';
import { BLOCK_RANGE, HEIGHT_KEY, blockKey, lostKey } from './keys.js';
import { copyStore, corruptionMessages } from './leveldb-files.js';
import { HEAD_MARKER_KEY, hashOf, openLevel } from './open.js';
import { verifyLedger, type VerifyReport } from './verify.js';

/** The repair log, one JSON line per repair, kept in the store directory. */
export const REPAIR_LOG = 'LEDGER-REPAIRS.jsonl';

export interface RepairReport {
  /** Where the store was copied, untouched, before anything was changed. */
  evidence: string;
  before: { storeHeight: number; head?: { height: number; hash: string } };
  after: { height: number; hash: string };
  /** Block numbers newly recorded lost; they are never used again. */
  lost: LostBlocks[];
  /** Findings that could not be repaired and were accepted as they are (e.g. a rewritten block). */
  accepted: string[];
  leveldb: string[];
  verify: VerifyReport;
}

/**
 * What an operator runs after deciding to go on with a damaged store (`npm run ledger:repair`):
 *  1. copies the store as it is to `evidenceDirectory` (the damaged bytes stay for inspection);
 *  2. opens it, letting LevelDB drop what it cannot read;
 *  3. records every missing block number as lost (`m!lost!`), so no number a receipt named is
 *     reused: the next block is numbered after the durable head and links to its hash;
 *  4. writes the durable head to match, appends what it did to LEDGER-REPAIRS.jsonl, and
 *     re-verifies the whole ledger.
 * Records in lost blocks are gone; their receipts stay verifiable as signatures only.
 */
export async function repairLedger(directory: string, evidenceDirectory: string, reason: string): Promise<RepairReport> {
  const at = new Date().toISOString();
  const evidence = path.join(evidenceDirectory, `ledger-${at.replace(/[:.]/g, '-')}`);
  await copyStore(directory, evidence);
  const head = await readHead(directory);
  const db = openLevel(directory, false);
  await db.open();
  const accepted: string[] = [];
  let report: Omit<RepairReport, 'verify' | 'leveldb'>;
  try {
    const height = await storeHeight(db);
    const durable = head instanceof Error ? undefined : head;
    if (head instanceof Error) accepted.push(head.message);
    if (!head) accepted.push("no durable head file: the store's own head is taken");
    const target = Math.max(height, durable?.height ?? 0);
    const present = new Set<number>();
    for await (const key of db.keys(BLOCK_RANGE)) present.add(Number(key.slice(2)));
    const known = await readLost(db);
    const isLost = (n: number) => known.some((l) => l.from <= n && n <= l.to);
    const lost: LostBlocks[] = [];
    for (let n = 0; n < target; n++) {
      if (present.has(n) || isLost(n)) continue;
      let to = n;
      while (to + 1 < target && !present.has(to + 1) && !isLost(to + 1)) to++;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- classic-level types get() generically; the store holds Buffers
      const next = present.has(to + 1) ? (JSON.parse(((await db.get(blockKey(to + 1))) as Buffer).toString('utf8')) as Block) : undefined;
      const lastHash = next?.prevHash ?? (durable && durable.height === to + 1 ? durable.hash : 'unknown');
      lost.push({ from: n, to, lastHash, repairedAt: at, reason });
      n = to;
    }
    if (durable && target === height) {
      for (const finding of await checkHead(db, height, durable, known)) accepted.push(finding.reason);
    }
    await db.batch(
      [
        ...lost.map((l) => ({ type: 'put' as const, key: lostKey(l.from), value: Buffer.from(JSON.stringify(l)) })),
        { type: 'put' as const, key: HEIGHT_KEY, value: Buffer.from(String(target)) },
        { type: 'put' as const, key: HEAD_MARKER_KEY, value: Buffer.from('1') },
      ],
      { sync: true },
    );
    const after = { height: target, hash: await hashOf(db, target) };
    await createHead(directory, after);
    report = { evidence, before: { storeHeight: height, ...(durable ? { head: durable } : {}) }, after, lost, accepted };
  } finally {
    await db.close();
  }
  const leveldb = await corruptionMessages(directory);
  const verify = await verifyLedger(directory);
  const line = JSON.stringify({
    at,
    reason,
    ...report,
    leveldb,
    verified: verify.intact,
    ...(verify.broken ? { stillBroken: verify.broken } : {}),
  });
  await appendFile(path.join(directory, REPAIR_LOG), `${line}\n`);
  const handle = await open(path.join(directory, REPAIR_LOG), 'r');
  await handle.sync();
  await handle.close();
  return { ...report, leveldb, verify };
}
