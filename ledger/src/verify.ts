import { isUtf8 } from 'node:buffer';
import { hash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Level } from 'level';
import { checkChain, type LedgerRecord } from '@tender-ledger/domain';
import { leafHash, rootOfLeaves, toHex } from '@tender-ledger/tlog';
import { blockFieldsProblem, decodeBlock, GENESIS_PREV_HASH, type Block, type BlockTransaction } from './block.js';
import { charge, countKeys, Cursor, recycle } from './cursor.js';
import { readHead, HEAD_FILE, type DurableHead } from './head.js';
import { checkHead, readLost, type BrokenLink, type LostBlocks } from './integrity.js';
import { checkTables, copyStore, corruptionMessages, scanLogs } from './leveldb-files.js';
import { HEAD_MARKER_KEY } from './open.js';
import {
  BLOCK_RANGE,
  HEIGHT_KEY,
  HISTORY_RANGE,
  STATE_PREFIX,
  STATE_RANGE,
  TX_RANGE,
  blockKey,
  historyRange,
  parseHistoryKey,
  txKey,
} from './keys.js';
import { eventRecordHolds, LogCheck, recordHashOf, TLOG_SIZE_KEY } from './tlog.js';
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
  /**
   * The walk whose verdict this is: `digests` (the fast one: keyed set digests of history, state and
   * index against the blocks') or `exact` (entry by entry; run when the digests differ, to name where).
   */
  walk: Walk;
}

/** See `VerifyReport.walk`. */
export type Walk = 'digests' | 'exact';

const RECORD_PREFIX = '\u0000record\u0000';
const STANDALONE_PREFIX = '\u0000evidence\u0000';

// LevelDB maps each open table file into memory (resident as it is read): few open at a time.
const SMALL_LEVEL = {
  keyEncoding: 'utf8',
  valueEncoding: 'buffer',
  writeBufferSize: 4 * 1024 * 1024,
  cacheSize: 8 * 1024 * 1024,
  maxOpenFiles: 50,
  maxFileSize: 512 * 1024,
} as const;
/**
 * It keeps 64 tables open and mapped even so (its floor), which a long walk fills: each store is
 * closed and reopened (its cursors resumed) after this many bytes read, which unmaps them.
 */
const RECYCLE_BYTES = 32 * 1024 * 1024;
/** What a point read costs in mapped memory: the 4 KiB block it lands in. */
const POINT_READ = 4096;

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
export async function verifyLedger(directory: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  let report = emptyReport('digests');
  let fileDamage: BrokenLink[] | undefined;
  const head = await readHead(directory);

  // Beside the store when possible, so the tables can be hard-linked rather than copied.
  const copyParent = await mkdtemp(path.join(path.dirname(path.resolve(directory)), '.ledger-verify-')).catch(() =>
    mkdtemp(path.join(tmpdir(), 'ledger-verify-')),
  );
  const copy = path.join(copyParent, 'store');
  let worker: StoredSideWorker | undefined;
  try {
    await copyStore(directory, copy);
    if (options.walk !== 'exact') {
      // The digest walk's worker reads its own copy (tables hard-linked again), the same bytes; it
      // checks the original's files first, while this thread starts on the blocks.
      const storedCopy = path.join(copyParent, 'stored');
      await copyStore(copy, storedCopy);
      worker = storedSideInWorker(directory, storedCopy, randomBytes(32).toString('hex'));
    }
    // Small buffers and caches: the walk reads each key about once, and LevelDB's memory is
    // outside the heap (the write buffer fills as the copy's log is replayed on opening).
    const db = new Level<string, Buffer>(copy, { ...SMALL_LEVEL, createIfMissing: false });
    await db.open();
    try {
      // The digests say whether anything differs; only then does the exact walk say where.
      for (const mode of options.walk === undefined ? (['digests', 'exact'] as const) : [options.walk]) {
        report = emptyReport(mode);
        // Sorts history entries by block for the walk: on disk, so memory stays flat.
        const scratch = new Level<string, Buffer>(path.join(copyParent, `scratch-${mode}`), SMALL_LEVEL);
        await scratch.open();
        try {
          await walk(db, scratch, report, head, new Ticker(options.progress), mode === 'digests' ? worker : undefined);
          report.intact = true;
          break;
        } catch (error) {
          // LevelDB's errors for bytes changed in its files are a broken link too.
          report.problems.push(error instanceof Broken ? error.link : { reason: `store unreadable: ${(error as Error).message}` });
        } finally {
          await scratch.close();
        }
      }
    } finally {
      await db.close();
    }
    report.leveldb = await corruptionMessages(copy);
    fileDamage = await worker?.files.catch(() => undefined);
  } finally {
    await worker?.stop();
    await rm(copyParent, { recursive: true, force: true });
  }
  report.problems.push(...(fileDamage ?? (await fileDamageOf(directory))));
  if (report.problems.length > 0) report.intact = false;
  report.broken = report.problems[0];
  return report;
}

