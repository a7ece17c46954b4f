import { copyFile, link, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Read-only checks of LevelDB's own files, made before LevelDB opens them. LevelDB's recovery
 * silently drops a write-ahead-log record whose checksum fails (and the rest of its 32 KiB
 * block) and then deletes the log, and classic-level offers neither `paranoid_checks` nor
 * `verify_checksums`; so the checksums are checked here, on the bytes as they are on disk.
 * Formats: leveldb/doc/log_format.md and leveldb/doc/table_format.md.
 */

/** A place in one of LevelDB's files whose bytes fail their checksum or framing. */
export interface FileDamage {
  file: string;
  offset: number;
  reason: string;
}

export interface LogScan {
  file: string;
  damage: FileDamage[];
  /** Intact records follow the first damaged one: LevelDB would drop records from the middle. */
  intactAfterDamage: boolean;
}

const CRC_TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC_TABLE[i] = c >>> 0;
}

/** CRC-32C (Castagnoli), as LevelDB computes it. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (CRC_TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** LevelDB stores a masked CRC, so that a CRC of data containing CRCs stays well distributed. */
const masked = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

const LOG_BLOCK = 32 * 1024;
const LOG_HEADER = 7;
export const LOG_FILE = /^\d{6,}\.log$/;
const TABLE_FILE = /^\d{6,}\.(ldb|sst)$/;

/**
 * Checks every record of a write-ahead log. A record cut short at the end of the file is a write
 * that never completed (never acknowledged) and is not damage; a complete record whose checksum
 * fails is.
 */
/**
 * The fragments of a file in LevelDB's log format, in order, each with whether its checksum
 * holds; a fragment whose length or type is impossible is `bad` (the rest of its block is
 * skipped). A fragment cut short at the end of the file ends it.
 */
function* logFragments(
  bytes: Buffer,
): Generator<{ offset: number; bad: true } | { offset: number; bad: false; type: number; data: Buffer; intact: boolean }> {
  let offset = 0;
  while (offset < bytes.length) {
    const leftInBlock = LOG_BLOCK - (offset % LOG_BLOCK);
    if (leftInBlock < LOG_HEADER) {
      offset += leftInBlock;
      continue;
    }
    if (offset + LOG_HEADER > bytes.length) break;
    const stored = bytes.readUInt32LE(offset);
    const length = bytes.readUInt16LE(offset + 4);
    const type = bytes[offset + 6] as number;
    if (type === 0 && length === 0 && stored === 0) {
      offset += leftInBlock;
      continue;
    }
    if (offset + LOG_HEADER + length > bytes.length) break;
    if (LOG_HEADER + length > leftInBlock || type < 1 || type > 4) {
      yield { offset, bad: true };
      offset += leftInBlock;
      continue;
    }
    // The checksum covers the type byte and the data, which are contiguous.
    const intact = masked(crc32c(bytes.subarray(offset + 6, offset + LOG_HEADER + length))) === stored;
    yield { offset, bad: false, type, data: bytes.subarray(offset + LOG_HEADER, offset + LOG_HEADER + length), intact };
    offset += LOG_HEADER + length;
  }
}

export function scanLog(file: string, bytes: Buffer): LogScan {
  const damage: FileDamage[] = [];
  let intactAfterDamage = false;
  for (const fragment of logFragments(bytes)) {
    if (fragment.bad) damage.push({ file, offset: fragment.offset, reason: 'bad record length or type' });
    else if (!fragment.intact) damage.push({ file, offset: fragment.offset, reason: 'checksum mismatch' });
    else if (damage.length > 0) intactAfterDamage = true;
  }
  return { file, damage, intactAfterDamage };
}

/** Every write-ahead log in a LevelDB directory, checked. */
export async function scanLogs(directory: string): Promise<LogScan[]> {
  const names = (await readdir(directory).catch(() => [] as string[])).filter((name) => LOG_FILE.test(name)).sort();
  return Promise.all(names.map(async (name) => scanLog(name, await readFile(path.join(directory, name)))));
}

function readVarint(bytes: Buffer, at: { offset: number }): number {
  let value = 0;
  for (let shift = 0; shift < 64; shift += 7) {
    const byte = bytes[at.offset++];
    if (byte === undefined) throw new Error('varint runs past the end');
    value += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return value;
  }
  throw new Error('varint too long');
}

