import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkChain, recordHash, type LedgerRecord } from '@tender-ledger/domain';
import { blockDataHash, blockHeaderHash, GENESIS_PREV_HASH, type Block } from './block.js';
import { readHead, HEAD_FILE, type DurableHead } from './head.js';
import { checkHead, readLost, type BrokenLink, type LostBlocks } from './integrity.js';
import { checkTables, copyStore, corruptionMessages, scanLogs } from './leveldb-files.js';
import { HEAD_MARKER_KEY, openLevel } from './open.js';
import { BLOCK_RANGE, HEIGHT_KEY, HISTORY_RANGE, STATE_PREFIX, STATE_RANGE, TX_RANGE, blockKey, historyKey, parseHistoryKey } from './keys.js';
import { verifyLog } from './tlog.js';
import type { LedgerDb, StoredHistoryEntry } from './views.js';

export interface VerifyReport {
  intact: boolean;
  height: number;
  transactions: number;
  stateKeys: number;
  records: number;
  projects: number;
  /** Leaves of the transparency log, each recomputed from its record. */
  leaves: number;
  /** The first place the evidence does not hold together. */
  broken?: BrokenLink;
  /** Every problem found: the walk's first broken link, then damaged bytes in LevelDB's files. */
  problems: BrokenLink[];
  /** What LevelDB itself logged while opening (a copy of) the store: dropped bytes, corruption. */
  leveldb: string[];
  /** Blocks an operator accepted as lost with ledger:repair. */
  lost: LostBlocks[];
}

interface Written {
  value: string | null;
  block: number;
  tx: number;
  txId: string;
  timestamp: string;
}

const RECORD_PREFIX = '\u0000record\u0000';
const STANDALONE_PREFIX = '\u0000evidence\u0000';

class Broken extends Error {
  constructor(readonly link: BrokenLink) {
    super(link.reason);
  }
}

/**
 * Re-walks the whole ledger from block 0: every block's hashes and link to the one before,
 * every state value and history entry against the block that wrote it (nothing missing,
 * nothing extra), every project's record hash chain, and the durable head (nothing
 * acknowledged missing). Stops the walk at the first broken link.
 *
 * The store itself is never opened: LevelDB's recovery would drop damaged log records and
 * delete the log, destroying the evidence on the first check. The checksums of the original's
 * logs and tables are checked read-only, and a copy (tables hard-linked) is opened and walked.
 */
export async function verifyLedger(directory: string): Promise<VerifyReport> {
  const report: VerifyReport = { intact: false, height: 0, transactions: 0, stateKeys: 0, records: 0, projects: 0, leaves: 0, problems: [], leveldb: [], lost: [] };
  const fileDamage: BrokenLink[] = [];
  for (const scan of await scanLogs(directory)) {
    // A record cut short at the very end is a write never acknowledged; any other is damage.
    for (const damage of scan.damage) fileDamage.push({ file: damage.file, offset: damage.offset, reason: `write-ahead log ${damage.reason}` });
  }
  for (const damage of await checkTables(directory)) fileDamage.push({ file: damage.file, offset: damage.offset, reason: `table ${damage.reason}` });
  const head = await readHead(directory);

  // Beside the store when possible, so the tables can be hard-linked rather than copied.
  const copyParent = await mkdtemp(path.join(path.dirname(path.resolve(directory)), '.ledger-verify-'))
    .catch(() => mkdtemp(path.join(tmpdir(), 'ledger-verify-')));
  const copy = path.join(copyParent, 'store');
  try {
    await copyStore(directory, copy);
    const db = openLevel(copy, false);
    await db.open();
    try {
      await walk(db, report, head);
      report.intact = true;
    } catch (error) {
      // LevelDB's errors for bytes changed in its files are a broken link too.
      report.problems.push(error instanceof Broken ? error.link : { reason: `store unreadable: ${(error as Error).message}` });
    } finally {
      await db.close();
    }
    report.leveldb = await corruptionMessages(copy);
  } finally {
    await rm(copyParent, { recursive: true, force: true });
  }
  report.problems.push(...fileDamage);
  if (report.problems.length > 0) report.intact = false;
  report.broken = report.problems[0];
  return report;
}

