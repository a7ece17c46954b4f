import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

// Below this a file is read in one call: a stream's set-up costs more than the read itself.
const ONE_SHOT = 1 << 20;

/**
 * SHA-256 (lowercase hex) of a file of any size, streamed: memory stays flat.
 * `onProgress` is called with bytes read so far and the file size.
 *
 * @example const sha256 = await sha256File('tender.pdf');
 */
export async function sha256File(path: string, onProgress?: (bytesRead: number, size: number) => void): Promise<string> {
  const { size } = await stat(path);
  if (size <= ONE_SHOT) {
    const content = await readFile(path);
    onProgress?.(content.length, size);
    return createHash('sha256').update(content).digest('hex');
  }
  const hash = createHash('sha256');
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: ONE_SHOT })) {
    hash.update(chunk as Buffer);
    read += (chunk as Buffer).length;
    onProgress?.(read, size);
  }
  return hash.digest('hex');
}
