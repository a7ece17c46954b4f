import type { Level } from 'level';

type Db = Level<string, Buffer>;
type Range = { gte?: string; gt?: string; lt?: string; lte?: string };

/**
 * One pass over a key range, read in batches (one LevelDB call per `batch` entries, not one per
 * entry), with a look at the next entry without taking it: what merge-joins need.
 */
export class Cursor {
  readonly #iterator: { nextv(size: number): Promise<[string, Buffer][]>; close(): Promise<void> };
  readonly #batch: number;
  #entries: [string, Buffer][] = [];
  #at = 0;
  #done = false;

  constructor(db: Db, range: Range, batch = 1024) {
    this.#iterator = db.iterator<string, Buffer>(range);
    this.#batch = batch;
  }

  /** The next entry, left in place; undefined at the end. */
  async peek(): Promise<[string, Buffer] | undefined> {
    if (this.#at < this.#entries.length) return this.#entries[this.#at];
    if (this.#done) return undefined;
    this.#entries = await this.#iterator.nextv(this.#batch);
    this.#at = 0;
    if (this.#entries.length === 0) this.#done = true;
    return this.#entries[0];
  }

  /** The next entry, taken. */
  async next(): Promise<[string, Buffer] | undefined> {
    const entry = await this.peek();
    if (entry !== undefined) this.#at++;
    return entry;
  }

  close(): Promise<void> {
    return this.#iterator.close();
  }
}

/** How many keys a range holds, without reading their values. */
export async function countKeys(db: Db, range: Range): Promise<number> {
  const keys = db.keys(range);
  let count = 0;
  try {
    for (;;) {
      const batch = await keys.nextv(4096);
      if (batch.length === 0) return count;
      count += batch.length;
    }
  } finally {
    await keys.close();
  }
}
