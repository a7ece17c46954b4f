import type { Level } from 'level';

type Db = Level<string, Buffer>;
type Range = { gte?: string; gt?: string; lt?: string; lte?: string };

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
 * its store being closed and reopened by `recycle`.
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
  #done = false;

  constructor(db: Db, range: Range, batch = 1024) {
    this.#db = db;
    this.#range = range;
    this.#batch = batch;
    let cursors = cursorsOf.get(db);
    if (!cursors) cursorsOf.set(db, (cursors = new Set()));
    cursors.add(this);
  }

  /** The next entry, left in place; undefined at the end. */
  async peek(): Promise<[string, Buffer] | undefined> {
    if (this.#at < this.#entries.length) return this.#entries[this.#at];
    if (this.#done) return undefined;
    this.#iterator ??= this.#db.iterator<string, Buffer>(this.#after === undefined ? this.#range : after(this.#range, this.#after));
    this.#entries = await this.#iterator.nextv(this.#batch);
    this.#at = 0;
    const last = this.#entries.at(-1);
    if (last === undefined) {
      this.#done = true;
    } else {
      this.#after = last[0];
      let bytes = 0;
      for (const [key, value] of this.#entries) bytes += key.length + value.length;
      charge(this.#db, bytes);
    }
    return this.#entries[0];
  }

  /** The next entry, taken. */
  async next(): Promise<[string, Buffer] | undefined> {
    const entry = await this.peek();
    if (entry !== undefined) this.#at++;
    return entry;
  }

  /** Closes the iterator but keeps the place (and the entries already fetched). */
  async suspend(): Promise<void> {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    await iterator?.close();
  }

  close(): Promise<void> {
    cursorsOf.get(this.#db)?.delete(this);
    return this.suspend();
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
