import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

/** The process holding a store's LevelDB LOCK, as far as this machine tells. */
export interface LockHolder {
  pid: number;
  /** Where it was found: the process has the LOCK file open (/proc), or only the gateway pid file says so. */
  seen: 'proc' | 'pid-file';
  /** "pid 1234 (node gateway/dist/main.js), gateway at http://127.0.0.1:8080 since …" */
  description: string;
}

/** What a running gateway writes to `DATA_DIR/gateway.pid` (and removes when it closes). */
export interface GatewayPidFile {
  pid: number;
  url?: string;
  startedAt?: string;
  /** The gateway reloads its receipt keys on SIGHUP (`npm start`; not a gateway inside a test runner). */
  sighup?: boolean;
}

export const GATEWAY_PID_FILE = 'gateway.pid';

/** The gateway pid file in `dataDir`, when there is one and its process is alive. */
export async function runningGateway(dataDir: string): Promise<GatewayPidFile | undefined> {
  let parsed: GatewayPidFile;
  try {
    parsed = JSON.parse(await readFile(path.join(dataDir, GATEWAY_PID_FILE), 'utf8')) as GatewayPidFile;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(parsed.pid) || parsed.pid <= 0) return undefined;
  return alive(parsed.pid) ? parsed : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Who holds `directory/LOCK`: on Linux the process with the file open (read from /proc, the
 * authority), described with the gateway pid file of `dataDir` when that names the same process;
 * elsewhere the pid file's process if alive. Undefined when nobody is found.
 */
export async function lockHolder(directory: string, dataDir?: string): Promise<LockHolder | undefined> {
  const gateway = dataDir ? await runningGateway(dataDir) : undefined;
  const lock = path.resolve(directory, 'LOCK');
  let pid: number | undefined;
  try {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
      for (const fd of fds) {
        if ((await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '')) === lock) {
          pid = Number(entry);
          break;
        }
      }
      if (pid !== undefined) break;
    }
  } catch {
    // No /proc (not Linux): the pid file is all there is.
  }
  const seen = pid === undefined ? 'pid-file' : 'proc';
  pid ??= gateway?.pid;
  if (pid === undefined) return undefined;
  const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))
    .split('\0')
    .filter(Boolean)
    .map((a) => (path.basename(a) === a ? a : path.relative(process.cwd(), a).startsWith('..') ? a : path.relative(process.cwd(), a)))
    .join(' ');
  const asGateway =
    gateway?.pid === pid
      ? `, the gateway${gateway.url ? ` at ${gateway.url}` : ''}${gateway.startedAt ? ` since ${gateway.startedAt}` : ''}`
      : '';
  return { pid, seen, description: `pid ${pid}${command ? ` (${command})` : ''}${asGateway}` };
}
