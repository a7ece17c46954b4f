import { hash as digest } from 'node:crypto';
import { canonicalJson, must, type LedgerRecord } from '@tender-ledger/domain';
import { HASH_SIZE, MemoryTree, bytesEqual, leafHash, nodeHash, toHex, type NodeSource } from '@tender-ledger/tlog';
import { useNodeCrypto } from '@tender-ledger/tlog/node';
import type { Block, BlockTransaction } from './block.js';
import { countKeys, Cursor } from './cursor.js';
import type { BrokenLink } from './integrity.js';
import { blockKey, txKey } from './keys.js';
import type { LedgerDb } from './views.js';

/**
 * The transparency log of the embedded ledger (issue 12): every committed record is a leaf, in
 * commit order (block, then transaction), and a leaf's data is the record's 32-byte hash, so the
 * public log says nothing of a sealed bid. Its LevelDB keys, written in the very batch of the
 * block whose records they log (so a crash leaves both or neither):
 *   tlog/size                  number of leaves
 *   tlog/e/{index:12}          leaf data: the record hash (32 bytes), tlog-tiles' entries
 *   tlog/n/{level:2}/{i:12}    the hash of a complete subtree at a tile level (8, 16, …): what a
 *                              tile of level ≥ 1 holds; the levels between follow from the entries
 *   tlog/b/{block:12}          the leaf index of the block's first record (a record's leaf is
 *                              that plus its place among the block's records)
 * One put per record and a few per block: the log costs the write path little.
 */
export const TLOG_SIZE_KEY = 'tlog/size';
export const tlogEntryKey = (index: number) => `tlog/e/${String(index).padStart(12, '0')}`;
export const tlogNodeKey = (level: number, index: number) => `tlog/n/${String(level).padStart(2, '0')}/${String(index).padStart(12, '0')}`;
export const tlogBlockKey = (block: number) => `tlog/b/${String(block).padStart(12, '0')}`;
export const TLOG_BLOCK_RANGE = { gte: 'tlog/b/', lt: 'tlog/b0' };
/** Tree levels whose nodes are stored: tlog-tiles' tile levels above the leaves. */
const TILE_LEVEL = 8;
export const TLOG_ENTRY_RANGE = { gte: 'tlog/e/', lt: 'tlog/e0' };
export const TLOG_NODE_RANGE = { gte: 'tlog/n/', lt: 'tlog/n0' };

type Op = { type: 'put'; key: string; value: Buffer };

// The ledger runs in Node: OpenSSL's SHA-256 for the tree (the same hashes, several times faster).
useNodeCrypto();

/**
 * The leaf data of a transaction: the hash of the record it wrote. A transaction writes at most
 * one record and announces it as its event (the record's canonical JSON); one without is no leaf.
 */
export function leafDataOf(tx: Pick<BlockTransaction, 'txId' | 'event'>): Uint8Array | undefined {
  const payload = tx.event?.payload;
  if (payload === undefined) return undefined;
  // Fast path on the write path: a record's event is its RFC 8785 form, whose first member is the
  // flat `actor` object and whose second is `hash`. Inside a JSON string every '"' is escaped, so
  // the first '},"hash":"' is that member; and the record's own id is this transaction's.
  if (payload.startsWith('{"actor":{')) {
    const at = payload.indexOf('},"hash":"');
    const hash = at < 0 ? '' : payload.slice(at + 10, at + 74);
    if (at >= 0 && payload[at + 74] === '"' && /^[0-9a-f]{64}$/.test(hash) && payload.includes(`,"recordId":"${tx.txId}",`))
      return Buffer.from(hash, 'hex');
    // A bidder chain's record has `bidderChain` between them (every bid's): it took the JSON.parse
    // below and the hex decoding in JavaScript, a thirtieth of a bid's CPU. Its head read exactly,
    // strings without escapes, so what follows `"hash":` is the record's own.
    const head = BIDDER_RECORD_HEAD.exec(payload);
    if (head?.[1] !== undefined && payload.includes(`,"recordId":"${tx.txId}",`)) return Buffer.from(head[1], 'hex');
  }
  let record: Partial<LedgerRecord>;
  try {
    record = JSON.parse(payload) as Partial<LedgerRecord>;
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || record.recordId !== tx.txId || typeof record.hash !== 'string') return undefined;
  // Node's hex decoder, once the text is known to be hex: the same bytes as fromHex, a fifth of the time.
  return /^[0-9a-f]{64}$/.test(record.hash) ? Buffer.from(record.hash, 'hex') : undefined;
}

