import type { Level } from 'level';
import { blockKey, historyRange, parseHistoryKey, stateKey, STATE_PREFIX, utf8Compare } from './keys.js';
import type { Block } from './block.js';
import type { KeyModification, KV, StateView } from './stub.js';

export type LedgerDb = Level<string, Buffer>;
type Snapshot = ReturnType<LedgerDb['snapshot']>;

/** A history entry as stored under `h!`; the value itself is read from the block that wrote it. */
export interface StoredHistoryEntry {
  txId: string;
  timestamp: string;
  isDelete: boolean;
}

/**
 * Committed values of recently used keys, so the hot keys of a busy tender (its project and
 * bidders) are read from memory. Written through on every commit; a value read from LevelDB
 * is kept only if no commit happened while it was being read, so it can never be stale.
 */
export class StateCache {
  readonly #values = new Map<string, Uint8Array | null>();
  #generation = 0;

  constructor(private readonly limit = 100_000) {}

  get generation(): number {
    return this.#generation;
  }

  lookup(key: string): Uint8Array | null | undefined {
    return this.#values.get(key);
  }

  remember(key: string, value: Uint8Array | null, readAtGeneration: number): void {
    if (readAtGeneration !== this.#generation) return;
    this.#evictIfFull();
    this.#values.set(key, value);
  }

  /** A block's writes are durable: `values[t][w]` is the value of `txs[t].writes[w]` (null: deleted). */
  committed(txs: readonly { writes: readonly { key: string }[] }[], values: readonly (readonly (Uint8Array | null)[])[]): void {
    this.#generation++;
    this.#evictIfFull();
    txs.forEach((tx, t) => {
      tx.writes.forEach(({ key }, w) => this.#values.set(key, values[t]?.[w] ?? null));
    });
  }

  #evictIfFull(): void {
    if (this.#values.size >= this.limit) this.#values.clear();
  }
}

/** The committed world state, optionally through a LevelDB snapshot so a query sees one moment. */
export class CommittedView implements StateView {
  constructor(
    private readonly db: LedgerDb,
    private readonly snapshot?: Snapshot,
    private readonly cache?: StateCache,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.snapshot || !this.cache) {
      return this.db.get(stateKey(key), this.snapshot ? { snapshot: this.snapshot } : {});
    }
    const cached = this.cache.lookup(key);
    if (cached !== undefined) return cached ?? undefined;
    const generation = this.cache.generation;
    // A point read is a few microseconds in LevelDB; the async form would cost a thread-pool round trip per read.
    const value = this.db.getSync(stateKey(key));
    this.cache.remember(key, value ?? null, generation);
    return value;
  }

  async range(start: string, end: string): Promise<KV[]> {
    const entries: KV[] = [];
    for await (const [dbKey, value] of this.db.iterator({
      gte: stateKey(start),
      lt: stateKey(end),
      ...(this.snapshot ? { snapshot: this.snapshot } : {}),
    })) {
      entries.push({ key: dbKey.slice(STATE_PREFIX.length), value });
    }
    return entries;
  }

  async history(key: string): Promise<KeyModification[]> {
    const entries: KeyModification[] = [];
    for await (const [dbKey, value] of this.db.iterator({ ...historyRange(key), ...(this.snapshot ? { snapshot: this.snapshot } : {}) })) {
      const at = parseHistoryKey(dbKey);
      if (at?.key !== key) continue;
      const entry = JSON.parse(value.toString('utf8')) as StoredHistoryEntry;
      const ms = Date.parse(entry.timestamp);
      const blockBytes = await this.db.get(blockKey(at.block), this.snapshot ? { snapshot: this.snapshot } : {});
      const written = blockBytes
        ? (JSON.parse(blockBytes.toString('utf8')) as Block).txs[at.tx]?.writes.find((w) => w.key === key)
        : undefined;
      entries.push({
        txId: entry.txId,
        value: Buffer.from(written?.value ?? '', 'utf8'),
        isDelete: entry.isDelete,
        timestamp: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 },
      });
    }
    return entries;
  }
}

/**
 * The committed state plus the writes of the transactions already executed for the block being
 * built: transactions run one at a time, each seeing all before it.
 */
export class OverlayView implements StateView {
  constructor(
    private readonly base: StateView,
    private readonly overlay: ReadonlyMap<string, Uint8Array | null>,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.overlay.has(key)) {
      return this.overlay.get(key) ?? undefined;
    }
    return this.base.get(key);
  }

  async range(start: string, end: string): Promise<KV[]> {
    const merged = new Map<string, Uint8Array>();
    for (const kv of await this.base.range(start, end)) merged.set(kv.key, kv.value);
    for (const [key, value] of this.overlay) {
      if (utf8Compare(key, start) < 0 || utf8Compare(key, end) >= 0) continue;
      if (value === null) merged.delete(key);
      else merged.set(key, value);
    }
    return [...merged.entries()].sort(([a], [b]) => utf8Compare(a, b)).map(([key, value]) => ({ key, value }));
  }

  /** History is of committed blocks only, as on a peer. */
  async history(key: string): Promise<KeyModification[]> {
    return this.base.history(key);
  }
}
