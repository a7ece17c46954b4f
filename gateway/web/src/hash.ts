import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';

const WHOLE_FILE_LIMIT = 16 * 1024 * 1024;

/**
 * SHA-256 of a file, in the browser: Web Crypto for ordinary files; for large ones a streamed
 * incremental hash (Web Crypto has no streaming digest), so memory stays flat. Reports progress.
 */
export async function hashFile(file: File, onProgress: (fraction: number) => void): Promise<string> {
  if (file.size <= WHOLE_FILE_LIMIT && crypto.subtle) {
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    onProgress(1);
    return bytesToHex(new Uint8Array(digest));
  }
  const hash = sha256.create();
  const reader = file.stream().getReader();
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    read += value.length;
    onProgress(file.size === 0 ? 1 : read / file.size);
  }
  onProgress(1);
  return bytesToHex(hash.digest());
}