/** The head of a bidder chain record's RFC 8785 text, up to its hash (strings without escapes or control characters). */
const BIDDER_RECORD_HEAD =
  // eslint-disable-next-line no-control-regex -- control characters are what a JSON string may not hold unescaped
  /^\{"actor":\{"clientId":"[^"\\\u0000-\u001f]*","mspId":"[^"\\\u0000-\u001f]*"\},"bidderChain":"[^"\\\u0000-\u001f]*","hash":"([0-9a-f]{64})"/;

/** The leaves of a block's records, in transaction order, with their transaction ids. */
export function blockLeaves(block: Pick<Block, 'txs'>): { txId: string; data: Uint8Array }[] {
  const leaves: { txId: string; data: Uint8Array }[] = [];
  for (const tx of block.txs) {
    const data = leafDataOf(tx);
    if (data !== undefined) leaves.push({ txId: tx.txId, data });
  }
  return leaves;
}

/** What appending a block to the log writes, and where its records landed. */
export interface LoggedBlock {
  ops: Op[];
  /** Transaction id → leaf index. */
  indices: Map<string, number>;
  /** Tree size once this block is durable. */
  size: number;
}

/**
 * The log in memory (the tree and the leaf data) over what is on disk. It runs ahead of the
 * disk by the blocks being written; `size` is what is durable, and everything served (roots,
 * proofs, tiles) is at most that.
 */
export class LedgerLog implements NodeSource {
  readonly #db: LedgerDb;
  readonly #tree = new MemoryTree();
  #entries = new Uint8Array(1024 * HASH_SIZE);
  #durable = 0;
  /** Leaf indices of the latest records (proofs are mostly asked for just after a write). */
  readonly #recent = new Map<string, number>();

  private constructor(db: LedgerDb) {
    this.#db = db;
  }