function emptyReport(walk: Walk): VerifyReport {
  return {
    intact: false,
    height: 0,
    transactions: 0,
    stateKeys: 0,
    records: 0,
    projects: 0,
    leaves: 0,
    problems: [],
    leveldb: [],
    lost: [],
    walk,
  };
}

/** How far a verify has got, for a progress line (at most about four a second). */
export interface VerifyProgress {
  /** `keys`: state and history are read; `blocks`: the blocks are walked. */
  phase: 'keys' | 'blocks';
  /** History entries read (keys), or blocks walked (blocks). */
  done: number;
  height: number;
  transactions: number;
  elapsedMs: number;
}

export interface VerifyOptions {
  progress?: (progress: VerifyProgress) => void;
  /** One walk only (tests): by default the digests, and the exact walk if they differ. */
  walk?: Walk;
}

/**
 * What the walk found that is not a broken block, kept in the order the checks have always been
 * reported in (state, history, index, evidence, log), the first of each kind.
 */
const FINDINGS = [
  'stateExtra',
  'stateValue',
  'stateMissing',
  'historyExtra',
  'historyDiffers',
  'historyMissing',
  'indexWrong',
  'indexMissing',
  'evidence',
  'log',
] as const;
type Finding = (typeof FINDINGS)[number];

class Findings {
  readonly #first = new Map<Finding, BrokenLink>();

  note(kind: Finding, link: BrokenLink): void {
    if (!this.#first.has(kind)) this.#first.set(kind, link);
  }

  /** The link of a kind found so far. */
  get(kind: Finding): BrokenLink | undefined {
    return this.#first.get(kind);
  }

  /** Keeps the link with the smaller key: what was first in key order, found out of it. */
  noteSmallerKey(kind: Finding, link: BrokenLink): void {
    const held = this.#first.get(kind);
    if (held === undefined || (link.key ?? '') < (held.key ?? '')) this.#first.set(kind, link);
  }

  has(kind: Finding): boolean {
    return this.#first.has(kind);
  }

  first(): BrokenLink | undefined {
    for (const kind of FINDINGS) {
      const link = this.#first.get(kind);
      if (link) return link;
    }
    return undefined;
  }
}

class Ticker {
  readonly #started = performance.now();
  #last = 0;

  constructor(private readonly report?: (progress: VerifyProgress) => void) {}