async function walk(db: LedgerDb, report: VerifyReport, head: DurableHead | undefined | Error): Promise<void> {
  const heightBytes = await db.get(HEIGHT_KEY);
  const height = heightBytes ? Number(heightBytes.toString('utf8')) : 0;
  if (!Number.isSafeInteger(height) || height < 0) throw new Broken({ reason: 'ledger height is not a number', key: HEIGHT_KEY });
  report.height = height;
  if (head instanceof Error) throw new Broken({ file: HEAD_FILE, reason: head.message });
  const lost = await readLost(db);
  report.lost = lost;
  if (head) {
    const [mismatch] = await checkHead(db, height, head, lost);
    if (mismatch) throw new Broken(mismatch);
  } else if (await db.get(HEAD_MARKER_KEY)) {
    throw new Broken({ file: HEAD_FILE, reason: `${HEAD_FILE} is missing: whether acknowledged blocks were lost cannot be told` });
  }

  const latest = new Map<string, Written>();
  const history = new Map<string, Written>();
  const txBlocks = new Map<string, number>();
  let prevHash = GENESIS_PREV_HASH;
  for (let number = 0; number < height; number++) {
    const gap = lost.find((l) => l.from === number);
    if (gap) {
      // Accepted as lost by an operator (ledger:repair); the chain resumes from the hash receipts named.
      prevHash = gap.lastHash;
      number = gap.to;
      continue;
    }
    const bytes = await db.get(blockKey(number));
    if (!bytes) throw new Broken({ block: number, key: blockKey(number), reason: 'block is missing' });
    let block: Block;
    try {
      block = JSON.parse(bytes.toString('utf8')) as Block;
    } catch {
      throw new Broken({ block: number, key: blockKey(number), reason: 'block is not readable JSON' });
    }
    if (block.number !== number) throw new Broken({ block: number, reason: `block claims number ${block.number}` });
    if (block.prevHash !== prevHash) throw new Broken({ block: number, reason: 'block does not link to the hash of the block before' });
    if (!Array.isArray(block.txs) || block.txCount !== block.txs.length) throw new Broken({ block: number, reason: 'transaction count differs from the header' });
    if (blockDataHash(block.txs) !== block.dataHash) throw new Broken({ block: number, reason: 'transactions changed, missing or reordered (data hash differs)' });
    if (blockHeaderHash(block) !== block.hash) throw new Broken({ block: number, reason: 'block header changed (block hash differs)' });
    block.txs.forEach((tx, index) => {
      if (txBlocks.has(tx.txId)) throw new Broken({ block: number, txId: tx.txId, reason: 'transaction id appears twice' });
      txBlocks.set(tx.txId, number);
      for (const write of tx.writes) {
        const written: Written = { value: write.value, block: number, tx: index, txId: tx.txId, timestamp: tx.timestamp };
        latest.set(write.key, written);
        history.set(historyKey(write.key, number, index), written);
      }
    });
    report.transactions += block.txs.length;
    prevHash = block.hash;
  }

  for await (const dbKey of db.keys(BLOCK_RANGE)) {
    const number = Number(dbKey.slice(2));
    if (!(number < height)) throw new Broken({ block: number, key: dbKey, reason: 'block beyond the ledger height (never committed)' });
  }

  const seen = new Set<string>();
  for await (const [dbKey, value] of db.iterator(STATE_RANGE)) {
    const key = dbKey.slice(STATE_PREFIX.length);
    const written = latest.get(key);
    if (!written || written.value === null) throw new Broken({ key, reason: 'state key written by no block' });
    if (value.toString('utf8') !== written.value) {
      throw new Broken({ key, block: written.block, txId: written.txId, reason: `state value differs from what block ${written.block} wrote` });
    }
    seen.add(key);
  }
  for (const [key, written] of latest) {
    if (written.value !== null && !seen.has(key)) {
      throw new Broken({ key, block: written.block, txId: written.txId, reason: 'state key is missing' });
    }
  }
  report.stateKeys = seen.size;

  let historyEntries = 0;
  for await (const [dbKey, value] of db.iterator(HISTORY_RANGE)) {
    const parsed = parseHistoryKey(dbKey);
    const written = history.get(dbKey);
    if (!parsed || !written) throw new Broken({ key: parsed?.key ?? dbKey, reason: 'history entry written by no block' });
    const entry = JSON.parse(value.toString('utf8')) as StoredHistoryEntry;
    if (entry.txId !== written.txId || entry.isDelete !== (written.value === null) || entry.timestamp !== written.timestamp) {
      throw new Broken({ key: parsed.key, block: written.block, txId: written.txId, reason: 'history entry differs from its block' });
    }
    historyEntries++;
  }
  if (historyEntries !== history.size) throw new Broken({ reason: `${history.size - historyEntries} history entries are missing` });

  let indexed = 0;
  for await (const [dbKey, value] of db.iterator(TX_RANGE)) {
    const txId = dbKey.slice(2);
    if (txBlocks.get(txId) !== Number(value.toString('utf8'))) throw new Broken({ txId, key: dbKey, reason: 'transaction index names the wrong block' });
    indexed++;
  }
  if (indexed !== txBlocks.size) throw new Broken({ reason: `${txBlocks.size - indexed} transactions are missing from the index` });

  checkEvidence(latest, report);

  // A store from before the log has none yet (its first start gives it its leaves).
  if (await db.get('tlog/size') !== undefined) {
    const log = await verifyLog(db, height);
    report.leaves = log.leaves;
    if (log.problem) throw new Broken(log.problem);
  }
}

/** Each project's records must form an unbroken hash chain; each standalone record must match its hash. */
function checkEvidence(latest: Map<string, Written>, report: VerifyReport): void {
  const chains = new Map<string, { key: string; written: Written; record: LedgerRecord }[]>();
  for (const [key, written] of latest) {
    if (written.value === null) continue;
    if (key.startsWith(STANDALONE_PREFIX)) {
      const record = JSON.parse(written.value) as LedgerRecord;
      report.records++;
      if (recordHash(record) !== record.hash) throw new Broken({ key, block: written.block, txId: written.txId, reason: 'record hash differs from its content' });
    } else if (key.startsWith(RECORD_PREFIX)) {
      const record = JSON.parse(written.value) as LedgerRecord;
      const projectId = key.slice(RECORD_PREFIX.length).split('\u0000')[0] ?? '';
      const chain = chains.get(projectId) ?? [];
      chain.push({ key, written, record });
      chains.set(projectId, chain);
      report.records++;
    }
  }
  for (const chain of chains.values()) {
    chain.sort((a, b) => (a.key < b.key ? -1 : 1));
    const result = checkChain(chain.map((c) => c.record));
    if (!result.valid && result.brokenAt) {
      const at = chain[result.brokenAt.index];
      throw new Broken({ key: at?.key, block: at?.written.block, txId: at?.written.txId, reason: `record chain broken (${result.brokenAt.reason})` });
    }
  }
  report.projects = chains.size;
}
