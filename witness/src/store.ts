import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * The latest cosigned checkpoint of each log, one file per origin (named by the SHA-256 of
 * the origin, as the tlog-witness monitoring path is). A write goes to a temporary file that
 * is fsynced, renamed over the old one, and the directory fsynced: after a crash the file
 * holds the old checkpoint or the new one, never a mix, and an answered request is on disk.
 */
export class CheckpointStore {
  readonly #dir: string;
  #counter = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  static originHash(origin: string): string {
    return createHash('sha256').update(origin, 'utf8').digest('hex');
  }

  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
  }

  /** The stored note by origin hash, or undefined. */
  async readByHash(originHash: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{64}$/.test(originHash)) return undefined;
    try {
      return await readFile(path.join(this.#dir, `${originHash}.checkpoint`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  read(origin: string): Promise<string | undefined> {
    return this.readByHash(CheckpointStore.originHash(origin));
  }

  async write(origin: string, note: string): Promise<void> {
    const final = path.join(this.#dir, `${CheckpointStore.originHash(origin)}.checkpoint`);
    const temp = `${final}.${process.pid}.${this.#counter++}.tmp`;
    const file = await open(temp, 'w', 0o644);
    try {
      await file.writeFile(note, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temp, final);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** Runs tasks with the same key one after another (the check-and-persist of one log). */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