/** Snappy's raw format (LevelDB compresses blocks with it), enough to read an index block. */
function unsnappy(src: Buffer): Buffer {
  const at = { offset: 0 };
  const out = Buffer.alloc(readVarint(src, at));
  let pos = at.offset;
  let op = 0;
  while (pos < src.length) {
    const tag = src[pos++] as number;
    if ((tag & 3) === 0) {
      let length = tag >>> 2;
      if (length >= 60) {
        const n = length - 59;
        length = 0;
        for (let i = 0; i < n; i++) length += (src[pos++] as number) * 2 ** (8 * i);
      }
      length += 1;
      if (pos + length > src.length || op + length > out.length) throw new Error('snappy literal out of range');
      src.copy(out, op, pos, pos + length);
      pos += length;
      op += length;
    } else {
      let length: number;
      let distance: number;
      if ((tag & 3) === 1) {
        length = ((tag >>> 2) & 7) + 4;
        distance = ((tag >>> 5) << 8) | (src[pos++] as number);
      } else if ((tag & 3) === 2) {
        length = (tag >>> 2) + 1;
        distance = src.readUInt16LE(pos);
        pos += 2;
      } else {
        length = (tag >>> 2) + 1;
        distance = src.readUInt32LE(pos);
        pos += 4;
      }
      if (distance === 0 || distance > op || op + length > out.length) throw new Error('snappy copy out of range');
      for (let i = 0; i < length; i++, op++) out[op] = out[op - distance] as number;
    }
  }
  if (op !== out.length) throw new Error('snappy length differs');
  return out;
}

interface Handle {
  offset: number;
  size: number;
}

/** A block's checksum (over contents and type byte). */
function checkBlock(bytes: Buffer, handle: Handle): void {
  const end = handle.offset + handle.size;
  if (end + 5 > bytes.length) throw new Error('block handle points past the end');
  if (masked(crc32c(bytes.subarray(handle.offset, end + 1))) !== bytes.readUInt32LE(end + 1)) throw new Error('block checksum mismatch');
}

/** A block's checksum, then its contents, uncompressed. */
function readBlock(bytes: Buffer, handle: Handle): Buffer {
  checkBlock(bytes, handle);
  const end = handle.offset + handle.size;
  const contents = bytes.subarray(handle.offset, end);
  const type = bytes[end];
  if (type === 0) return contents;
  if (type === 1) return unsnappy(contents);
  throw new Error(`unknown block type ${String(type)}`);
}

/** The values of a block's entries (for index and meta-index blocks, the handles of other blocks). */
function blockHandles(block: Buffer): Handle[] {
  const restarts = block.readUInt32LE(block.length - 4);
  const limit = block.length - 4 * (restarts + 1);
  const handles: Handle[] = [];
  const at = { offset: 0 };
  while (at.offset < limit) {
    readVarint(block, at);
    const unshared = readVarint(block, at);
    const valueLength = readVarint(block, at);
    at.offset += unshared;
    const value = { offset: at.offset };
    handles.push({ offset: readVarint(block, value), size: readVarint(block, value) });
    at.offset += valueLength;
  }
  return handles;
}

const TABLE_MAGIC_LOW = 0x8b80fb57;
const TABLE_MAGIC_HIGH = 0xdb477524;

/**
 * Checks every block checksum of a table file: footer, index, meta-index, filter and data
 * blocks. Reads with classic-level never check them, so a changed byte in a table would
 * otherwise surface only as a wrong value (or not at all).
 */
export function checkTable(file: string, bytes: Buffer): FileDamage | undefined {
  try {
    if (
      bytes.length < 48 ||
      bytes.readUInt32LE(bytes.length - 8) !== TABLE_MAGIC_LOW ||
      bytes.readUInt32LE(bytes.length - 4) !== TABLE_MAGIC_HIGH
    ) {
      return { file, offset: Math.max(0, bytes.length - 48), reason: 'footer damaged (bad magic number)' };
    }
    const footer = { offset: bytes.length - 48 };
    const metaIndex = { offset: readVarint(bytes, footer), size: readVarint(bytes, footer) };
    const index = { offset: readVarint(bytes, footer), size: readVarint(bytes, footer) };
    for (const handle of [index, metaIndex]) {
      try {
        readBlock(bytes, handle);
      } catch (error) {
        return { file, offset: handle.offset, reason: (error as Error).message };
      }
    }
    // Data and filter blocks: their checksums (covering the bytes as stored, compressed or not).
    for (const handle of [...blockHandles(readBlock(bytes, metaIndex)), ...blockHandles(readBlock(bytes, index))]) {
      try {
        checkBlock(bytes, handle);
      } catch (error) {
        return { file, offset: handle.offset, reason: (error as Error).message };
      }
    }
    return undefined;
  } catch (error) {
    return { file, offset: 0, reason: `unreadable: ${(error as Error).message}` };
  }
}

/**
 * Every table file of a LevelDB directory's current version, checked. A table the MANIFEST does
 * not list is no part of the store: one a flush or compaction was writing when the process was
 * killed (or is writing now, on a running ledger), which LevelDB deletes on its next opening. Its
 * bytes may stop anywhere, so it is left out rather than reported as damage. Without a readable
 * MANIFEST every table is checked.
 */
