import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import { mintDevToken, verifyReceipt } from '@tender-ledger/client-sdk';
import {
  createLogger,
  GatewayMetrics,
  loadConfig,
  loadOrCreateLogKey,
  startGateway,
  timePhase,
  type RunningGateway,
} from '@tender-ledger/gateway';
import { present } from '../helpers/assert.js';
import { tempDir } from '../helpers/temp.js';
import { doc } from '../helpers/tender.js';
import { startTestWitness } from '../helpers/witnesses.js';

const REPO = path.resolve(__dirname, '../../..');
const MAIN = path.join(REPO, 'gateway/dist/main.js');

/** A gateway in this process whose JSON log lines are kept in `lines`. */
async function loggedGateway(
  env: Record<string, string> = {},
): Promise<{ gateway: RunningGateway; dataDir: string; lines: string[]; close(): Promise<void> }> {
  const temp = tempDir('tender-ops-');
  const lines: string[] = [];
  const logger = createLogger('trace', {
    write: (line: string) => {
      lines.push(line);
    },
  });
  const config = loadConfig({ DATA_DIR: temp.dir, PORT: '0', CLOSE_BIDDING_AT_DEADLINE: 'false', ...env });
  const gateway = await startGateway(config, { logger });
  return {
    gateway,
    dataDir: temp.dir,
    lines,
    async close() {
      await gateway.close();
      temp.remove();
    },
  };
}

const accessLines = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

async function notarise(url: string, token: string, sha256: string, key?: string): Promise<Response> {
  return fetch(`${url}/v1/evidence`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ sha256, kind: 'announcement' }),
  });
}

