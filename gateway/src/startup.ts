import { constants } from 'node:fs';
import { mkdir, open, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GATEWAY_PID_FILE, lockHolder, type GatewayPidFile } from '@tender-ledger/embedded-ledger';
import { ConfigError } from './config.js';

/** A reason the gateway cannot start, said in one line an operator can act on. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Kernel file systems: writing a ledger there fails in odd ways (or spins), never usefully. */
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];

/** The deepest part of `target` that exists, resolved through links. */
async function existingAncestor(target: string): Promise<string> {
  for (let at = target; ; at = path.dirname(at)) {
    try {
      return path.join(await realpath(at), path.relative(at, target));
    } catch {
      if (path.dirname(at) === at) return target;
    }
  }
}

/**
 * Checks that DATA_DIR is a directory this process can create and write, before anything is
 * written there, so an unusable one is one clear line rather than a stack trace or a hang.
 */
export async function checkDataDir(dataDir: string): Promise<void> {
  const resolved = await existingAncestor(path.resolve(dataDir));
  const pseudo = PSEUDO_FILE_SYSTEMS.find((root) => resolved === root || resolved.startsWith(`${root}/`));
  if (pseudo)
    throw new StartupError(
      `DATA_DIR ${dataDir} is under ${pseudo}, a kernel file system, not storage: set DATA_DIR to a directory on disk`,
    );
  const info = await stat(dataDir).catch(() => undefined);
  if (info && !info.isDirectory()) throw new StartupError(`DATA_DIR ${dataDir} is a file, not a directory: set DATA_DIR to a directory`);
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOTDIR' || code === 'EEXIST'
        ? 'a part of its path is a file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EROFS'
            ? 'read-only file system'
            : (error as Error).message;
    throw new StartupError(`DATA_DIR ${dataDir} cannot be created (${why}): set DATA_DIR to a writable directory`);
  }
  // A real write and sync: permissions, a read-only mount and a full disk all show here (access(2) misses some, and root passes it).
  const probe = path.join(dataDir, `.write-test-${process.pid}`);
  try {
    const handle = await open(probe, constants.O_CREAT | constants.O_WRONLY | constants.O_TRUNC, 0o600);
    try {
      await handle.write('ok');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new StartupError(
      `DATA_DIR ${dataDir} is not writable (${code}): give this user write access or set DATA_DIR to a writable directory`,
    );
  } finally {
    await rm(probe, { force: true });
  }
}

/** Writes `DATA_DIR/gateway.pid`, so the tools (keys:rotate, ledger:verify, a second gateway) can name this process. */
export async function writePidFile(dataDir: string, contents: Omit<GatewayPidFile, 'pid'>): Promise<() => Promise<void>> {
  const file = path.join(dataDir, GATEWAY_PID_FILE);
  await writeFile(file, `${JSON.stringify({ pid: process.pid, ...contents })}\n`, { mode: 0o644 });
  return async () => {
    await rm(file, { force: true });
  };
}

function causes(error: unknown): { code?: unknown; message?: unknown }[] {
  const chain = [];
  for (let at = error, depth = 0; typeof at === 'object' && at !== null && depth < 8; at = (at as { cause?: unknown }).cause, depth++) {
    chain.push(at);
  }
  return chain;
}

/** One line saying why the gateway could not start, for anything `loadConfig` or `startGateway` threw. */
export async function describeStartupFailure(
  error: unknown,
  where: { port?: number; host?: string; dataDir?: string } = {},
): Promise<string> {
  if (error instanceof ConfigError) return `configuration: ${error.message}`;
  if (error instanceof StartupError) return error.message;
  const chain = causes(error);
  const code = chain.map((e) => e.code).find((c) => typeof c === 'string' && c !== 'LEVEL_DATABASE_NOT_OPEN');
  const address = `${where.host ?? '?'}:${where.port ?? '?'}`;
  if (code === 'EADDRINUSE')
    return `port ${where.port ?? '?'} on ${where.host ?? '?'} is in use by another process: stop it or set PORT (0 picks a free port)`;
  if (code === 'EACCES' && chain.some((e) => String(e.message).includes('listen')))
    return `cannot listen on ${address}: permission denied (ports below 1024 need privileges): set PORT`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${address}: ${where.host ?? '?'} is not an address of this machine: set HOST`;
  if (code === 'LEVEL_LOCKED') {
    const message = chain.map((e) => String(e.message)).join(' ');
    const store = /lock (.+)\/LOCK/.exec(message)?.[1] ?? path.join(where.dataDir ?? '', 'ledger');
    const holder = await lockHolder(store, where.dataDir).catch(() => undefined);
    return `the store ${store} is locked by another process (LevelDB LOCK held${holder ? ` by ${holder.description}` : ''}): stop that gateway or set DATA_DIR to another directory`;
  }
  const first = chain[0];
  const message = first && typeof first.message === 'string' ? (first.message.split('\n')[0] ?? '') : String(error);
  return `cannot start: ${message}${typeof code === 'string' ? ` (${code})` : ''}`;
}
