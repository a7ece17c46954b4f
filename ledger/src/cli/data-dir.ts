import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The ledger store under DATA_DIR (default `data`) that the operator CLIs work on, or undefined
 * (after saying so on stderr) when there is none: they then exit 2, "unusable".
 */
export function ledgerDirectoryFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const directory = path.join(path.resolve(env.DATA_DIR ?? 'data'), 'ledger');
  if (!existsSync(directory)) {
    console.error(`no ledger at ${directory} (set DATA_DIR)`);
    return undefined;
  }
  return directory;
}
