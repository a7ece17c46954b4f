import type { Level } from 'level';

type Db = Level<string, Buffer>;
type Range = { gte?: string; gt?: string; lt?: string; lte?: string };

const NO_VALUE = Buffer.alloc(0);

/** The cursors open on each store, so that the store can be closed and reopened under them. */
const cursorsOf = new WeakMap<Db, Set<Cursor>>();
/** Bytes read from each store since it was last (re)opened: about what LevelDB holds mapped. */
const readSince = new WeakMap<Db, number>();

/** Counts bytes read from a store outside a cursor (a point read touches at least a 4 KiB block). */
export function charge(db: Db, bytes: number): void {
  readSince.set(db, (readSince.get(db) ?? 0) + bytes);
}

/**
 * Closes and reopens a store once `limit` bytes have been read from it since it was opened,
 * and resumes its open cursors after the last key each had fetched. LevelDB maps every table
 * it reads into memory and keeps up to 64 of them open (its smallest `max_open_files`), so a
 * long walk would otherwise hold ~64 tables resident; closing unmaps them. Call it only
 * between reads (no get or batch in flight on this store).
 */
export async function recycle(db: Db, limit: number): Promise<boolean> {
  if ((readSince.get(db) ?? 0) < limit) return false;
  const cursors = [...(cursorsOf.get(db) ?? [])];
  for (const cursor of cursors) await cursor.suspend();
  await db.close();
  await db.open();
  readSince.set(db, 0);
  return true;
}

/**
 * One pass over a key range, read in batches (one LevelDB call per `batch` entries, not one per
 * entry), with a look at the next entry without taking it: what merge-joins need. It survives
 * its store being closed and reopened by `recycle`. While one batch is used, the next is read
 * (LevelDB reads on its own threads): a walk then waits for the disk only when it outpaces it.
 */
export class Cursor {
  readonly #db: Db;
  readonly #range: Range;
  readonly #batch: number;
  #iterator: { nextv(size: number): Promise<[string, Buffer][]>; close(): Promise<void> } | undefined;
  /** The last key fetched: a resumed iterator starts after it. */
  #after: string | undefined;
  #entries: [string, Buffer][] = [];
  #at = 0;
  /** The next batch, being read. */
  #ahead: Promise<[string, Buffer][]> | undefined;
  #done = false;
  readonly #keysOnly: boolean;

  /** With `keysOnly`, the values are not read (each entry's value is empty). */
  constructor(db: Db, range: Range, batch = 1024, keysOnly = false) {
    this.#db = db;
    this.#range = range;
    this.#batch = batch;
    this.#keysOnly = keysOnly;
    let cursors = cursorsOf.get(db);
    if (!cursors) cursorsOf.set(db, (cursors = new Set()));
    cursors.add(this);
  }

  /** The next entry, left in place; undefined at the end. */
  async peek(): Promise<[string, Buffer] | undefined> {
    if (this.#at < this.#entries.length) return this.#entries[this.#at];
    if (this.#done) return undefined;
    this.#entries = await (this.#ahead ?? this.#read());
    this.#ahead = undefined;
    this.#at = 0;
    if (this.#entries.length === 0) {
      this.#done = true;
      return undefined;
    }
    // A short batch is the range's end: nothing more to read ahead.
    if (this.#entries.length === this.#batch) {
      this.#ahead = this.#read();
      // Its failure is the caller's when it takes the batch (or closes): not unhandled meanwhile.
      this.#ahead.catch(() => undefined);
    }
    return this.#entries[0];
  }

  /** The next entry, taken. */
  async next(): Promise<[string, Buffer] | undefined> {
    const entry = await this.peek();
    if (entry !== undefined) this.#at++;
    return entry;
  }

  /** Closes the iterator but keeps the place (and the entries already fetched, read ahead too). */
  async suspend(): Promise<void> {
    if (this.#ahead) {
      const ahead = await this.#ahead;
      this.#ahead = undefined;
      this.#entries = [...this.#entries.slice(this.#at), ...ahead];
      this.#at = 0;
    }
    const iterator = this.#iterator;
    this.#iterator = undefined;
    await iterator?.close();
  }

  close(): Promise<void> {
    cursorsOf.get(this.#db)?.delete(this);
    return this.suspend();
  }

  async #read(): Promise<[string, Buffer][]> {
    this.#iterator ??= this.#open(this.#after === undefined ? this.#range : after(this.#range, this.#after));
    const entries = await this.#iterator.nextv(this.#batch);
    const last = entries.at(-1);
    if (last !== undefined) {
      this.#after = last[0];
      let bytes = 0;
      // Values not read still hold a little of each entry's bytes in view (as in countKeys).
      for (const [key, value] of entries) bytes += key.length + (this.#keysOnly ? 16 : value.length);
      charge(this.#db, bytes);
    }
    return entries;
  }

  #open(range: Range): { nextv(size: number): Promise<[string, Buffer][]>; close(): Promise<void> } {
    if (!this.#keysOnly) return this.#db.iterator<string, Buffer>(range);
    const keys = this.#db.keys(range);
    return {
      nextv: async (size) => (await keys.nextv(size)).map((key): [string, Buffer] => [key, NO_VALUE]),
      close: () => keys.close(),
    };
  }
}

/** The part of a range after a key. */
function after(range: Range, key: string): Range {
  const rest: Range = { gt: key };
  if (range.lt !== undefined) rest.lt = range.lt;
  if (range.lte !== undefined) rest.lte = range.lte;
  return rest;
}

/**
 * How many keys a range holds, without reading their values. With `recycleAt`, the store is
 * closed and reopened (see `recycle`) whenever that many bytes have been read.
 */
export async function countKeys(db: Db, range: Range, recycleAt = Infinity): Promise<number> {
  let keys = db.keys(range);
  let count = 0;
  try {
    for (;;) {
      const batch = await keys.nextv(4096);
      const last = batch.at(-1);
      if (last === undefined) return count;
      count += batch.length;
      // A key's entry holds at least a short value and LevelDB's framing besides the key.
      let bytes = 0;
      for (const key of batch) bytes += key.length + 16;
      charge(db, bytes);
      if ((readSince.get(db) ?? 0) >= recycleAt) {
        await keys.close();
        await recycle(db, recycleAt);
        keys = db.keys(after(range, last));
      }
    }
  } finally {
    await keys.close();
  }
}
