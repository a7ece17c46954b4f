import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * The ledger's durable head, kept apart from LevelDB: the height and last block hash the ledger
 * has acknowledged. LevelDB can lose its last batches (a damaged or cut write-ahead log is
 * dropped silently on open); this file is how the ledger knows that happened instead of
 * reusing block numbers that receipts already name.
 *
 * Two fixed 512-byte slots, written alternately, each `{"hash","height"}` then its SHA-256: one
 * synchronous write per block. A torn write spoils only the slot being written; the other
 * still names the block before, which was acknowledged no later than this one.
 */
export const HEAD_FILE = 'LEDGER-HEAD';
const SLOT = 512;

export interface DurableHead {
  /** Blocks acknowledged: the next block's number. */
  height: number;
  /** Hash of block height-1 (the genesis link when height is 0). */
  hash: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function encode(head: DurableHead): Buffer {
  const json = JSON.stringify({ hash: head.hash, height: head.height });
  const slot = Buffer.alloc(SLOT, 0);
  slot.write(`${json}\n${sha256(json)}\n`, 'utf8');
  return slot;
}

function decode(slot: Buffer): DurableHead | undefined {
  const [json, digest] = slot.toString('utf8').split('\n');
  if (!json || digest !== sha256(json)) return undefined;
  const head = JSON.parse(json) as DurableHead;
  return Number.isSafeInteger(head.height) && head.height >= 0 && typeof head.hash === 'string' ? head : undefined;
}

/** The head file's content: undefined when there is none, an Error when neither slot is readable. */
export async function readHead(directory: string): Promise<DurableHead | undefined | Error> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(directory, HEAD_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const slots = [decode(bytes.subarray(0, SLOT)), decode(bytes.subarray(SLOT, 2 * SLOT))].filter((s): s is DurableHead => s !== undefined);
  if (slots.length === 0) return new Error(`${HEAD_FILE} is unreadable (both slots fail their checksum)`);
  return slots.reduce((a, b) => (b.height > a.height ? b : a));
}

/** Writes a new head file whole: temp file, fsync, rename, fsync the directory. */
export async function createHead(directory: string, head: DurableHead): Promise<void> {
  const temp = path.join(directory, `${HEAD_FILE}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.write(Buffer.concat([encode(head), encode(head)]), 0, 2 * SLOT, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path.join(directory, HEAD_FILE));
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The head file kept open for the per-block update. */
export class HeadFile {
  readonly #handle: FileHandle;
  /** Opened with O_DSYNC: each write returns once durable. */
  readonly #synchronous: boolean;

  private constructor(handle: FileHandle, synchronous: boolean) {
    this.#handle = handle;
    this.#synchronous = synchronous;
  }

  static async open(directory: string): Promise<HeadFile> {
    // O_DSYNC makes each write what write + fdatasync was (the file's size never changes, so its
    // data is all there is to sync) in one call to the thread pool instead of two: 85–110 µs of
    // CPU a block instead of 128–167 here. A platform without it (Windows) syncs after each write.
    const synchronous = typeof constants.O_DSYNC === 'number';
    const flags = synchronous ? constants.O_RDWR | constants.O_DSYNC : 'r+';
    return new HeadFile(await open(path.join(directory, HEAD_FILE), flags), synchronous);
  }

  /** Durable when it resolves. */
  async write(head: DurableHead): Promise<void> {
    await this.#handle.write(encode(head), 0, SLOT, (head.height % 2) * SLOT);
    if (!this.#synchronous) await this.#handle.datasync();
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}
