import type { Level } from 'level';
import { historyRange, parseHistoryKey, stateKey, STATE_PREFIX } from './keys.js';
import type { KeyModification, KV, StateView } from './stub.js';

export type LedgerDb = Level<string, Buffer>;
type Snapshot = ReturnType<LedgerDb['snapshot']>;

/** A history entry as stored under `h!`. */
export interface StoredHistoryEntry {
  txId: string;
  timestamp: string;
  isDelete: boolean;
  value: string;
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The committed world state, optionally through a LevelDB snapshot so a query sees one moment. */
export class CommittedView implements StateView {
  constructor(private readonly db: LedgerDb, private readonly snapshot?: Snapshot) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.db.get(stateKey(key), this.snapshot ? { snapshot: this.snapshot } : {});
  }

  async range(start: string, end: string): Promise<KV[]> {
    const entries: KV[] = [];
    for await (const [dbKey, value] of this.db.iterator({ gte: stateKey(start), lt: stateKey(end), ...(this.snapshot ? { snapshot: this.snapshot } : {}) })) {
      entries.push({ key: dbKey.slice(STATE_PREFIX.length), value });
    }
    return entries;
  }

  async history(key: string): Promise<KeyModification[]> {
    const entries: KeyModification[] = [];
    for await (const [dbKey, value] of this.db.iterator({ ...historyRange(key), ...(this.snapshot ? { snapshot: this.snapshot } : {}) })) {
      if (parseHistoryKey(dbKey)?.key !== key) continue;
      const entry = JSON.parse(value.toString('utf8')) as StoredHistoryEntry;
      const ms = Date.parse(entry.timestamp);
      entries.push({
        txId: entry.txId,
        value: Buffer.from(entry.value, 'utf8'),
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
  constructor(private readonly base: StateView, private readonly overlay: ReadonlyMap<string, Uint8Array | null>) {}

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