  /**
   * Loads the log and checks it against the ledger's last blocks (bounded: `windowBlocks`):
   * the leaf count against `tlog/size`, each recent record's leaf, and the stored nodes above
   * it. A store from before the log gets its leaves from its blocks first (one synced batch).
   * Returns the log and the problems found (the caller refuses to serve if there are any).
   */
  static async load(
    db: LedgerDb,
    height: number,
    windowBlocks: number,
    windowTransactions = 2048,
  ): Promise<{ log: LedgerLog; problems: BrokenLink[] }> {
    if (height > 0 && (await db.get(TLOG_SIZE_KEY)) === undefined) await new LedgerLog(db).#backfill(height);
    const log = new LedgerLog(db);
    const sizeBytes = await db.get(TLOG_SIZE_KEY);
    const size = sizeBytes === undefined ? 0 : Number(sizeBytes.toString('utf8'));
    const problems: BrokenLink[] = [];
    // Read in batches: one LevelDB call per 4,096 entries, not one per entry.
    const iterator = db.iterator(TLOG_ENTRY_RANGE);
    try {
      read: for (;;) {
        const batch = await iterator.nextv(4096);
        if (batch.length === 0) break;
        for (const [key, value] of batch) {
          const expected = tlogEntryKey(log.#tree.size);
          if (key !== expected || value.length !== HASH_SIZE) {
            problems.push({ key, reason: `log entry ${key} is out of place or not 32 bytes (expected ${expected})` });
            break read;
          }
          log.#push(value);
        }
      }
    } finally {
      await iterator.close();
    }
    if (sizeBytes !== undefined && log.#tree.size !== size) {
      problems.push({ key: TLOG_SIZE_KEY, reason: `the log holds ${log.#tree.size} leaves, its size key says ${size}` });
    }
    log.#durable = log.#tree.size;
    if (problems.length === 0) problems.push(...(await log.#checkRecent(height, windowBlocks, windowTransactions)));
    return { log, problems };
  }

  /** Durable number of leaves. */
  get size(): number {
    return this.#durable;
  }

  /** Root hash at `size` leaves (default: the durable size). */
  root(size = this.#durable): Uint8Array {
    return this.#tree.root(this.#bounded(size));
  }

  inclusionProof(index: number, size = this.#durable): Uint8Array[] {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
    return this.#tree.inclusionProof(index, this.#bounded(size));
  }

  consistencyProof(size1: number, size2 = this.#durable): Uint8Array[] {
    return this.#tree.consistencyProof(size1, this.#bounded(size2));
  }

  /** A complete, durable subtree hash (tlog-tiles: a tile's hashes are these). */
  node(level: number, index: number): Uint8Array {
    if ((index + 1) * 2 ** level > this.#durable) throw new RangeError(`no durable node at level ${level}, index ${index}`);
    return this.#tree.node(level, index);
  }

  /** Leaf data (the record hash) of a durable leaf. */
  entry(index: number): Uint8Array {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.#durable) throw new RangeError(`no leaf ${index}`);
    return this.#entries.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  /** The leaf index of a transaction's record, once durable. */
  async leafIndexOf(txId: string): Promise<number | undefined> {
    let index = this.#recent.get(txId);
    if (index === undefined) {
      const blockBytes = await this.#db.get(txKey(txId));
      if (blockBytes === undefined) return undefined;
      const number = Number(blockBytes.toString('utf8'));
      const first = await this.#db.get(tlogBlockKey(number));
      if (first === undefined) return undefined;
      const block = await this.#db.get(blockKey(number));
      if (block === undefined) return undefined;
      const position = blockLeaves(JSON.parse(block.toString('utf8')) as Block).findIndex((l) => l.txId === txId);
      if (position < 0) return undefined;
      index = Number(first.toString('utf8')) + position;
    }
    return index < this.#durable ? index : undefined;
  }

  /** Appends a sealed block's records (in memory) and returns what its batch must also write. */
  append(block: Pick<Block, 'number' | 'txs'>): LoggedBlock {
    const ops: Op[] = [];
    const indices = new Map<string, number>();
    const first = this.#tree.size;
    for (const { txId, data } of blockLeaves(block)) {
      const index = this.#push(data);
      indices.set(txId, index);
      this.#recent.set(txId, index);
      ops.push({ type: 'put', key: tlogEntryKey(index), value: Buffer.from(data) });
      for (const [level, i] of storedNodesWrittenBy(index))
        ops.push({ type: 'put', key: tlogNodeKey(level, i), value: Buffer.from(this.#tree.node(level, i)) });
    }
    if (indices.size > 0) {
      ops.push({ type: 'put', key: tlogBlockKey(block.number), value: Buffer.from(String(first)) });
      ops.push({ type: 'put', key: TLOG_SIZE_KEY, value: Buffer.from(String(this.#tree.size)) });
    }
    for (const txId of this.#recent.keys()) {
      if (this.#recent.size <= 65_536) break;
      this.#recent.delete(txId);
    }
    return { ops, indices, size: this.#tree.size };
  }

  /** The block's batch is durable: its leaves may be served. */
  durable(size: number): void {
    if (size > this.#durable) this.#durable = size;
  }

  #push(data: Uint8Array): number {
    const index = this.#tree.size;
    if ((index + 1) * HASH_SIZE > this.#entries.length) {
      const grown = new Uint8Array(this.#entries.length * 2);
      grown.set(this.#entries);
      this.#entries = grown;
    }
    this.#entries.set(data, index * HASH_SIZE);
    return this.#tree.append(leafHash(data));
  }

  #bounded(size: number): number {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.#durable)
      throw new RangeError(`the log has ${this.#durable} leaves, not ${size}`);
    return size;
  }

  async #backfill(height: number): Promise<void> {
    const ops: Op[] = [];
    for (let n = 0; n < height; n++) {
      const bytes = await this.#db.get(blockKey(n));
      if (bytes === undefined) continue; // a block recorded lost: its records are gone, and so are their leaves
      ops.push(...this.append(JSON.parse(bytes.toString('utf8')) as Block).ops);
    }
    ops.push({ type: 'put', key: TLOG_SIZE_KEY, value: Buffer.from(String(this.#tree.size)) });
    await this.#db.batch(ops as never, { sync: true });
  }

  /** The last blocks' records against their leaves, then the nodes those leaves wrote. */
  async #checkRecent(height: number, windowBlocks: number, windowTransactions: number): Promise<BrokenLink[]> {
    let end = this.#tree.size;
    let reachedGenesis = true;
    const checked: { block: number; index: number }[] = [];
    const firsts: { block: number; first: number }[] = [];
    for (let n = height - 1; n >= Math.max(0, height - windowBlocks) && checked.length < windowTransactions; n--) {
      const bytes = await this.#db.get(blockKey(n));
      if (bytes === undefined) {
        // A block ledger:repair recorded lost: its records and their leaves went together.
        reachedGenesis = false;
        break;
      }
      const leaves = blockLeaves(JSON.parse(bytes.toString('utf8')) as Block);
      const start = end - leaves.length;
      if (start < 0) return [{ block: n, reason: `block ${n} holds more records than the log has leaves` }];
      for (const [k, leaf] of leaves.entries()) {
        const index = start + k;
        if (!bytesEqual(this.#entries.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE), leaf.data)) {
          return [
            {
              block: n,
              txId: leaf.txId,
              key: tlogEntryKey(index),
              reason: `log leaf ${index} is not the hash of record ${leaf.txId} (${toHex(leaf.data)})`,
            },
          ];
        }
        checked.push({ block: n, index });
      }
      if (leaves.length > 0) firsts.push({ block: n, first: start });
      end = start;
    }
    if (reachedGenesis && height <= windowBlocks && end !== 0) {
      return [{ key: tlogEntryKey(0), reason: `the log has ${end} leaves no record accounts for` }];
    }
    for (const { block, first } of firsts) {
      const stored = await this.#db.get(tlogBlockKey(block));
      if (stored?.toString('utf8') !== String(first)) {
        return [{ block, key: tlogBlockKey(block), reason: `block ${block}'s first leaf is not ${first}` }];
      }
    }
    for (const { block, index } of checked) {
      for (const [level, i] of storedNodesWrittenBy(index)) {
        const node = await this.#db.get(tlogNodeKey(level, i));
        if (node === undefined || !bytesEqual(node, this.#tree.node(level, i))) {
          return [{ block, key: tlogNodeKey(level, i), reason: `log node (${level}, ${i}) is missing or not the hash of its leaves` }];
        }
      }
    }
    return [];
  }
}

/** The nodes at tile levels (8, 16, …) that appending leaf `index` completes. */
export function storedNodesWrittenBy(index: number): [number, number][] {
  return nodesWrittenBy(index).filter(([level]) => level > 0 && level % TILE_LEVEL === 0);
}

/** The subtree nodes appending leaf `index` completes: (0, index), then up while it is a right child. */
export function nodesWrittenBy(index: number): [number, number][] {
  const nodes: [number, number][] = [[0, index]];
  let level = 0;
  let i = index;
  while (i % 2 === 1) {
    level += 1;
    i = (i - 1) / 2;
    nodes.push([level, i]);
  }
  return nodes;
}

/**
 * ledger:verify's part: every record of every block is its leaf, in order, and every stored
 * node is the hash of its leaves (nothing missing, nothing extra). `lost` blocks have no leaves.
 */
export async function verifyLog(db: LedgerDb, height: number): Promise<{ leaves: number; problem?: BrokenLink }> {
  const check = new LogCheck(db);
  try {
    for (let n = 0; n < height && check.problem === undefined; n++) {
      const bytes = await db.get(blockKey(n));
      if (bytes !== undefined) await check.block(n, JSON.parse(bytes.toString('utf8')) as Block);
    }
    return await check.finish();
  } finally {
    await check.close();
  }
}

/**
 * The log check fed one block at a time (ledger:verify walks the blocks once for everything).
 * It holds the tree's right edge only, O(log n) hashes: each stored node is compared as the
 * leaf that completes it is appended, so memory does not grow with the log. The first problem
 * found stops the check, as the walk would.
 */
/** The domain's record hash rule (SHA-256 of the RFC 8785 form without `hash`), with OpenSSL's SHA-256. */
export function recordHashOf(record: LedgerRecord): string {
  const { hash: _ignored, ...rest } = record;
  return digest('sha256', canonicalJson(rest));
}

const eventRecords = new WeakMap<BlockTransaction, { hash: unknown; holds: boolean }>();

/**
 * Whether the record a transaction announces as its event hashes to its own `hash`, computed once
 * per transaction (a standalone record's state value is the same text, checked with this too).
 * Throws if the payload is not JSON.
 */
export function eventRecordHolds(tx: BlockTransaction): { hash: unknown; holds: boolean } {
  let known = eventRecords.get(tx);
  if (known === undefined) {
    // Callers pass only a transaction with an event (a leaf, or its record's state value).
    const record = JSON.parse(must(tx.event, `the event of ${tx.txId}`).payload) as LedgerRecord;
    known = { hash: record.hash, holds: recordHashOf(record) === record.hash };
    eventRecords.set(tx, known);
  }
  return known;
}

export class LogCheck {
  readonly #db: LedgerDb;
  readonly #entries: Cursor;
  /** Hashes of the complete subtrees on the right edge, largest first (a compact range from 0). */
  readonly #edge: Uint8Array[] = [];
  #size = 0;
  #blocksWithLeaves = 0;
  #nodesFound = 0;
  #nodesMissing = 0;
  problem: BrokenLink | undefined;

  constructor(db: LedgerDb) {
    this.#db = db;
    this.#entries = new Cursor(db, TLOG_ENTRY_RANGE, 4096);
  }

  get leaves(): number {
    return this.#size;
  }

  async block(n: number, block: Pick<Block, 'txs'>): Promise<void> {
    if (this.problem !== undefined) return;
    const first = this.#size;
    for (const tx of block.txs) {
      const data = leafDataOf(tx);
      if (data === undefined) continue;
      // The event's record is the record: its hash is recomputed, not taken on trust.
      const record = eventRecordHolds(tx);
      if (!record.holds) {
        this.problem = { block: n, txId: tx.txId, reason: `record ${tx.txId} does not hash to ${String(record.hash)}` };
        return;
      }
      const index = this.#size;
      const next = await this.#entries.next();
      if (next === undefined || next[0] !== tlogEntryKey(index) || !bytesEqual(next[1], data)) {
        this.problem = {
          block: n,
          txId: tx.txId,
          key: tlogEntryKey(index),
          reason: `log leaf ${index} is missing or not the hash of record ${tx.txId}`,
        };
        return;
      }
      await this.#append(leafHash(data));
    }
    if (this.#size > first) {
      this.#blocksWithLeaves += 1;
      const stored = await this.#db.get(tlogBlockKey(n));
      if (stored?.toString('utf8') !== String(first))
        this.problem = { block: n, key: tlogBlockKey(n), reason: `block ${n}'s first leaf is not ${first}` };
    }
  }

  /** After the last block: nothing extra in the log, and its size, block and node counts. */
  async finish(): Promise<{ leaves: number; problem?: BrokenLink }> {
    const leaves = this.#size;
    if (this.problem !== undefined) return { leaves, problem: this.problem };
    const extra = await this.#entries.next();
    if (extra !== undefined) return { leaves, problem: { key: extra[0], reason: `log entry ${extra[0]} has no record` } };
    const sizeBytes = await this.#db.get(TLOG_SIZE_KEY);
    if (Number(sizeBytes?.toString('utf8') ?? 0) !== leaves) {
      return {
        leaves,
        problem: {
          key: TLOG_SIZE_KEY,
          reason: `the log's size key says ${sizeBytes?.toString('utf8') ?? 'nothing'}, the records make ${leaves} leaves`,
        },
      };
    }
    const blockKeys = await countKeys(this.#db, TLOG_BLOCK_RANGE);
    if (blockKeys !== this.#blocksWithLeaves)
      return {
        leaves,
        problem: {
          key: 'tlog/b/',
          reason: `the log names the first leaf of ${blockKeys} blocks; ${this.#blocksWithLeaves} blocks hold records`,
        },
      };
    // Every node the leaves make was read and matched, so a count above that is a node too many.
    const nodes = await countKeys(this.#db, TLOG_NODE_RANGE);
    if (nodes > this.#nodesFound) {
      for await (const key of this.#db.keys(TLOG_NODE_RANGE)) {
        if (!this.#madeByLeaves(key)) return { leaves, problem: { key, reason: `log node ${key} is not the hash of its leaves` } };
      }
    }
    const expectedNodes = this.#nodesFound + this.#nodesMissing;
    if (nodes !== expectedNodes)
      return { leaves, problem: { key: 'tlog/n/', reason: `the log stores ${nodes} nodes, its ${leaves} leaves make ${expectedNodes}` } };
    return { leaves };
  }

  close(): Promise<void> {
    return this.#entries.close();
  }

  /** Appends a leaf hash to the right edge; checks each stored node it completes. */
  async #append(leaf: Uint8Array): Promise<void> {
    let hash = leaf;
    let level = 0;
    let i = this.#size;
    while (i % 2 === 1) {
      // An odd index has its left sibling on the edge; a compare, not a call, on this per-leaf path.
      const left = this.#edge.pop();
      if (left === undefined) throw new Error(`internal error: the log's right edge is shorter than ${this.#size} leaves need`);
      hash = nodeHash(left, hash);
      level += 1;
      i = (i - 1) / 2;
      if (level % TILE_LEVEL === 0 && this.problem === undefined) {
        const key = tlogNodeKey(level, i);
        const stored = await this.#db.get(key);
        if (stored === undefined) this.#nodesMissing += 1;
        else if (bytesEqual(stored, hash)) this.#nodesFound += 1;
        else this.problem = { key, reason: `log node ${key} is not the hash of its leaves` };
      }
    }
    this.#edge.push(hash);
    this.#size += 1;
  }

  /** Whether a node key names a complete subtree at a tile level of the tree checked. */
  #madeByLeaves(key: string): boolean {
    const match = /^tlog\/n\/(\d{2})\/(\d{12})$/.exec(key);
    const level = Number(match?.[1]);
    const index = Number(match?.[2]);
    return match !== null && level > 0 && level % TILE_LEVEL === 0 && (index + 1) * 2 ** level <= this.#size;
  }
}
