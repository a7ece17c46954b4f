import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Level } from 'level';
import { must } from '@tender-ledger/domain';
import { GENESIS_PREV_HASH, type Block } from './block.js';
import { createHead, HEAD_FILE, HeadFile, readHead, type DurableHead } from './head.js';
import { checkRecent, LedgerDamagedError, readLost, storeHeight, type BrokenLink } from './integrity.js';
import { blockKey } from './keys.js';
import { scanLogs } from './leveldb-files.js';
import type { LedgerDb } from './views.js';

/** Marks a store whose ledger keeps a head file, so a missing one is damage, not an older store. */
export const HEAD_MARKER_KEY = 'm!head-file';
/** Where copies of damaged write-ahead logs are kept, inside the store (LevelDB ignores subdirectories). */
export const DAMAGED_LOGS_DIR = 'damaged-logs';

export interface CheckedStore {
  db: LedgerDb;
  headFile: HeadFile;
  height: number;
  lastHash: string;
}

export function openLevel(directory: string, createIfMissing = true): LedgerDb {
  return new Level<string, Buffer>(directory, {
    keyEncoding: 'utf8',
    valueEncoding: 'buffer',
    createIfMissing,
    writeBufferSize: 64 * 1024 * 1024,
    cacheSize: 64 * 1024 * 1024,
  });
}

/**
 * Opens the store only if it still holds everything acknowledged, else throws
 * LedgerDamagedError naming what is missing and where:
 *  1. before LevelDB opens (its recovery would drop damaged log records and delete the log),
 *     the write-ahead logs' checksums are checked: when intact records follow the damage the
 *     store is not opened at all; damage at the end (maybe a write that never completed) is
 *     copied aside, and kept if the checks below then fail;
 *  2. the durable head file must be matched by the store (nothing acknowledged lost or rewritten);
 *  3. the last blocks and their entries are checked, up to `window` (bounded, whatever the size).
 */
export async function openChecked(directory: string, window: { blocks: number; transactions: number }): Promise<CheckedStore> {
  const damagedLogs = (await scanLogs(directory)).filter((scan) => scan.damage.length > 0);
  const inMiddle = damagedLogs.filter((scan) => scan.intactAfterDamage);
  if (inMiddle.length > 0) {
    // Not opened, so nothing is dropped: the damaged bytes stay exactly as found.
    throw new LedgerDamagedError(
      inMiddle.map((scan) => {
        const damage = must(scan.damage[0], `the damage found in ${scan.file}`);
        return {
          file: scan.file,
          offset: damage.offset,
          reason: `write-ahead log ${damage.reason} with intact records after it (opening would drop acknowledged blocks); store left unopened and untouched`,
        };
      }),
      directory,
    );
  }
  let kept: string | undefined;
  if (damagedLogs.length > 0) {
    // Damage at the end may be a write that never completed (never acknowledged): open, and let
    // the durable head decide; LevelDB will drop the record and delete the log, so copy it first.
    const copyTo = path.join(directory, DAMAGED_LOGS_DIR, new Date().toISOString().replace(/[:.]/g, '-'));
    kept = path.relative(directory, copyTo);
    await mkdir(copyTo, { recursive: true });
    for (const scan of damagedLogs) await copyFile(path.join(directory, scan.file), path.join(copyTo, scan.file));
  }
  const db = openLevel(directory);
  await db.open();
  let headFile: HeadFile | undefined;
  try {
    const head = await durableHead(db, directory);
    const problems: BrokenLink[] = await checkRecent(db, head, window);
    if (problems.length > 0) {
      if (kept) {
        const firstDamage = must(damagedLogs[0]?.damage[0], 'the damage found in the write-ahead logs');
        problems.push({
          file: damagedLogs.map((s) => s.file).join(', '),
          reason: `write-ahead log damaged (${firstDamage.reason}); copied to ${kept} in the store before LevelDB dropped it`,
        });
      }
      throw new LedgerDamagedError(problems, directory);
    }
    if (kept) await rm(path.join(directory, kept), { recursive: true, force: true });
    const height = await storeHeight(db);
    const lastHash = await hashOf(db, height);
    headFile = await HeadFile.open(directory);
    // A block whose batch was durable but whose head write was not (a crash between): keep it.
    if (height !== head.height) await headFile.write({ height, hash: lastHash });
    return { db, headFile, height, lastHash };
  } catch (error) {
    await headFile?.close();
    await db.close();
    throw error;
  }
}

/** The hash the next block links to: of block height-1, or the one recorded for it if it was lost. */
export async function hashOf(db: LedgerDb, height: number): Promise<string> {
  if (height === 0) return GENESIS_PREV_HASH;
  const bytes = await db.get(blockKey(height - 1));
  if (bytes) return (JSON.parse(bytes.toString('utf8')) as Block).hash;
  const gap = (await readLost(db)).find((l) => l.to === height - 1);
  if (gap) return gap.lastHash;
  throw new LedgerDamagedError([{ block: height - 1, reason: 'block is missing' }], '');
}

async function durableHead(db: LedgerDb, directory: string): Promise<DurableHead> {
  const head = await readHead(directory);
  if (head instanceof Error) throw new LedgerDamagedError([{ file: HEAD_FILE, reason: head.message }], directory);
  if (head) return head;
  if (await db.get(HEAD_MARKER_KEY)) {
    throw new LedgerDamagedError(
      [{ file: HEAD_FILE, reason: `${HEAD_FILE} is missing: the ledger cannot tell whether acknowledged blocks were lost` }],
      directory,
    );
  }
  // A new store, or one written before head files: its own head becomes the durable head.
  const height = await storeHeight(db);
  const created: DurableHead = { height, hash: await hashOf(db, height) };
  await createHead(directory, created);
  await db.put(HEAD_MARKER_KEY, Buffer.from('1'), { sync: true });
  return created;
}