/** The value of one sample (name with labels, exactly as exposed) in a Prometheus text page; 0 when absent. */
function sample(page: string, series: string): number {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Runs a CLI script of this repository with DATA_DIR. */
function runScript(script: string, args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, script), ...args],
      { env: { ...process.env, DATA_DIR: dataDir } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** `npm start`'s entry point as its own process, once it listens. */
async function spawnGateway(dataDir: string): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const listening = /"url":"(http:[^"]+)".*listening on/.exec(out);
      if (listening?.[1]) resolve(listening[1]);
    });
    void exited.then(() => {
      reject(new Error(`gateway exited before listening: ${out}`));
    });
  });
  return {
    child,
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const kidOf = (jws: string) => (JSON.parse(Buffer.from(jws.split('.')[0] as string, 'base64url').toString('utf8')) as { kid: string }).kid;
const jwksOf = async (url: string) => (await fetch(`${url}/.well-known/jwks.json`)).json() as Promise<{ keys: { kid: string }[] }>;

/** Runs `npm start`'s entry point; resolves once it exits (or is stopped after it listens). */
function runMain(
  env: Record<string, string>,
  options: { uid?: number; gid?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(AUTH_|LEDGER_|FABRIC_|METRICS_|LOG_LEVEL$|LOG_ORIGIN$|WITNESS|CHECKPOINT_|PORT$|DATA_DIR$)/.test(k),
    ),
  );
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], { env: { ...clean, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('listening on')) child.kill('SIGTERM');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    child.once('close', (code) => {
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

describe('operating the gateway', () => {
  describe('the access log', () => {
    let t: Awaited<ReturnType<typeof loggedGateway>>;
    before(async () => {
      t = await loggedGateway();
    });
    after(async () => {
      await t.close();
    });

    it("writes one JSON line per request: request id, method, route pattern, status, latency, caller and the write's tx id", async () => {
      const token = await mintDevToken(t.dataDir, { role: 'platform', sub: 'gz-etrading' });
      const res = await notarise(t.gateway.url, token, doc('access log'));
      expect(res.status).to.equal(201);
      const { record } = (await res.json()) as { record: { txId: string } };
      await fetch(`${t.gateway.url}/v1/records/${record.txId}`, { headers: { 'x-request-id': 'trace-42' } });
      const [write, read] = accessLines(t.lines).slice(-2);
      expect(write).to.include({
        method: 'POST',
        route: '/v1/evidence',
        status: 201,
        txId: record.txId,
        reqId: res.headers.get('x-request-id'),
      });
      expect(write?.caller).to.deep.equal({ issuer: 'urn:tender-ledger:dev-issuer', sub: 'gz-etrading', role: 'platform' });
      expect(write?.ms).to.be.a('number');
      // The pattern, not the URL: no record id in the route.
      expect(read).to.include({ method: 'GET', route: '/v1/records/:recordId', status: 200, reqId: 'trace-42' });
    });

    it('echoes a sane X-Request-Id, replaces one that is not, and puts it in every problem+json', async () => {
      const sane = await fetch(`${t.gateway.url}/v1/records/nothing-here`, { headers: { 'x-request-id': 'abc-123' } });
      expect(sane.headers.get('x-request-id')).to.equal('abc-123');
      expect(await sane.json()).to.include({ code: 'RECORD_NOT_FOUND', requestId: 'abc-123' });
      const insane = await fetch(`${t.gateway.url}/v1/nowhere`, { headers: { 'x-request-id': 'x'.repeat(300) } });
      const id = insane.headers.get('x-request-id');
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      expect(await insane.json()).to.include({ code: 'NOT_FOUND', requestId: id });
      expect(accessLines(t.lines).at(-1)).to.include({ route: '(unmatched)', status: 404, reqId: id });
    });

    it('never logs a token, a receipt or a private key, even at LOG_LEVEL=trace', async () => {
      const token = await mintDevToken(t.dataDir, { role: 'platform', sub: 'secret-keeper' });
      const regulator = await mintDevToken(t.dataDir, { role: 'regulator', sub: 'reg' });
      const forged = `${token.slice(0, -8)}AAAAAAAA`;
      const written = await notarise(t.gateway.url, token, doc('secrets'), 'secret-key-1');
      const { receipt } = (await written.json()) as { receipt: string };
      await notarise(t.gateway.url, token, doc('secrets'), 'secret-key-1'); // a replay
      await notarise(t.gateway.url, forged, doc('forged')); // 401
      await fetch(`${t.gateway.url}/v1/projects`, { headers: { authorization: `Bearer ${regulator}` } });
      await fetch(`${t.gateway.url}/v1/receipts/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ receipt }),
      });
      await fetch(`${t.gateway.url}/v1/evidence`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{not json',
      });
      const log = t.lines.join('');
      expect(accessLines(t.lines).length).to.be.greaterThan(5);
      for (const secret of [token, regulator, forged, receipt]) {
        for (const part of secret.split('.')) expect(log).to.not.include(part);
      }
      // Any JWS or JWT at all: a base64url JSON header starts with eyJ.
      expect(log).to.not.match(/eyJ[A-Za-z0-9_-]{8,}/);
      const keyFiles = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? keyFiles(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : [],
        );
      const privates = keyFiles(path.join(t.dataDir, 'keys'))
        .map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { d?: string }).d)
        .filter((d): d is string => !!d);
      expect(privates.length).to.be.at.least(2); // the receipt key and the development issuer's
      for (const d of privates) expect(log).to.not.include(d);
      expect(log).to.not.match(/authorization/i);
    });
  });

  describe('GET /metrics', () => {
    let t: Awaited<ReturnType<typeof loggedGateway>>;
    before(async () => {
      t = await loggedGateway();
    });
    after(async () => {
      await t.close();
    });
    const scrape = async () => (await fetch(`${t.gateway.url}/metrics`)).text();

    it('counts requests by route and status, block sizes, fsyncs and the ledger height, moving under load', async () => {
      const token = await mintDevToken(t.dataDir, { role: 'platform', sub: 'load' });
      const before = await scrape();
      const n = 40;
      const answers = await Promise.all(Array.from({ length: n }, (_, i) => notarise(t.gateway.url, token, doc(`load ${i}`))));
      expect(answers.every((a) => a.status === 201)).to.equal(true);
      const after = await scrape();
      const writes = 'tender_http_requests_total{method="POST",route="/v1/evidence",status="201"}';
      expect(sample(after, writes) - sample(before, writes)).to.equal(n);
      expect(
        sample(after, 'tender_http_request_duration_seconds_count{method="POST",route="/v1/evidence",status="201"}') -
          sample(before, 'tender_http_request_duration_seconds_count{method="POST",route="/v1/evidence",status="201"}'),
      ).to.equal(n);
      const blocks = sample(after, 'tender_ledger_block_transactions_count') - sample(before, 'tender_ledger_block_transactions_count');
      expect(blocks).to.be.within(1, n);
      expect(sample(after, 'tender_ledger_block_transactions_sum') - sample(before, 'tender_ledger_block_transactions_sum')).to.equal(n);
      expect(
        sample(after, 'tender_ledger_fsync_seconds_count{what="batch"}') -
          sample(before, 'tender_ledger_fsync_seconds_count{what="batch"}'),
      ).to.equal(blocks);
      expect(sample(after, 'tender_ledger_height{backend="embedded"}')).to.equal(
        t.gateway.backend.kind === 'embedded' ? (await t.gateway.backend.health()).height : NaN,
      );
      expect(after).to.match(/^# TYPE tender_http_request_duration_seconds histogram$/m);
    });

    it('counts idempotency replays', async () => {
      const token = await mintDevToken(t.dataDir, { role: 'platform', sub: 'replayer' });
      const before = sample(await scrape(), 'tender_idempotency_replays_total');
      await notarise(t.gateway.url, token, doc('replay'), 'replay-1');
      const again = await notarise(t.gateway.url, token, doc('replay'), 'replay-1');
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(sample(await scrape(), 'tender_idempotency_replays_total') - before).to.equal(1);
    });

    it('counts rate-limit refusals', async () => {
      const limited = await loggedGateway({ RATE_LIMIT_PER_MINUTE: '2' });
      try {
        for (let i = 0; i < 4; i++) await fetch(`${limited.gateway.url}/v1/verify/${doc('x')}`);
        const page = await (await fetch(`${limited.gateway.url}/metrics`)).text();
        expect(sample(page, 'tender_rate_limit_refusals_total{limit="address"}')).to.equal(2);
        expect(sample(page, 'tender_http_requests_total{method="GET",route="(rate limited)",status="429"}')).to.equal(2);
      } finally {
        await limited.close();
      }
    });

    it('refuses without the METRICS_TOKEN (401) and from an address METRICS_ALLOW does not list (403)', async () => {
      const secret = 'metrics-token-0123456789';
      const guarded = await loggedGateway({ METRICS_TOKEN: secret });
      const elsewhere = await loggedGateway({ METRICS_ALLOW: '10.0.0.0/8' });
      const local = await loggedGateway({ METRICS_ALLOW: '127.0.0.1/32,::1' });
      try {
        const none = await fetch(`${guarded.gateway.url}/metrics`);
        expect(none.status).to.equal(401);
        expect(await none.json()).to.include({ code: 'UNAUTHENTICATED' });
        expect(
          (await fetch(`${guarded.gateway.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status,
        ).to.equal(401);
        const right = await fetch(`${guarded.gateway.url}/metrics`, { headers: { authorization: `Bearer ${secret}` } });
        expect(right.status).to.equal(200);
        expect(right.headers.get('content-type')).to.include('text/plain');
        expect(guarded.lines.join('')).to.not.include(secret);
        expect((await fetch(`${elsewhere.gateway.url}/metrics`)).status).to.equal(403);
        expect((await fetch(`${local.gateway.url}/metrics`)).status).to.equal(200);
      } finally {
        await Promise.all([guarded.close(), elsewhere.close(), local.close()]);
      }
    });

    it('times Fabric endorse, submit and commit and counts retries (as the Fabric backend reports them)', async () => {
      const metrics = new GatewayMetrics(() => undefined);
      await timePhase(metrics.fabric, 'endorse', async () => 'endorsed');
      await timePhase(metrics.fabric, 'submit', async () => 'sent');
      try {
        await timePhase(metrics.fabric, 'commit', async () => {
          throw new Error('no status');
        });
      } catch {
        // counted as an error
      }
      metrics.fabric.retry('11');
      const page = await metrics.registry.metrics();
      expect(sample(page, 'tender_fabric_phase_seconds_count{phase="endorse",outcome="ok"}')).to.equal(1);
      expect(sample(page, 'tender_fabric_phase_seconds_count{phase="submit",outcome="ok"}')).to.equal(1);
      expect(sample(page, 'tender_fabric_phase_seconds_count{phase="commit",outcome="error"}')).to.equal(1);
      expect(sample(page, 'tender_fabric_retries_total{code="11"}')).to.equal(1);
    });
  });

  describe('the transparency log in operations', () => {
    const jsonLines = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

    it("/metrics carries the log's size, the published checkpoint's size and its age; each published checkpoint is a debug line", async () => {
      const t = await loggedGateway(); // no witnesses: each checkpoint is published as signed
      try {
        const token = await mintDevToken(t.dataDir, { role: 'platform', sub: 'tlog-ops' });
        for (let i = 0; i < 3; i++) expect((await notarise(t.gateway.url, token, doc(`tlog ops ${i}`))).status).to.equal(201);
        const tlog = t.gateway.tlog;
        if (!tlog) throw new Error('the embedded gateway keeps a transparency log');
        const size = tlog.log.size;
        expect(size).to.be.at.least(3);
        await tlog.checkpointer.waitFor(size, 30_000);
        const page = await (await fetch(`${t.gateway.url}/metrics`)).text();
        expect(sample(page, 'tender_tlog_size')).to.equal(size);
        expect(sample(page, 'tender_tlog_published_size')).to.equal(size);
        expect(page).to.match(/^tender_tlog_checkpoint_age_seconds \d/m);
        expect(sample(page, 'tender_tlog_checkpoint_age_seconds')).to.be.at.least(0);
        const published = jsonLines(t.lines).filter((l) => l.component === 'tlog' && l.size === size);
        expect(published.length).to.be.at.least(1);
        expect(published[0]).to.include({ level: 20, msg: `checkpoint of size ${size} published` });
      } finally {
        await t.close();
      }
    });

    it('a witness refusing the checkpoints is a warn line in the JSON log (nothing on the console), the log key never logged, and /metrics shows the published size behind', async () => {
      const witness = await startTestWitness('witness.ops.test'); // never told to trust this log: it refuses every checkpoint
      const warned: unknown[] = [];
      const consoleWarn = console.warn;
      console.warn = (...args: unknown[]) => {
        warned.push(args);
      };
      const t = await loggedGateway({ WITNESSES: JSON.stringify([{ url: witness.url, vkey: witness.vkey }]), WITNESS_QUORUM: '1' });
      try {
        const token = await mintDevToken(t.dataDir, { role: 'platform', sub: 'tlog-ops' });
        expect((await notarise(t.gateway.url, token, doc('tlog refused'))).status).to.equal(201);
        const refusal = () =>
          jsonLines(t.lines).find((l) => l.component === 'tlog' && String(l.msg).startsWith(`witness ${witness.url} did not cosign`));
        for (let waited = 0; !refusal() && waited < 30_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(refusal(), t.lines.join('')).to.include({ level: 40 });
        expect(warned).to.deep.equal([]);
        const page = await (await fetch(`${t.gateway.url}/metrics`)).text();
        expect(sample(page, 'tender_tlog_size')).to.be.at.least(1);
        expect(sample(page, 'tender_tlog_published_size')).to.equal(0);
        // The log's private key (`PRIVATE+KEY+<origin>+<id>+<base64>`): no part of its secret in the log.
        const secret = readFileSync(path.join(t.dataDir, 'keys', 'log'), 'utf8')
          .trim()
          .split('+')
          .slice(4)
          .join('+');
        expect(secret).to.have.lengthOf(44); // base64 of the type byte and the 32-byte seed
        expect(t.lines.join('')).to.not.include(secret);
      } finally {
        console.warn = consoleWarn;
        await t.close();
        await witness.close();
      }
    });
  });

  describe('start-up failures: one line on stderr, exit 1, within 5 s', () => {
    const temp = tempDir('tender-startup-');
    after(() => {
      temp.remove();
    });

    function expectOneLine(run: { code: number | null; stderr: string; stdout: string; ms: number }, text: string | RegExp): void {
      expect(run.code, run.stderr).to.equal(1);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines, run.stderr).to.have.length(1);
      expect(lines[0]).to.match(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);
      expect(run.stderr).to.not.match(/\n\s+at /);
      expect(run.stdout).to.not.include('listening on');
      expect(run.ms).to.be.below(5_000);
    }

    it('names a bad configuration value', async () => {
      expectOneLine(
        await runMain({ DATA_DIR: path.join(temp.dir, 'cfg'), LOG_LEVEL: 'loud' }),
        'tender-gateway: configuration: LOG_LEVEL must be one of',
      );
    });

    it('says the port is in use', async () => {
      const server: Server = createTcpServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      try {
        expectOneLine(
          await runMain({ DATA_DIR: path.join(temp.dir, 'port'), PORT: String(port) }),
          `port ${port} on 127.0.0.1 is in use by another process`,
        );
      } finally {
        server.close();
      }
    });

    it('says DATA_DIR is a file', async () => {
      const file = path.join(temp.dir, 'a-file');
      writeFileSync(file, 'not a directory');
      expectOneLine(await runMain({ DATA_DIR: file }), `DATA_DIR ${file} is a file, not a directory`);
      expectOneLine(await runMain({ DATA_DIR: path.join(file, 'below') }), 'cannot be created (a part of its path is a file)');
    });

    it('says DATA_DIR under /proc is no storage (it used to spin)', async () => {
      expectOneLine(
        await runMain({ DATA_DIR: '/proc/tender-data' }),
        'DATA_DIR /proc/tender-data is under /proc, a kernel file system, not storage',
      );
    });

    it('says DATA_DIR is not writable', async () => {
      // root writes anywhere: the gateway then runs as nobody, as a service account would.
      const asRoot = process.getuid?.() === 0;
      const parent = path.join(temp.dir, 'ro-parent');
      mkdirSync(parent);
      chmodSync(temp.dir, 0o755);
      chmodSync(parent, 0o755);
      const readOnly = path.join(parent, 'read-only');
      mkdirSync(readOnly, { mode: 0o555 });
      chmodSync(readOnly, 0o555);
      const run = await runMain({ DATA_DIR: readOnly }, asRoot ? { uid: 65534, gid: 65534 } : {});
      expectOneLine(run, `DATA_DIR ${readOnly} is not writable (EACCES)`);
    });

    it('names a bad transparency-log setting, and a log key of another origin', async () => {
      expectOneLine(
        await runMain({ DATA_DIR: path.join(temp.dir, 'tlog-cfg'), WITNESS_QUORUM: '2' }),
        'tender-gateway: configuration: WITNESS_QUORUM must be 0-0',
      );
      const dataDir = path.join(temp.dir, 'tlog-origin');
      await loadOrCreateLogKey(dataDir, 'a.example/log');
      expectOneLine(
        await runMain({ DATA_DIR: dataDir, LOG_ORIGIN: 'b.example/log' }),
        `${dataDir}/keys/log is the key of the log a.example/log, not b.example/log (LOG_ORIGIN)`,
      );
    });

    it('names a key file that is not a key, a JWKS file without keys and a Fabric connection file without identities', async () => {
      const dataDir = path.join(temp.dir, 'bad-key');
      const keyFile = path.join(dataDir, 'keys', 'receipts', '0001.private.jwk.json');
      mkdirSync(path.dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'k1' }));
      expectOneLine(await runMain({ DATA_DIR: dataDir }), `cannot start: ${keyFile} is not what it should be: /d`);
      writeFileSync(keyFile, '{"kty":');
      expectOneLine(await runMain({ DATA_DIR: dataDir }), `cannot start: ${keyFile} is not JSON`);
      // A trusted issuer's JWKS file with no key in it, then a good one beside a Fabric connection file missing its identities.
      const jwksFile = path.join(temp.dir, 'issuer.jwks.json');
      const issuers = JSON.stringify([{ issuer: 'https://platform.example', jwksFile, roles: ['platform'] }]);
      writeFileSync(jwksFile, JSON.stringify({ keys: [] }));
      expectOneLine(
        await runMain({ DATA_DIR: path.join(temp.dir, 'bad-jwks'), AUTH_ISSUERS: issuers }),
        `cannot start: ${jwksFile} is not what it should be: /keys`,
      );
      const { publicKey } = await generateKeyPair('ES256');
      writeFileSync(jwksFile, JSON.stringify({ keys: [await exportJWK(publicKey)] }));
      const connection = path.join(temp.dir, 'connection.json');
      writeFileSync(connection, JSON.stringify({ channel: 'tender', chaincode: 'tender', peers: {} }));
      expectOneLine(
        await runMain({
          DATA_DIR: path.join(temp.dir, 'bad-connection'),
          AUTH_ISSUERS: issuers,
          LEDGER_BACKEND: 'fabric',
          FABRIC_CONNECTION: connection,
          FABRIC_PLATFORM_IDENTITIES: JSON.stringify({ 'https://platform.example::p1': 'User1' }),
        }),
        `cannot start: ${connection} is not what it should be: /identities`,
      );
    });

    it("names the process holding the ledger's LevelDB LOCK", async () => {
      const dataDir = path.join(temp.dir, 'held');
      const holder = await startGateway(loadConfig({ DATA_DIR: dataDir, PORT: '0', CLOSE_BIDDING_AT_DEADLINE: 'false' }));
      try {
        expectOneLine(
          await runMain({ DATA_DIR: dataDir }),
          new RegExp(
            `the store ${dataDir}/ledger is locked by another process \\(LevelDB LOCK held by pid ${process.pid} .*the gateway at ${holder.url.replace(/\./g, '\\.')}`,
          ),
        );
      } finally {
        await holder.close();
      }
    });
  });

  describe('npm run keys:rotate', () => {
    it('makes a running gateway (npm start) sign with the new key and publish it, by SIGHUP; old receipts still verify', async () => {
      const temp = tempDir('tender-rotate-');
      const running = await spawnGateway(temp.dir);
      try {
        const token = await mintDevToken(temp.dir, { role: 'platform', sub: 'rotator' });
        const first = ((await (await notarise(running.url, token, doc('before rotation'))).json()) as { receipt: string }).receipt;
        const rotated = await runScript('gateway/dist/cli/rotate-key.js', [], temp.dir);
        expect(rotated.code, rotated.stderr).to.equal(0);
        const kid = /-> (\S+) /.exec(rotated.stdout)?.[1] as string;
        expect(rotated.stdout).to.include(
          `the gateway (pid ${present(running.child.pid, "the gateway's pid")} at ${running.url}) reloaded its keys: it signs with ${kid} from now on`,
        );
        const second = ((await (await notarise(running.url, token, doc('after rotation'))).json()) as { receipt: string }).receipt;
        expect(kidOf(second)).to.equal(kid);
        expect(kidOf(first)).to.not.equal(kid);
        const jwks = await jwksOf(running.url);
        expect(jwks.keys.map((k) => k.kid)).to.include.members([kid, kidOf(first)]);
        await verifyReceipt(second, jwks);
        await verifyReceipt(first, jwks);
        const checked = (await (
          await fetch(`${running.url}/v1/receipts/verify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ receipt: second }),
          })
        ).json()) as { valid: boolean };
        expect(checked.valid).to.equal(true);
      } finally {
        await running.stop();
        temp.remove();
      }
    });

    it('says plainly that a restart is needed when the gateway cannot reload, and that gateway claims no key it does not use', async () => {
      const t = await loggedGateway();
      try {
        const before = t.gateway.receipts.currentKid;
        const rotated = await runScript('gateway/dist/cli/rotate-key.js', [], t.dataDir);
        expect(rotated.code, rotated.stderr).to.equal(0);
        const kid = /-> (\S+) /.exec(rotated.stdout)?.[1] as string;
        expect(rotated.stdout).to.include(
          `RESTART NEEDED: the gateway (pid ${process.pid} at ${t.gateway.url}) does not reload keys in place; it signs with ${before} until restarted`,
        );
        expect((await jwksOf(t.gateway.url)).keys.map((k) => k.kid)).to.not.include(kid);
        const token = await mintDevToken(t.dataDir, { role: 'platform', sub: 'unrotated' });
        const receipt = ((await (await notarise(t.gateway.url, token, doc('not rotated'))).json()) as { receipt: string }).receipt;
        expect(kidOf(receipt)).to.equal(before);
      } finally {
        await t.close();
      }
    });

    it('says the next start uses the key when no gateway runs', async () => {
      const temp = tempDir('tender-rotate-idle-');
      try {
        const rotated = await runScript('gateway/dist/cli/rotate-key.js', [], temp.dir);
        expect(rotated.code, rotated.stderr).to.equal(0);
        expect(rotated.stdout).to.match(/no gateway is running on .*: the next start signs with \S+/);
      } finally {
        temp.remove();
      }
    });

    it('signals no process named by a stale gateway.pid (its pid since reused)', async () => {
      const temp = tempDir('tender-rotate-stale-');
      const other = spawn('sleep', ['30'], { stdio: 'ignore' });
      const gone = new Promise<NodeJS.Signals | null>((resolve) =>
        other.once('exit', (_code, signal) => {
          resolve(signal);
        }),
      );
      try {
        writeFileSync(path.join(temp.dir, 'gateway.pid'), JSON.stringify({ pid: other.pid, url: 'http://127.0.0.1:9', sighup: true }));
        const rotated = await runScript('gateway/dist/cli/rotate-key.js', [], temp.dir);
        expect(rotated.code, rotated.stderr).to.equal(0);
        expect(rotated.stdout).to.include('no gateway is running');
        expect(other.exitCode).to.equal(null);
        expect(other.signalCode).to.equal(null);
      } finally {
        other.kill('SIGTERM');
        await gone;
        temp.remove();
      }
    });
  });

  describe('npm run ledger:verify on a ledger in use', () => {
    it('names the gateway holding it and verifies nothing (exit 3) unless asked to verify a copy with --while-running', async () => {
      const t = await loggedGateway();
      try {
        const token = await mintDevToken(t.dataDir, { role: 'platform', sub: 'verifier' });
        await notarise(t.gateway.url, token, doc('to verify'));
        const held = await runScript('ledger/dist/cli/verify.js', [], t.dataDir);
        expect(held.code).to.equal(3);
        expect(held.stderr)
          .to.include(`the ledger in ${t.dataDir}/ledger is in use by pid ${process.pid}`)
          .and.include(`the gateway at ${t.gateway.url}`)
          .and.include('(LevelDB LOCK held); nothing verified')
          .and.include('npm run ledger:verify -- --while-running');
        const anyway = await runScript('ledger/dist/cli/verify.js', ['--while-running'], t.dataDir);
        expect(anyway.code, anyway.stderr).to.equal(0);
        expect(anyway.stdout)
          .to.include(`verifying a copy of the ledger taken while pid ${process.pid}`)
          .and.include('ledger intact: 1 blocks');
      } finally {
        await t.gateway.close();
      }
      const stopped = await runScript('ledger/dist/cli/verify.js', [], t.dataDir);
      expect(stopped.code, stopped.stderr).to.equal(0);
      expect(stopped.stdout).to.include('ledger intact');
      expect(stopped.stdout).to.not.include('verifying a copy');
      await t.close();
    });
  });
});