  tick(progress: () => Omit<VerifyProgress, 'elapsedMs'>): void {
    if (!this.report) return;
    const now = performance.now();
    if (now - this.#last < 250) return;
    this.#last = now;
    this.report({ ...progress(), elapsedMs: now - this.#started });
  }
}

const VERSION_WIDTH = 18; // block:12 + tx:6, as in a history key
const LATEST_WITH_STATE = 1;
const LATEST_WITHOUT_STATE = 2;
const EARLIER = 0;
/** The digest walk's mark of a key's latest version (its value is in the digests, not here). */
const LATEST = 3;
const EMPTY = Buffer.alloc(0);
/** Scratch keys of state keys without history; after every `{block}{tx}` key (digits). */
const ORPHAN_PREFIX = '~';
const VERSIONS = { lt: ORPHAN_PREFIX };
/** SHA-256 by Node's one-shot `crypto.hash` (no Hash object per value). */
const sha256 = (data: string | Buffer): Buffer => hash('sha256', data, 'buffer');

/**
 * A keyed digest of a set: the XOR of each element's SHA-256 under a secret drawn for this run,
 * and the number of elements (MSet-XOR-Hash, Clarke et al., "Incremental Multiset Hash
 * Functions", 2003). Two sides that write the same elements, in any order, get equal digests;
 * anything else differs but with chance 2^-256. The secret is what makes it hold against one who
 * edited the store: drawn after the store was written, it cannot be aimed at. An element twice
 * cancels out of the XOR, but then the counts differ (one side's elements are LevelDB keys, unique).
 */
class SetDigest {
  readonly #words = new Int32Array(8);
  #count = 0;

  constructor(private readonly secret: string) {}

  add(element: string): void {
    // As a one-byte string: a Buffer would be made natively per element, costing more than the hash.
    const digest = hash('sha256', this.secret + element, 'binary');
    const words = this.#words;
    for (let i = 0, at = 0; i < 8; i++, at += 4) {
      const word =
        digest.charCodeAt(at) | (digest.charCodeAt(at + 1) << 8) | (digest.charCodeAt(at + 2) << 16) | (digest.charCodeAt(at + 3) << 24);
      words[i] = (words[i] ?? 0) ^ word;
    }
    this.#count++;
  }

  /** What it adds up to, to hand to another thread. */
  value(): DigestValue {
    return { words: [...this.#words], count: this.#count };
  }

  /** Whether it adds up to what another digest (under the same secret, perhaps in another thread) does. */
  equals(other: DigestValue): boolean {
    return this.#count === other.count && this.#words.every((word, i) => word === other.words[i]);
  }
}

/**
 * The elements both sides add, each unambiguous (a key's length before the key, the entry's
 * before the entry): a write with its history entry, and, for a key's latest write when state
 * holds it, the value too. The value is text: the ledger writes strings as UTF-8, and a stored
 * value that is not valid UTF-8 is a finding before it is an element (decoding is then one-to-one).
 */
const historyElement = (key: string, version: string, entry: string) => `h${key.length}:${key}${version}${entry}`;
const latestElement = (key: string, version: string, entry: string, value: string) =>
  `s${key.length}:${key}${version}${entry.length}:${entry}${value}`;
const indexElement = (txId: string, block: string) => `t${txId.length}:${txId}${block}`;

/** What a SetDigest adds up to. */
interface DigestValue {
  words: number[];
  count: number;
}

/**
 * Walks in memory that does not grow with the ledger: nothing is held per key, transaction or
 * record. Three streams, each in LevelDB's order:
 *  1. history (sorted by key, then block and transaction) beside state: each key's last history
 *     entry says whether the key must be in state; every history entry goes into a scratch
 *     store keyed by block, transaction and key, the last with the SHA-256 of the state value;
 *     state passes by record by record, each project's chain checked when the next begins;
 *  2. the blocks in order, beside the scratch store (now in block order): each write must find
 *     its history entry, and the latest its state value's hash; each transaction its index entry;
 *  3. counts of the index and history: every expected key found and no more keys than that
 *     means nothing extra (LevelDB keys are unique).
 *
 * The digest walk (given the worker) is the same but for what it keeps: each history entry, state
 * value and index entry goes into a keyed set digest (SetDigest), and each block's writes and
 * transactions into another; intact means the two are equal. The scratch store then holds only
 * the versions of keys written more than once (which write is the latest), and the index is read
 * once in order rather than looked up per transaction. It says whether anything differs, not where.
 */
async function walk(
  db: LedgerDb,
  scratch: LedgerDb,
  report: VerifyReport,
  head: DurableHead | undefined | Error,
  ticker: Ticker,
  /** The digest walk's worker; the exact walk has none. */
  worker: StoredSideWorker | undefined,
): Promise<void> {
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

  const findings = new Findings();
  const evidence = new EvidenceCheck(db, findings);
  if (worker) {
    // The two sides in two threads: the worker adds up history, state and index; this one the blocks.
    const written = new SetDigest(worker.secret);
    await markRewritten(db, scratch, ticker, height);
    const counts = await walkBlocks({ db, scratch, report, findings, evidence, ticker, height, written }, lost);
    const stored = await worker.result;
    report.stateKeys = stored.stateKeys;
    report.records = stored.records;
    report.projects = stored.projects;
    const first = stored.problem ?? findings.first();
    if (first) throw new Broken(first);
    if (counts.beyond !== undefined || !written.equals(stored.digest))
      throw new Broken({ reason: 'history, state or transaction index differ from what the blocks wrote (their digests differ)' });
    return;
  }

  const pass: Pass = { db, scratch, report, findings, evidence, ticker, height, written: undefined };
  await streamKeys(pass);
  const counts = await walkBlocks(pass, lost);

  if (counts.beyond !== undefined) {
    const number = Number(counts.beyond.slice(2));
    throw new Broken({ block: number, key: counts.beyond, reason: 'block beyond the ledger height (never committed)' });
  }
  if (counts.historyMissing > 0) findings.note('historyMissing', { reason: `${counts.historyMissing} history entries are missing` });
  // Every transaction found its own index entry; any entry beyond those names a block without it.
  if (!findings.has('indexWrong') && (await countKeys(db, TX_RANGE, RECYCLE_BYTES)) > counts.indexed) {
    const extra = await firstMisplacedIndexEntry(db);
    if (extra) findings.note('indexWrong', extra);
  }
  if (counts.indexMissing > 0) findings.note('indexMissing', { reason: `${counts.indexMissing} transactions are missing from the index` });
  const first = findings.first();
  if (first) throw new Broken(first);
}

/** What both phases of a verification work with: the store, its scratch copy, the report and the checks. */
interface Pass {
  readonly db: LedgerDb;
  readonly scratch: LedgerDb;
  readonly report: VerifyReport;
  readonly findings: Findings;
  readonly evidence: EvidenceCheck;
  readonly ticker: Ticker;
  readonly height: number;
  /**
   * The digest walk's written side (what the blocks wrote); that walk keeps in the scratch store
   * only the versions of keys written more than once.
   */
  readonly written: SetDigest | undefined;
}

/** What the key phase needs: the exact walk's scratch store, or the digest walk's stored-side digest. */
type KeysPass = Pick<Pass, 'db' | 'report' | 'findings' | 'evidence' | 'ticker' | 'height'> &
  ({ scratch: LedgerDb; stored?: undefined } | { scratch?: undefined; stored: SetDigest });

/**
 * Phase 1: history beside state; the evidence chains on the way. The exact walk puts each entry
 * into the scratch store; the digest walk adds them to its digest (markRewritten marked versions).
 */
async function streamKeys(pass: KeysPass): Promise<void> {
  const { db, report, findings, evidence, ticker, height, stored } = pass;
  const state = new Cursor(db, STATE_RANGE);
  const history = new Cursor(db, HISTORY_RANGE);
  const writer = pass.scratch && new ScratchWriter(pass.scratch);
  let stateKeys = 0;
  let entries = 0;

  const passState = async ([dbKey, value]: [string, Buffer], hasGroup: boolean) => {
    stateKeys++;
    const key = dbKey.slice(STATE_PREFIX.length);
    await evidence.add(key, value);
    // Passed over without its history: written by no block, unless its history sorts out of
    // step with state (a key that is a prefix of another; see keys.ts) and comes later, or a
    // block wrote it and its history entry is missing (the exact walk looks these up).
    if (hasGroup || (await hasHistory(db, key))) return;
    if (writer) await writer.put(ORPHAN_PREFIX + key, EMPTY);
    else findings.note('stateExtra', { key, reason: 'state key written by no block' });
  };

  /** A key's history is complete: its last entry decides what state must hold. */
  const close = async (group: Group) => {
    const target = STATE_PREFIX + group.key;
    for (let next = await state.peek(); next !== undefined && next[0] < target; next = await state.peek()) {
      await state.next();
      await passState(next, false);
    }
    const next = await state.peek();
    let value: Buffer | undefined;
    if (next?.[0] === target) {
      await state.next();
      await passState(next, true);
      value = next[1];
    } else {
      value = await db.get(target);
    }
    const isDelete = deletes(group.entry);
    const block = Number(group.version.slice(0, 12));
    if (value !== undefined && isDelete === true) findings.note('stateExtra', { key: group.key, reason: 'state key written by no block' });
    if (value === undefined && isDelete !== true)
      findings.note('stateMissing', { key: group.key, block, txId: parseEntry(group.entry)?.txId, reason: 'state key is missing' });
    const withState = value !== undefined && isDelete !== true;
    if (stored) {
      const entry = group.entry.toString('utf8');
      if (!withState) stored.add(historyElement(group.key, group.version, entry));
      else if (isUtf8(value)) stored.add(latestElement(group.key, group.version, entry, value.toString('utf8')));
      else findings.note('stateValue', { key: group.key, block, reason: 'state value is not the UTF-8 text a block wrote' });
      return;
    }
    const latest = withState
      ? Buffer.concat([Buffer.of(LATEST_WITH_STATE), sha256(value), group.entry])
      : Buffer.concat([Buffer.of(LATEST_WITHOUT_STATE), group.entry]);
    await writer?.put(group.version + group.key, latest);
  };

  const groups = new HistoryGroups();
  try {
    for (let next = await history.next(); next !== undefined; next = await history.next()) {
      const [dbKey, entry] = next;
      entries++;
      if (entries % 4096 === 0) {
        ticker.tick(() => ({ phase: 'keys', done: entries, height, transactions: 0 }));
        await recycle(db, RECYCLE_BYTES);
      }
      const parsed = parseHistoryKey(dbKey);
      if (!parsed) {
        findings.note('historyExtra', { key: dbKey, reason: 'history entry written by no block' });
        continue;
      }
      const key = parsed.key;
      for (const group of groups.closedBy(key)) await close(group);
      const version = dbKey.slice(dbKey.length - VERSION_WIDTH);
      const earlier = groups.add(key, version, entry);
      if (earlier === undefined) continue;
      if (stored) stored.add(historyElement(key, earlier.version, earlier.entry.toString('utf8')));
      else await writer?.put(earlier.version + key, Buffer.concat([Buffer.of(EARLIER), earlier.entry]));
    }
    for (const group of groups.rest()) await close(group);
    for (let next = await state.next(); next !== undefined; next = await state.next()) await passState(next, false);
    await evidence.finish();
    await writer?.flush();
  } finally {
    await state.close();
    await history.close();
  }
  report.stateKeys = stateKeys;
  report.records = evidence.records;
  report.projects = evidence.projects;
}

/**
 * The digest walk's first step, from history's keys alone: which versions are not their key's
 * latest (`EARLIER`) and which are the latest of a key written more than once (`LATEST`), into
 * the scratch store in block order. A write the block walk finds no mark for is its key's only one.
 */
async function markRewritten(db: LedgerDb, scratch: LedgerDb, ticker: Ticker, height: number): Promise<void> {
  const keys = new Cursor(db, HISTORY_RANGE, 4096, true);
  const writer = new ScratchWriter(scratch);
  const groups = new HistoryGroups();
  const mark = async (group: Group) => {
    if (group.rewritten) await writer.put(group.version + group.key, Buffer.of(LATEST));
  };
  try {
    let read = 0;
    for (let next = await keys.next(); next !== undefined; next = await keys.next()) {
      if (++read % 4096 === 0) {
        ticker.tick(() => ({ phase: 'keys', done: read, height, transactions: 0 }));
        await recycle(db, RECYCLE_BYTES);
      }
      const dbKey = next[0];
      // Not a history key: the stored side finds it, and the walk is then not intact.
      const key = parseHistoryKey(dbKey)?.key;
      if (key === undefined) continue;
      for (const group of groups.closedBy(key)) await mark(group);
      const version = dbKey.slice(dbKey.length - VERSION_WIDTH);
      const earlier = groups.add(key, version, EMPTY);
      if (earlier) await writer.put(earlier.version + key, Buffer.of(EARLIER));
    }
    for (const group of groups.rest()) await mark(group);
    await writer.flush();
  } finally {
    await keys.close();
  }
}

/** The stored side of the digest walk (history, state, index), as a worker hands it back. */
export interface StoredSide {
  digest: DigestValue;
  stateKeys: number;
  records: number;
  projects: number;
  /** The first thing found wrong on the way: then the ledger is not intact, whatever the digests. */
  problem: BrokenLink | undefined;
}

/**
 * The digest walk's stored side, on its own copy of the store (a LevelDB store opens once per
 * process): run in a worker thread (verify-worker.ts) while the main thread walks the blocks.
 */
export async function storedSide(store: string, secret: string): Promise<StoredSide> {
  const db = new Level<string, Buffer>(store, { ...SMALL_LEVEL, createIfMissing: false });
  await db.open();
  try {
    const findings = new Findings();
    const stored = new SetDigest(secret);
    const report = emptyReport('digests');
    const evidence = new EvidenceCheck(db, findings);
    await streamKeys({ db, report, findings, evidence, ticker: new Ticker(), height: 0, stored });
    const index = new Cursor(db, TX_RANGE, 4096);
    try {
      for (let next = await index.next(), read = 1; next !== undefined; next = await index.next(), read++) {
        stored.add(indexElement(next[0].slice(2), next[1].toString('utf8')));
        if (read % 4096 === 0) await recycle(db, RECYCLE_BYTES);
      }
    } finally {
      await index.close();
    }
    return {
      digest: stored.value(),
      stateKeys: report.stateKeys,
      records: report.records,
      projects: report.projects,
      problem: findings.first(),
    };
  } finally {
    await db.close();
  }
}

/**
 * What the original's files show: write-ahead log records damaged (but for one cut short at the
 * very end: a write never acknowledged) and table blocks whose checksums fail.
 */
export async function fileDamageOf(directory: string): Promise<BrokenLink[]> {
  const damaged: BrokenLink[] = [];
  for (const scan of await scanLogs(directory)) {
    for (const damage of scan.damage)
      damaged.push({ file: damage.file, offset: damage.offset, reason: `write-ahead log ${damage.reason}` });
  }
  for (const damage of await checkTables(directory))
    damaged.push({ file: damage.file, offset: damage.offset, reason: `table ${damage.reason}` });
  return damaged;
}

/** The worker thread of a digest walk, and what it hands back. */
interface StoredSideWorker {
  /** The set digests' secret, drawn for this run. */
  readonly secret: string;
  /** The original's file damage (fileDamageOf), checked first. */
  readonly files: Promise<BrokenLink[]>;
  readonly result: Promise<StoredSide>;
  stop(): Promise<void>;
}

/** Runs fileDamageOf and then storedSide in a worker thread; `stop` ends it (early, if the block walk breaks first). */
function storedSideInWorker(original: string, store: string, secret: string): StoredSideWorker {
  const worker = new Worker(path.join(__dirname, 'verify-worker.js'), {
    workerData: { original, store, secret },
    // Its own heap, capped as the CLI caps the main one (see package.json's ledger:verify).
    resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 4 },
  });
  type Message = { files?: BrokenLink[]; side?: StoredSide; error?: string };
  const answer = <T>(pick: (message: Message) => T | undefined): Promise<T> => {
    const promise = new Promise<T>((resolve, reject) => {
      const onMessage = (message: Message) => {
        const value = pick(message);
        if (value !== undefined) resolve(value);
        else if (message.error !== undefined) reject(new Error(message.error));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => {
        reject(new Error(`the verify worker exited (${code}) before it answered`));
      });
    });
    // Taken later by the caller; not unhandled if the worker fails meanwhile.
    promise.catch(() => undefined);
    return promise;
  };
  return {
    secret,
    files: answer((message) => message.files),
    result: answer((message) => message.side),
    stop: async () => {
      await worker.terminate();
    },
  };
}

/** Puts into the scratch store in batches. */
class ScratchWriter {
  #ops: { type: 'put'; key: string; value: Buffer }[] = [];

  constructor(private readonly scratch: LedgerDb) {}

  async put(key: string, value: Buffer): Promise<void> {
    this.#ops.push({ type: 'put', key, value });
    if (this.#ops.length >= 4096) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#ops.length === 0) return;
    const ops = this.#ops;
    this.#ops = [];
    await writeScratch(this.scratch, ops);
  }
}

/**
 * History entries grouped by state key as they come in key order. A key's entries are contiguous
 * but for those of keys that begin with `${key}!` (see keys.ts), so a few groups can be open.
 */
class HistoryGroups {
  readonly #open: Group[] = [];

  /** The groups an entry of `key` completes, innermost first. */
  closedBy(key: string): Group[] {
    const closed: Group[] = [];
    for (let top = this.#open.at(-1); top && top.key !== key && !key.startsWith(`${top.key}!`); top = this.#open.at(-1)) {
      this.#open.pop();
      closed.push(top);
    }
    return closed;
  }

  /** Adds an entry of `key` (after closedBy); returns the entry it supersedes, if the key has one. */
  add(key: string, version: string, entry: Buffer): { version: string; entry: Buffer } | undefined {
    const top = this.#open.at(-1);
    if (top?.key !== key) {
      this.#open.push({ key, version, entry, rewritten: false });
      return undefined;
    }
    const earlier = { version: top.version, entry: top.entry };
    top.version = version;
    top.entry = entry;
    top.rewritten = true;
    return earlier;
  }

  /** The groups still open at the end, innermost first. */
  rest(): Group[] {
    return this.#open.splice(0).reverse();
  }
}

/** A key's history as it is read: its latest entry so far, and whether there was one before. */
interface Group {
  key: string;
  version: string;
  entry: Buffer;
  rewritten: boolean;
}

/** The history entry the ledger writes (ledger.ts): two plain strings and a flag, nothing nested. */
const AS_WRITTEN = /^\{"txId":"[^"\\]*","timestamp":"[^"\\]*","isDelete":(true|false)\}$/;

/** Whether a history entry records a delete: read off the text when it is the ledger's, else parsed. */
function deletes(entry: Buffer): boolean | undefined {
  const written = AS_WRITTEN.exec(entry.toString('latin1'));
  return written ? written[1] === 'true' : parseEntry(entry)?.isDelete;
}

/** Writes to the scratch store, counted as read: compacting them maps its tables in turn. */
async function writeScratch(scratch: LedgerDb, ops: { type: 'put'; key: string; value: Buffer }[]): Promise<void> {
  await scratch.batch(ops);
  let bytes = 0;
  for (const op of ops) bytes += op.key.length + op.value.length;
  charge(scratch, bytes);
  await recycle(scratch, RECYCLE_BYTES);
}

/** Phase 2: the blocks in order, beside the scratch store. */
async function walkBlocks(
  pass: Pass,
  lost: LostBlocks[],
): Promise<{ indexed: number; indexMissing: number; historyMissing: number; beyond?: string }> {
  const { db, scratch, report, findings, ticker, height, written: digest } = pass;
  const counts: { indexed: number; indexMissing: number; historyMissing: number; beyond?: string } = {
    indexed: 0,
    indexMissing: 0,
    historyMissing: 0,
  };
  const written = new Cursor(scratch, VERSIONS);
  // The blocks are read in key order (numbers are zero-padded), a block at a time; any other key
  // in their range must still name a block below the height.
  const blocks = new Cursor(db, BLOCK_RANGE, 1);
  const passBlock = (dbKey: string) => {
    if (counts.beyond === undefined && !(Number(dbKey.slice(2)) < height)) counts.beyond = dbKey;
  };
  const readBlock = async (number: number): Promise<{ block: Block; dataHashHolds: boolean }> => {
    const key = blockKey(number);
    for (let next = await blocks.peek(); next !== undefined && next[0] < key; next = await blocks.peek()) {
      await blocks.next();
      passBlock(next[0]);
    }
    const next = await blocks.peek();
    if (next?.[0] !== key) throw new Broken({ block: number, key, reason: 'block is missing' });
    await blocks.next();
    try {
      return decodeBlock(next[1]);
    } catch {
      throw new Broken({ block: number, key, reason: 'block is not readable JSON' });
    }
  };
  // A store from before the log has none yet (its first start gives it its leaves).
  const log = (await db.get(TLOG_SIZE_KEY)) === undefined ? undefined : new LogCheck(db);
  const passOver = (key: string) => {
    findings.note('historyExtra', { key: key.slice(VERSION_WIDTH), reason: 'history entry written by no block' });
  };
  try {
    let prevHash = GENESIS_PREV_HASH;
    for (let number = 0; number < height; number++) {
      ticker.tick(() => ({ phase: 'blocks', done: number, height, transactions: report.transactions }));
      await recycle(db, RECYCLE_BYTES);
      await recycle(scratch, RECYCLE_BYTES);
      const gap = lost.find((l) => l.from === number);
      if (gap) {
        // Accepted as lost by an operator (ledger:repair); the chain resumes from the hash receipts named.
        prevHash = gap.lastHash;
        number = gap.to;
        continue;
      }
      const { block, dataHashHolds } = await readBlock(number);
      const problem = blockFieldsProblem(block, number, dataHashHolds, prevHash);
      if (problem !== undefined) throw new Broken({ block: number, reason: problem });

      // The digest walk adds the index up instead of reading it here.
      const named = digest ? [] : await db.getMany(block.txs.map((tx) => txKey(tx.txId)));
      charge(db, POINT_READ * named.length);
      const inBlock = new Set<string>();
      for (const [index, tx] of block.txs.entries()) {
        if (inBlock.has(tx.txId)) throw new Broken({ block: number, txId: tx.txId, reason: 'transaction id appears twice' });
        inBlock.add(tx.txId);
        if (digest) {
          digest.add(indexElement(tx.txId, String(number)));
        } else {
          const indexed = named[index]?.toString('utf8');
          if (indexed === undefined) counts.indexMissing++;
          else if (indexed === String(number)) counts.indexed++;
          else await misplacedIndex(db, number, tx.txId, indexed, findings);
        }

        const version = String(number).padStart(12, '0') + String(index).padStart(6, '0');
        const entries = await historyAt(written, version, passOver);
        await checkHistory(pass, counts, number, version, tx, entries);
        for (const key of entries.keys()) passOver(version + key);
      }
      await log?.block(number, block);
      report.transactions += block.txs.length;
      prevHash = block.hash;
    }
    for (let next = await blocks.next(); next !== undefined; next = await blocks.next()) passBlock(next[0]);
    for (let next = await written.next(); next !== undefined; next = await written.next()) passOver(next[0]);
    for await (const key of scratch.keys({ gte: ORPHAN_PREFIX, limit: 1 }))
      findings.note('stateExtra', { key: key.slice(ORPHAN_PREFIX.length), reason: 'state key written by no block' });
    if (log) {
      const result = await log.finish();
      report.leaves = result.leaves;
      if (result.problem) findings.note('log', result.problem);
    }
  } finally {
    await blocks.close();
    await written.close();
    await log?.close();
  }
  return counts;
}

/**
 * The history entries one transaction wrote (the scratch store's entries at its version, by key).
 * Entries at earlier versions no block has reached are passed over as written by no block.
 */
async function historyAt(written: Cursor, version: string, passOver: (key: string) => void): Promise<Map<string, Buffer>> {
  for (let next = await written.peek(); next !== undefined && next[0] < version; next = await written.peek()) {
    await written.next();
    passOver(next[0]);
  }
  const entries = new Map<string, Buffer>();
  for (let next = await written.peek(); next !== undefined && next[0].startsWith(version); next = await written.peek()) {
    await written.next();
    entries.set(next[0].slice(VERSION_WIDTH), next[1]);
  }
  return entries;
}

/**
 * Each write of a transaction against the history entry stored for it (taken out of `entries`;
 * what is left was written by no block): the entry's transaction and time, the state value's
 * hash, and a standalone record's evidence.
 */
async function checkHistory(
  pass: Pass,
  counts: { historyMissing: number },
  number: number,
  version: string,
  tx: BlockTransaction,
  entries: Map<string, Buffer>,
): Promise<void> {
  const { scratch, findings, evidence, written: digest } = pass;
  // The history entry the ledger writes for this transaction (ledger.ts), as text: most
  // stored entries are exactly this, so they need not be parsed to be compared.
  const asWritten = `{"txId":${JSON.stringify(tx.txId)},"timestamp":${JSON.stringify(tx.timestamp)},"isDelete":`;
  if (digest) {
    for (const write of tx.writes) {
      const entry = `${asWritten}${String(write.value === null)}}`;
      const kept = entries.get(write.key);
      entries.delete(write.key);
      // Kept only for a key written more than once; a write it marks earlier is not what state holds.
      if (kept?.[0] === EARLIER || write.value === null) {
        digest.add(historyElement(write.key, version, entry));
        continue;
      }
      digest.add(latestElement(write.key, version, entry, write.value));
      if (write.key.startsWith(STANDALONE_PREFIX)) await evidence.standalone(write.key, write.value, tx);
    }
    return;
  }
  for (const write of tx.writes) {
    const stored = entries.get(write.key);
    if (stored === undefined) {
      counts.historyMissing++;
      // Its history entry is gone, but a block did write this key.
      if (write.value !== null) await scratch.del(ORPHAN_PREFIX + write.key);
      continue;
    }
    entries.delete(write.key);
    const withState = stored[0] === LATEST_WITH_STATE;
    const start = withState ? 33 : 1;
    const same = stored.toString('utf8', start) === `${asWritten}${String(write.value === null)}}`;
    const entry = same ? undefined : parseEntry(stored.subarray(start));
    if (!same && (entry?.txId !== tx.txId || entry.isDelete !== (write.value === null) || entry.timestamp !== tx.timestamp)) {
      findings.note('historyDiffers', { key: write.key, block: number, txId: tx.txId, reason: 'history entry differs from its block' });
    } else if (withState && !sha256(write.value ?? '').equals(stored.subarray(1, 33))) {
      findings.note('stateValue', {
        key: write.key,
        block: number,
        txId: tx.txId,
        reason: `state value differs from what block ${number} wrote`,
      });
    } else if (withState && write.value !== null && write.key.startsWith(STANDALONE_PREFIX)) {
      // The state value is this write's value: a standalone record, checked here once.
      await evidence.standalone(write.key, write.value, tx);
    }
  }
}

function parseEntry(bytes: Buffer): StoredHistoryEntry | undefined {
  try {
    return JSON.parse(bytes.toString('utf8')) as StoredHistoryEntry;
  } catch {
    return undefined;
  }
}

/** Whether a block holds a transaction (only read when the index names another block). */
async function blockHolds(db: LedgerDb, number: number, txId: string): Promise<boolean> {
  const bytes = Number.isSafeInteger(number) ? await db.get(blockKey(number)) : undefined;
  if (bytes === undefined) return false;
  try {
    return (JSON.parse(bytes.toString('utf8')) as Block).txs.some((tx) => tx.txId === txId);
  } catch {
    return false;
  }
}

/** The index names another block: the same id committed twice, or an index entry changed. */
async function misplacedIndex(db: LedgerDb, number: number, txId: string, indexed: string, findings: Findings): Promise<void> {
  const other = Number(indexed);
  if (other !== number && (await blockHolds(db, other, txId)))
    throw new Broken({ block: Math.max(number, other), txId, reason: 'transaction id appears twice' });
  findings.note('indexWrong', { txId, key: txKey(txId), reason: 'transaction index names the wrong block' });
}

/** Only when the index holds more entries than transactions: the first naming a block without its transaction. */
async function firstMisplacedIndexEntry(db: LedgerDb): Promise<BrokenLink | undefined> {
  for await (const [dbKey, value] of db.iterator(TX_RANGE)) {
    const txId = dbKey.slice(2);
    if (!(await blockHolds(db, Number(value.toString('utf8')), txId)))
      return { txId, key: dbKey, reason: 'transaction index names the wrong block' };
  }
  return undefined;
}

/** Whether a key has any history entry (entries of keys that begin with `${key}!` share the range). */
async function hasHistory(db: LedgerDb, key: string): Promise<boolean> {
  for await (const dbKey of db.keys(historyRange(key))) {
    if (parseHistoryKey(dbKey)?.key === key) return true;
  }
  return false;
}

/** The block and transaction of a key's last history entry, to name where a broken record came from. */
async function lastWrite(db: LedgerDb, key: string): Promise<{ block?: number; txId?: string }> {
  for await (const [dbKey, value] of db.iterator({ ...historyRange(key), reverse: true })) {
    const parsed = parseHistoryKey(dbKey);
    if (parsed?.key === key) return { block: parsed.block, txId: parseEntry(value)?.txId };
  }
  return {};
}

/**
 * Each project's records must form an unbroken hash chain; each standalone record must match its
 * hash. A project's records are contiguous in state (`\u0000record\u0000{projectId}\u0000…`), so
 * one project is held at a time.
 */
class EvidenceCheck {
  records = 0;
  projects = 0;
  #projectId: string | undefined;
  #chain: { key: string; record: LedgerRecord }[] = [];

  constructor(
    private readonly db: LedgerDb,
    private readonly findings: Findings,
  ) {}

  async add(key: string, value: Buffer): Promise<void> {
    const standalone = key.startsWith(STANDALONE_PREFIX);
    if (!standalone && !key.startsWith(RECORD_PREFIX)) return;
    this.records++;
    // Checked by the block walk, which holds the same text (see `standalone`).
    if (standalone) return;
    let record: LedgerRecord;
    try {
      record = JSON.parse(value.toString('utf8')) as LedgerRecord;
    } catch {
      // Not a record at all: the value differs from what its block wrote, reported as such.
      return;
    }
    const projectId = key.slice(RECORD_PREFIX.length).split('\u0000')[0] ?? '';
    if (projectId !== this.#projectId) await this.finish();
    this.#projectId = projectId;
    this.#chain.push({ key, record });
  }

  /** Checks the project in hand: its chain and its bidders' chains, and the opening's seal over the latter. */
  async finish(): Promise<void> {
    const chain = this.#chain;
    this.#chain = [];
    this.#projectId = undefined;
    if (chain.length === 0) return;
    this.projects++;
    const result = checkChain(
      chain.map((c) => c.record),
      (leaves) => toHex(rootOfLeaves(leaves.map(leafHash))),
    );
    if (!result.valid && result.brokenAt) {
      const at = chain[result.brokenAt.index];
      await this.#broken(at?.key ?? '', `record chain broken (${result.brokenAt.reason})`);
    }
  }

  /**
   * A standalone record (a state value whose hash matched the block's write): it must match its
   * hash. When it is the transaction's event too, the log's check of that record is reused.
   */
  async standalone(key: string, value: string, tx: BlockTransaction): Promise<void> {
    let holds: boolean;
    try {
      if (tx.event?.payload === value) {
        holds = eventRecordHolds(tx).holds;
      } else {
        const record = JSON.parse(value) as LedgerRecord;
        holds = recordHashOf(record) === record.hash;
      }
    } catch {
      // Not a record at all: as in the state walk, not a record to check.
      return;
    }
    if (!holds) await this.#broken(key, 'record hash differs from its content');
  }

  /** The first broken record in key order, as the state walk meets them (standalone ones come later, from the blocks). */
  async #broken(key: string, reason: string): Promise<void> {
    const held = this.findings.get('evidence');
    if (held !== undefined && (held.key ?? '') <= key) return;
    this.findings.noteSmallerKey('evidence', { key, ...(await lastWrite(this.db, key)), reason });
  }
}
