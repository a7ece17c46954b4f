import { spawn } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../../..');

/** Runs one of the repository's built scripts on a data dir, as `npm run` would: its exit code and its output (stdout and stderr). */
export function runScript(script: string, dataDir: string, args: string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, script), ...args], { env: { ...process.env, DATA_DIR: dataDir } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code) => {
      resolve({ code, output });
    });
  });
}
