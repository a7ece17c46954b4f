import path from 'node:path';
import { SIG_ED25519 } from '@tender-ledger/tlog';
import { loadOrCreateSignerKey, type NamedKey } from '@tender-ledger/tlog/node';

/**
 * The log's Ed25519 key, `DATA_DIR/keys/log` (a signer key string named by the origin, mode
 * 0600), created on first start. A key for another origin stops the start: witnesses and
 * verifiers know the log by origin and key, so neither may change silently.
 */
export async function loadOrCreateLogKey(dataDir: string, origin: string): Promise<NamedKey> {
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, 'log');
  const key = await loadOrCreateSignerKey(file, origin, SIG_ED25519);
  if (key.name !== origin) throw new Error(`${file} is the key of the log ${key.name}, not ${origin} (LOG_ORIGIN)`);
  if (key.type !== SIG_ED25519) throw new Error(`${file} is not an Ed25519 log key`);
  return key;
}
