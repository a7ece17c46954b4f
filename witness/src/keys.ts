import path from 'node:path';
import { SIG_COSIGNATURE_V1 } from '@tender-ledger/tlog';
import { loadOrCreateSignerKey, type NamedKey } from '@tender-ledger/tlog/node';

/**
 * The witness's own key, `DATA_DIR/witness/key` (a signer key string, mode 0600), created on
 * first start. A key file for another name stops the start: a witness's identity never
 * changes silently.
 */
export async function loadOrCreateWitnessKey(dir: string, name: string): Promise<NamedKey> {
  const file = path.join(dir, 'key');
  const key = await loadOrCreateSignerKey(file, name, SIG_COSIGNATURE_V1);
  if (key.name !== name) throw new Error(`${file} holds the key of ${key.name}, not ${name}`);
  if (key.type !== SIG_COSIGNATURE_V1) throw new Error(`${file} is not a cosignature/v1 key`);
  return key;
}
