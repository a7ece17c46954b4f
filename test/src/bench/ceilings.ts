// Ceilings measured in the same run as the figures they bound (the machine is shared, so a
// figure from another day says little): an Express hello-world POST under the same autocannon
// settings as the gateway's scenarios, and raw synced LevelDB batches of small records.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { Level } from 'level';

/** The Express 5 hello-world POST rate (2xx/s) with a JSON body and a bearer header, as the gateway is driven. */
export async function expressCeiling(connections: number, seconds: number): Promise<Result> {
  const port = 19000 + Math.floor(Math.random() * 1000);
  const child = spawn(process.execPath, [path.join(__dirname, 'express-hello.js'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => {
        reject(new Error(`express-hello exited with ${code ?? signal ?? 'no status'}`));
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening on')) resolve();
      });
    });
    // A token of a real one's length: the server never reads it, the bytes still cross the socket.
    const headers = { authorization: `Bearer ${randomBytes(300).toString('base64url')}`, 'content-type': 'application/json' };
    return await autocannon({
      url: `http://127.0.0.1:${port}/`,
      connections,
      duration: seconds,
      title: 'express hello-world',
      requests: [
        {
          method: 'POST',
          headers,
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ bidderId: 'B1', commitment: randomBytes(32).toString('hex') }) }),
        },
      ],
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => {
      if (child.exitCode !== null) resolve(undefined);
      else child.once('exit', resolve);
    });
  }
}

/**
 * Raw LevelDB (`level` 10, classic-level in Node, as the ledger opens it): synced batches of 100 small records
 * (40-byte keys, 200-byte values), one after another, for about `seconds`. Records per second.
 */
export async function levelCeiling(seconds: number): Promise<{ recordsPerSecond: number; msPerBatch: number }> {
  const directory = mkdtempSync(path.join(tmpdir(), 'tender-bench-level-'));
  const db = new Level<string, Buffer>(directory, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  try {
    const value = randomBytes(200);
    let batches = 0;
    const started = process.hrtime.bigint();
    const budget = BigInt(Math.round(seconds * 1e9));
    while (process.hrtime.bigint() - started < budget) {
      const ops = Array.from({ length: 100 }, (_, i) => ({
        type: 'put' as const,
        key: `k!${String(batches).padStart(12, '0')}!${String(i).padStart(24, '0')}`,
        value,
      }));
      await db.batch(ops, { sync: true });
      batches++;
    }
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    return { recordsPerSecond: Math.round((batches * 100) / elapsed), msPerBatch: Math.round((elapsed / batches) * 1e5) / 100 };
  } finally {
    await db.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
