import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { SIG_COSIGNATURE_V1 } from '@tender-ledger/tlog';
import { generateSignerKey, parseSignerKey, type NamedKey } from '@tender-ledger/tlog/node';

/**
 * The witness's own key, `DATA_DIR/witness/key` (a signer key string, mode 0600), created on
 * first start. A key file for another name stops the start: a witness's identity never
 * changes silently.
 */
export async function loadOrCreateWitnessKey(dir: string, name: string): Promise<NamedKey> {
  const file = path.join(dir, 'key');
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) {
    await mkdir(dir, { recursive: true });
    text = generateSignerKey(name, SIG_COSIGNATURE_V1);
    const temp = `${file}.${process.pid}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${text}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }
  const key = parseSignerKey(text);
  if (key.name !== name) throw new Error(`${file} holds the key of ${key.name}, not ${name}`);
  if (key.type !== SIG_COSIGNATURE_V1) throw new Error(`${file} is not a cosignature/v1 key`);
  return key;
}
