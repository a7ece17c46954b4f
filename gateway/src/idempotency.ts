import { Level } from 'level';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

/**
 * Remembers the answer to each write by (caller, Idempotency-Key), so a retried request gets
 * the first answer and never makes a second record. A retry that arrives while the first is
 * still running waits for it. Kept in its own LevelDB beside the ledger.
 */
export class IdempotencyStore {
  readonly #db: Level<string, string>;
  readonly #inFlight = new Map<string, Promise<StoredAnswer & { fingerprint: string; replayed: boolean }>>();

  private constructor(db: Level<string, string>) {
    this.#db = db;
  }

  static async open(directory: string): Promise<IdempotencyStore> {
    const db = new Level<string, string>(directory, { valueEncoding: 'utf8' });
    await db.open();
    return new IdempotencyStore(db);
  }

  /**
   * Runs `work` once per scope and key. `fingerprint` identifies the request: the same key
   * with another request is refused (`reused: true`). 5xx answers are not kept, so they retry.
   */
  async once(scope: string, key: string, fingerprint: string, work: () => Promise<StoredAnswer>): Promise<StoredAnswer & { replayed: boolean; reused: boolean }> {
    const id = `${scope}\u0000${key}`;
    let pending = this.#inFlight.get(id);
    const first = pending === undefined;
    if (!pending) {
      // Registered before any await, so a concurrent retry finds it and waits.
      pending = (async () => {
        const stored = await this.#read(id);
        if (stored) return { ...stored, replayed: true };
        const entry = { ...(await work()), fingerprint };
        if (entry.status < 500) await this.#db.put(id, JSON.stringify(entry));
        return { ...entry, replayed: false };
      })();
      this.#inFlight.set(id, pending);
      const forget = () => { this.#inFlight.delete(id); };
      pending.then(forget, forget);
    }
    const answer = await pending;
    return { status: answer.status, body: answer.body, replayed: !first || answer.replayed, reused: answer.fingerprint !== fingerprint };
  }

  async close(): Promise<void> {
    await this.#db.close();
  }

  async #read(id: string): Promise<(StoredAnswer & { fingerprint: string }) | undefined> {
    const raw = await this.#db.get(id);
    return raw === undefined ? undefined : JSON.parse(raw) as StoredAnswer & { fingerprint: string };
  }
}