export async function checkTables(directory: string): Promise<FileDamage[]> {
  const live = (await currentManifest(directory))?.liveTables;
  const damage: FileDamage[] = [];
  for (const name of (await readdir(directory)).filter((n) => TABLE_FILE.test(n)).sort()) {
    if (live && !live.has(Number.parseInt(name, 10))) continue;
    const found = checkTable(name, await readFile(path.join(directory, name)));
    if (found) damage.push(found);
  }
  return damage;
}

/** The records of a file in LevelDB's log format (a write-ahead log or a MANIFEST), reassembled. */
export function logRecords(bytes: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let parts: Buffer[] = [];
  for (const fragment of logFragments(bytes)) {
    if (fragment.bad || !fragment.intact) throw new Error(`damaged record at ${fragment.offset}`);
    const { type, data } = fragment;
    if (type === 1)
      records.push(data); // full
    else if (type === 2)
      parts = [data]; // first
    else if (type === 3)
      parts.push(data); // middle
    else {
      parts.push(data);
      records.push(Buffer.concat(parts));
      parts = [];
    } // last (4)
  }
  return records;
}

/** What a MANIFEST's edits add up to. Edits' tags and fields: leveldb/db/version_edit.cc. */
export interface ManifestState {
  /** The last edit's next file number: LevelDB numbers every file it creates from there up. */
  nextFile: number;
  /** The table files of the current version: added by an edit and not deleted by a later one. */
  liveTables: Set<number>;
}

export function readManifest(bytes: Buffer): ManifestState {
  let next: number | undefined;
  const liveTables = new Set<number>();
  for (const record of logRecords(bytes)) {
    const at = { offset: 0 };
    const skipSlice = () => {
      const length = readVarint(record, at);
      at.offset += length;
    };
    while (at.offset < record.length) {
      const tag = readVarint(record, at);
      if (tag === 3)
        next = readVarint(record, at); // next file number
      else if (tag === 2 || tag === 4 || tag === 9)
        readVarint(record, at); // log number, last sequence, previous log number
      else if (tag === 1)
        skipSlice(); // comparator
      else if (tag === 5) {
        readVarint(record, at);
        skipSlice();
      } // compaction pointer: level, key
      else if (tag === 6) {
        readVarint(record, at);
        liveTables.delete(readVarint(record, at));
      } // deleted file: level, number
      else if (tag === 7) {
        readVarint(record, at);
        liveTables.add(readVarint(record, at));
        readVarint(record, at);
        skipSlice();
        skipSlice();
      } // new file: level, number, size, smallest, largest
      else throw new Error(`unknown version edit tag ${tag}`);
    }
    if (at.offset > record.length) throw new Error('version edit runs past its record');
  }
  if (next === undefined) throw new Error('no next file number');
  return { nextFile: next, liveTables };
}

/** The current MANIFEST of a LevelDB directory, read; undefined if it cannot be. */
async function currentManifest(directory: string): Promise<ManifestState | undefined> {
  try {
    const current = (await readFile(path.join(directory, 'CURRENT'), 'utf8')).trim();
    if (!/^MANIFEST-\d+$/.test(current)) return undefined;
    return readManifest(await readFile(path.join(directory, current)));
  } catch {
    return undefined;
  }
}

/**
 * Copies a LevelDB directory so that opening the copy cannot change the original. Logs, the
 * manifest and the rest are copied, since LevelDB's recovery rewrites or deletes them. Table
 * files are immutable once written and are hard-linked (copied across file systems), but only
 * those numbered below the next file number of the copy's MANIFEST: LevelDB opening the copy
 * numbers its new tables from there and creates each with truncation, so a table left above it
 * (an interrupted compaction's, or one being written by a running ledger) could share its
 * number with a new table, which would then be written through the link into the original.
 * Those are copied. Subdirectories are left out.
 */
export async function copyStore(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const tables: string[] = [];
  for (const name of await readdir(from)) {
    const source = path.join(from, name);
    if (!(await stat(source)).isFile() || name === 'LOCK') continue;
    if (TABLE_FILE.test(name)) tables.push(name);
    else await copyFile(source, path.join(to, name));
  }
  // Read from the copy: the MANIFEST LevelDB will open, even if the original's has moved on since.
  const nextFile = (await currentManifest(to))?.nextFile ?? 0;
  for (const name of tables) {
    const source = path.join(from, name);
    if (Number.parseInt(name, 10) < nextFile) {
      try {
        await link(source, path.join(to, name));
        continue;
      } catch {
        // Another file system: fall through to a copy.
      }
    }
    await copyFile(source, path.join(to, name));
  }
}

/** LevelDB's own account of what it found damaged, from the LOG of one opening. */
export async function corruptionMessages(directory: string): Promise<string[]> {
  const text = await readFile(path.join(directory, 'LOG'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => /corrupt|dropping|checksum|missing/i.test(line))
    .map((line) => line.replace(/^\S+ \S+ /, '').trim());
}
