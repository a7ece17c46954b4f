import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SIG_ED25519, parseVerifierKey, type NoteVerifier } from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';

export interface WitnessConfig {
  readonly port: number;
  readonly host: string;
  /** Where the key and the checkpoints live: `<DATA_DIR>/witness`. */
  readonly dir: string;
  readonly name: string;
  readonly logs: readonly NoteVerifier[];
}

/**
 * Reads the configuration once, failing fast with a message on a bad value.
 *
 * - `WITNESS_LOGS`: the logs' verifier keys (Ed25519, name = origin), separated by spaces,
 *   commas or newlines; or `WITNESS_LOGS_FILE`, a file of them (`#` comments, optional `log ` prefix).
 * - `WITNESS_NAME` (default `witness.tender-ledger.local`), `PORT` (8091), `HOST` (127.0.0.1), `DATA_DIR` (./data).
 */
export function readWitnessConfig(env: NodeJS.ProcessEnv = process.env): WitnessConfig {
  const portText = env['PORT'] ?? '8091';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0-65535, not ${portText}`);
  let source = env['WITNESS_LOGS'] ?? '';
  if (env['WITNESS_LOGS_FILE'] !== undefined) source += `\n${readFileSync(env['WITNESS_LOGS_FILE'], 'utf8')}`;
  const vkeys = source
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .flatMap((l) => l.replace(/^log\s+/, '').split(/[\s,]+/))
    .filter((v) => v !== '');
  if (vkeys.length === 0) throw new Error('WITNESS_LOGS (or WITNESS_LOGS_FILE) must name at least one log verifier key');
  const logs = vkeys.map((v) => {
    const key = parseVerifierKey(v, nodeEd25519);
    if (key.type !== SIG_ED25519) throw new Error(`${v}: a log key is an Ed25519 (0x01) verifier key`);
    return key;
  });
  return Object.freeze({
    port,
    host: env['HOST'] ?? '127.0.0.1',
    dir: path.join(env['DATA_DIR'] ?? './data', 'witness'),
    name: env['WITNESS_NAME'] ?? 'witness.tender-ledger.local',
    logs: Object.freeze(logs),
  });
}
