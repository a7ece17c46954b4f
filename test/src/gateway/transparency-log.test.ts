import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import { decodeJwt } from 'jose';
import { verifyProof as sdkVerifyProof } from '@tender-ledger/client-sdk';
import {
  MemoryTree,
  SIG_ED25519,
  fromHex,
  leafHash,
  parseCheckpoint,
  parseNote,
  parsePolicy,
  parseProofBundle,
  signCheckpoint,
  toBase64,
  toHex,
  verifyConsistency,
  verifyProof,
  type TlogPolicy,
} from '@tender-ledger/tlog';
import { generateSignerKey, nodeEd25519, parseSignerKey } from '@tender-ledger/tlog/node';
import { Level } from 'level';
import {
  LogMonitor,
  MonitorAlarm,
  loadConfig,
  parseTilePath,
  readTile,
  startGateway,
  withProof,
  type GatewayLog,
  type RunningGateway,
  type TlogService,
} from '@tender-ledger/gateway';
import { present } from '../helpers/assert.js';
import { flipBits } from '../helpers/bytes.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startTestWitness, type TestWitness } from '../helpers/witnesses.js';
import { manualHostClock } from '../helpers/clock.js';
import { embeddedHost } from '../helpers/hosts.js';
import { PRICES, Tender } from '../helpers/tender.js';
import type { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { parseEntryBundle } from '@tender-ledger/gateway';
import { recordHash, sha256Hex, type LedgerRecord } from '@tender-ledger/domain';

const REPO = path.resolve(__dirname, '../../..');
const ORIGIN = 'tender-ledger.test/log';

/** The bytes of SHA-256(`label`): a leaf hash for a made-up record. */
const hashOf = (label: string): Uint8Array => present(fromHex(sha256Hex(label)), 'a SHA-256 in hex');

/** The log's verifier key, from its witness policy's `log` line. */
const logKeyOf = (policyText: string): string => present(/^log (\S+)$/m.exec(policyText)?.[1], 'the log line of the policy');
const CLI = path.join(REPO, 'client-sdk/dist/bundle/cli.cjs');

function tender(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

interface MonitorRun {
  /** What it has printed so far. */
  output(): { out: string; err: string };
  /** Its exit code and everything it printed. */
  exited: Promise<{ code: number | null; out: string; err: string }>;
}

/** `npm run monitor` started on a gateway; it runs until `--once` is done or an alarm stops it. */
function startMonitor(args: string[], env: Record<string, string> = {}): MonitorRun {
  const child = spawn(process.execPath, [path.join(REPO, 'gateway/dist/cli/monitor.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return {
    output: () => ({ out, err }),
    exited: new Promise((resolve) => {
      child.on('exit', (code) => {
        resolve({ code, out, err });
      });
    }),
  };
}

/** `npm run monitor` on a gateway, run to its end (`--once`, or an alarm). */
function runMonitor(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return startMonitor(args, env).exited;
}

interface Fixture {
  gw: TestGateway;
  /** The gateway's configuration beyond the test gateway's own: to start it again over the same data. */
  env: Record<string, string>;
  /** The gateway's transparency log (this suite's gateway always runs one). */
  tlog: TlogService;
  witnesses: TestWitness[];
  policyText: string;
  policy: TlogPolicy;
  token: string;
}

async function notarise(
  f: Fixture,
  label: string,
  headers: Record<string, string> = {},
): Promise<{ record: { recordId: string; hash: string }; receipt: string; proof?: string; preference: string | null }> {
  const res = await fetch(`${f.gw.url}/v1/evidence`, {
    method: 'POST',
    headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ sha256: sha256Hex(label), kind: 'archive' }),
  });
  expect(res.status, await res.clone().text()).to.equal(201);
  return {
    ...((await res.json()) as { record: { recordId: string; hash: string }; receipt: string; proof?: string }),
    preference: res.headers.get('preference-applied'),
  };
}

async function text(url: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** What the operator serves tiles from: a tree's size and its nodes. */
type ServedTree = Pick<MemoryTree, 'size' | 'node'>;

/** A log server an operator controls: serves /checkpoint and tiles from whatever tree it is given. */
async function operatorServer(): Promise<{
  url: string;
  serve(tree: ServedTree, entries: Uint8Array[], note: string): void;
  close(): Promise<void>;
}> {
  let state: { tree: ServedTree; entries: Uint8Array[]; note: string } | undefined;
  const app = express();
  app.get('/checkpoint', (_req, res) => {
    res.type('text/plain').send(present(state, 'the served log').note);
  });
  app.get(/^\/tile\/(.+)$/, (req, res) => {
    const tile = parseTilePath(req.path.slice(6));
    const { tree, entries } = present(state, 'the served log');
    const source = {
      size: tree.size,
      node: (l: number, i: number) => tree.node(l, i),
      entry: (i: number) => present(entries[i], `entry ${i}`),
    };
    const bytes = tile && readTile(source, tile);
    if (!bytes) {
      res.status(404).end();
      return;
    }
    res.type('application/octet-stream').send(Buffer.from(bytes));
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serve(tree, entries, note) {
      state = { tree, entries, note };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function treeOf(entries: Uint8Array[]): MemoryTree {
  const tree = new MemoryTree();
  for (const e of entries) tree.append(leafHash(e));
  return tree;
}

async function waitFor<T>(what: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the transparency log over HTTP (embedded ledger, two witnesses)', function () {
  this.timeout(60_000);
  let f: Fixture;

  beforeEach(async () => {
    const witnesses = [await startTestWitness('witness1.test'), await startTestWitness('witness2.test')];
    // The log key as the gateway would create it on first start, made first so the witnesses know it from the start.
    const logKey = generateSignerKey(ORIGIN, SIG_ED25519);
    for (const w of witnesses) w.trust(parseSignerKey(logKey).vkey);
    const env = {
      LOG_ORIGIN: ORIGIN,
      WITNESSES: JSON.stringify(witnesses.map((w) => ({ url: w.url, vkey: w.vkey }))),
      WITNESS_QUORUM: '2',
      CHECKPOINT_INTERVAL_MS: '50',
    };
    const gw = await startTestGateway(env, 'embedded', async (dir) => {
      mkdirSync(path.join(dir, 'keys'), { recursive: true });
      writeFileSync(path.join(dir, 'keys', 'log'), `${logKey}\n`, { mode: 0o600 });
    });
    const policyText = (await text(`${gw.url}/log/policy`)).body;
    expect(policyText).to.include(parseSignerKey(logKey).vkey);
    f = {
      gw,
      env,
      tlog: present(gw.gateway.tlog, "the gateway's transparency log"),
      witnesses,
      policyText,
      policy: parsePolicy(policyText, { ed25519: nodeEd25519 }),
      token: await gw.token('platform', 'gz-etrading'),
    };
  });
  afterEach(async () => {
    await f.gw.close();
    for (const w of f.witnesses) await w.close();
  });

  describe('GET /checkpoint', () => {
    it('serves the C2SP signed note, cosigned by both witnesses, within 1 s of new leaves', async () => {
      await notarise(f, 'a');
      const started = Date.now();
      const note = await waitFor(async () => {
        const { body } = await text(`${f.gw.url}/checkpoint`);
        return parseCheckpoint(parseNote(body).text).size === 1 && parseNote(body).signatures.length === 3 ? body : undefined;
      });
      expect(Date.now() - started).to.be.below(1000);
      const { checkpoint, cosignatures } = (await import('@tender-ledger/tlog')).verifyCheckpoint(note, f.policy);
      expect(checkpoint.origin).to.equal(ORIGIN);
      expect(cosignatures.map((c) => c.witness).sort()).to.deep.equal(['w1', 'w2']);
      expect(readFileSync(path.join(f.gw.dataDir, 'keys', 'log'), 'utf8')).to.match(
        new RegExp(`^PRIVATE\\+KEY\\+${ORIGIN.replace(/[./]/g, '\\$&')}\\+`),
      );
    });
  });

  describe('GET /v1/records/{id}/proof', () => {
    it('returns a tlog-proof bundle for the leaf the receipt names, verifying offline under the policy', async () => {
      for (let i = 0; i < 4; i++) await notarise(f, `before ${i}`);
      const { record, receipt } = await notarise(f, 'the one');
      const claims = decodeJwt(receipt) as { leafIndex?: number };
      expect(claims.leafIndex).to.equal(4);
      const res = await text(`${f.gw.url}/v1/records/${record.recordId}/proof`);
      expect(res.status, res.body).to.equal(200);
      expect(res.headers.get('content-disposition')).to.include(`${record.recordId}.tlog-proof`);
      expect(res.body.startsWith('c2sp.org/tlog-proof@v1\n')).to.equal(true);
      const verified = verifyProof(res.body, record.hash, f.policy);
      expect(verified.index).to.equal(4);
      expect(verified.cosignatures).to.have.length(2);
      // Any other record's hash is refused.
      expect(() => verifyProof(res.body, sha256Hex('not it'), f.policy))
        .to.throw()
        .with.property('code', 'TLOG_INCLUSION_INVALID');
      // The SDK, given the record itself, hashes its content first: the proof covers what the holder has.
      const full = record as unknown as LedgerRecord;
      expect(sdkVerifyProof(res.body, full, f.policy).index).to.equal(4);
      expect(
        sdkVerifyProof(res.body, { ...full, blockNumber: 7 } as LedgerRecord, f.policy).index,
        "the gateway's additions are not hashed",
      ).to.equal(4);
      const altered = { ...full, payload: { ...full.payload, kind: 'altered' } } as LedgerRecord;
      expect(() => sdkVerifyProof(res.body, altered, f.policy))
        .to.throw()
        .with.property('code', 'TLOG_RECORD_ALTERED');
      expect(() => sdkVerifyProof(res.body, { ...full, redacted: true } as LedgerRecord, f.policy))
        .to.throw()
        .with.property('code', 'INVALID_ARGUMENT');
    });

    it('logs a batch notarisation like any record: one leaf, named by its receipt, with its proof', async () => {
      await notarise(f, 'before the batch');
      const res = await fetch(`${f.gw.url}/v1/evidence/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ hashes: [sha256Hex('batch 1'), sha256Hex('batch 2'), sha256Hex('batch 3')], kind: 'archive' }),
      });
      expect(res.status).to.equal(201);
      const { record, receipt } = (await res.json()) as { record: { recordId: string; hash: string; step: string }; receipt: string };
      expect(record.step).to.equal('BatchNotarised');
      expect((decodeJwt(receipt) as { leafIndex?: number }).leafIndex).to.equal(1);
      await notarise(f, 'after the batch');
      const proof = await text(`${f.gw.url}/v1/records/${record.recordId}/proof`);
      expect(proof.status, proof.body).to.equal(200);
      expect(verifyProof(proof.body, record.hash, f.policy).index).to.equal(1);
    });

    it('serves consistency proofs between sizes, and 404 past the log or backwards', async () => {
      for (let i = 0; i < 3; i++) await notarise(f, `consistency ${i}`);
      const proof = await text(`${f.gw.url}/log/consistency/1/3`);
      expect(proof.status, proof.body).to.equal(200);
      expect(proof.body.trim().split('\n')).to.have.length(2); // RFC 9162: from 1 to 3, two hashes
      for (const [from, to] of [
        [2, 4],
        [3, 1],
      ] as const) {
        const res = await fetch(`${f.gw.url}/log/consistency/${from}/${to}`);
        expect(res.status, `${from}/${to}`).to.equal(404);
        expect(((await res.json()) as { code: string }).code).to.equal('NOT_FOUND');
      }
    });

    it('with Prefer: wait=proof, the write answers with its bundle', async () => {
      const answer = await notarise(f, 'waits', { prefer: 'wait=proof' });
      expect(answer.preference).to.equal('wait=proof');
      expect(verifyProof(present(answer.proof, "the answer's proof"), answer.record.hash, f.policy).index).to.equal(0);
    });

    it('with Prefer: wait=proof, sends an answer that names no record (a damaged stored answer) as it was, with no proof', async () => {
      const written = await notarise(f, 'stored answer');
      const stored = JSON.stringify({ record: written.record, receipt: written.receipt });
      const app = express();
      let body = '';
      app.get('/', async (_req, res) => {
        res.type('application/json').send(await withProof(f.tlog, res, body, 100));
      });
      const server: Server = await new Promise((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => {
          resolve(s);
        });
      });
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        for (const damaged of [
          '{"record": {"recordId": "tx',
          '[]',
          '{"record": {"recordId": "tx1"}}',
          JSON.stringify({ record: { recordId: '../x', hash: 'not hex' } }),
        ]) {
          body = damaged;
          const res = await fetch(url);
          expect(res.status, damaged).to.equal(200);
          expect(await res.text(), damaged).to.equal(damaged);
          expect(res.headers.get('preference-applied'), damaged).to.equal(null);
        }
        body = stored;
        const res = await fetch(url);
        expect(res.headers.get('preference-applied')).to.equal('wait=proof');
        const { proof } = (await res.json()) as { proof: string };
        expect(verifyProof(proof, written.record.hash, f.policy).index).to.equal(0);
      } finally {
        await new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        });
      }
    });

    it('answers 503 PROOF_NOT_READY while the witnesses have not cosigned', async () => {
      for (const w of f.witnesses) await w.close();
      f.witnesses = [];
      const { record } = await notarise(f, 'unwitnessed');
      const res = await fetch(`${f.gw.url}/v1/records/${record.recordId}/proof`);
      expect(res.status).to.equal(503);
      expect(((await res.json()) as { code: string }).code).to.equal('PROOF_NOT_READY');
    });

    it('answers 400 INVALID_ARGUMENT, naming the parameter, to a record id the document refuses', async () => {
      const res = await fetch(`${f.gw.url}/v1/records/${encodeURIComponent('é')}/proof`);
      expect(res.status).to.equal(400);
      const problem = (await res.json()) as { code: string; errors?: { field: string }[] };
      expect(problem.code).to.equal('INVALID_ARGUMENT');
      expect(problem.errors?.map((e) => e.field)).to.include('/params/recordId');
    });
  });

  describe('GET /tile/...', () => {
    it('serves partial and full level-0 tiles and entry bundles; full ones immutable', async () => {
      const ledger = (f.gw.gateway.backend as unknown as { ledger: { submit(i: unknown): Promise<unknown> } }).ledger;
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          ledger.submit({
            identity: { mspId: 'TradingCentreMSP', id: 'platform::bulk' },
            fn: 'notary:notariseDocument',
            args: [JSON.stringify({ sha256: sha256Hex(`bulk ${i}`), kind: 'archive' })],
          }),
        ),
      );
      const log = f.gw.gateway.backend.log as GatewayLog;
      const full = await fetch(`${f.gw.url}/tile/0/000`);
      expect(full.status).to.equal(200);
      expect(full.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
      const bytes = new Uint8Array(await full.arrayBuffer());
      expect(bytes.length).to.equal(256 * 32);
      expect(toHex(bytes.subarray(32 * 7, 32 * 8))).to.equal(toHex(log.node(0, 7)));
      const partial = await fetch(`${f.gw.url}/tile/0/001.p/44`);
      expect(partial.status).to.equal(200);
      expect(partial.headers.get('cache-control')).to.equal('no-cache');
      expect((await partial.arrayBuffer()).byteLength).to.equal(44 * 32);
      const entries = new Uint8Array(await (await fetch(`${f.gw.url}/tile/entries/001.p/44`)).arrayBuffer());
      expect(entries.length).to.equal(44 * 34);
      expect(toHex(entries.subarray(2, 34))).to.equal(toHex(log.entry(256)));
      expect((await fetch(`${f.gw.url}/tile/0/001.p/45`)).status).to.equal(404);
      expect((await fetch(`${f.gw.url}/tile/0/001`)).status).to.equal(404);
      expect((await fetch(`${f.gw.url}/tile/0/x000/001`)).status).to.equal(404);
      expect((await fetch(`${f.gw.url}/tile/0/1`)).status).to.equal(404);
    });
  });

  describe('GET /log/consistency/{size1}/{size2}', () => {
    it('answers a proof that joins the two roots, an empty one from size 0 (as tlog-witness has it), and 404 past the log', async () => {
      for (let i = 0; i < 5; i++) await notarise(f, `consistency ${i}`);
      const log = f.gw.gateway.backend.log as GatewayLog;
      const lines = async (url: string) => {
        const res = await text(url);
        expect(res.status, res.body).to.equal(200);
        return res.body
          .split('\n')
          .filter(Boolean)
          .map((b) => new Uint8Array(Buffer.from(b, 'base64')));
      };
      verifyConsistency(3, 5, await lines(`${f.gw.url}/log/consistency/3/5`), log.root(3), log.root(5));
      expect(await lines(`${f.gw.url}/log/consistency/0/0`)).to.deep.equal([]);
      expect(await lines(`${f.gw.url}/log/consistency/0/5`)).to.deep.equal([]);
      expect(await lines(`${f.gw.url}/log/consistency/5/5`)).to.deep.equal([]);
      expect((await text(`${f.gw.url}/log/consistency/3/6`)).status).to.equal(404);
      expect((await text(`${f.gw.url}/log/consistency/4/3`)).status).to.equal(404);
    });
  });

  describe('the tender CLI', () => {
    it('gets a proof, verifies it against a policy file, and checks two checkpoints for consistency', async () => {
      const { record } = await notarise(f, 'cli 0');
      await waitFor(() => (f.tlog.checkpointer.published?.size === 1 ? true : undefined));
      const dir = f.gw.dataDir;
      const env = { TENDER_URL: f.gw.url, TENDER_TOKEN: f.token };
      const got = await tender(['proof', 'get', record.recordId], dir, env);
      expect(got.code, got.stderr).to.equal(0);
      writeFileSync(path.join(dir, 'policy.txt'), f.policyText);
      const ok = await tender(['proof', 'verify', `${record.recordId}.tlog-proof`, '--policy', 'policy.txt'], dir);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout).to.include(`VERIFIED: record ${record.hash} is leaf 0 of ${ORIGIN} at size 1`);
      const wrong = await tender(
        ['proof', 'verify', `${record.recordId}.tlog-proof`, '--policy', 'policy.txt', '--record', sha256Hex('x')],
        dir,
      );
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.include('REFUSED TLOG_INCLUSION_INVALID');
      // The record itself, as the gateway serves it: its content is hashed, so a changed field is refused.
      const served = (await (
        await fetch(`${f.gw.url}/v1/records/${record.recordId}`, { headers: { authorization: `Bearer ${f.token}` } })
      ).json()) as Record<string, unknown>;
      writeFileSync(path.join(dir, 'record.json'), JSON.stringify(served));
      const fromFile = await tender(
        ['proof', 'verify', `${record.recordId}.tlog-proof`, '--policy', 'policy.txt', '--record', 'record.json'],
        dir,
      );
      expect(fromFile.code, fromFile.stderr).to.equal(0);
      expect(fromFile.stdout).to.include(`VERIFIED: record ${record.hash} is leaf 0`);
      writeFileSync(path.join(dir, 'altered.json'), JSON.stringify({ ...served, txTime: '2020-01-01T00:00:00.000Z' }));
      const altered = await tender(
        ['proof', 'verify', `${record.recordId}.tlog-proof`, '--policy', 'policy.txt', '--record', 'altered.json'],
        dir,
      );
      expect(altered.code).to.equal(1);
      expect(altered.stderr).to.include('REFUSED TLOG_RECORD_ALTERED');

      writeFileSync(path.join(dir, 'old.checkpoint'), present(f.tlog.checkpointer.published, 'the published checkpoint').note);
      for (let i = 1; i < 5; i++) await notarise(f, `cli ${i}`);
      await waitFor(() => (f.tlog.checkpointer.published?.size === 5 ? true : undefined));
      writeFileSync(path.join(dir, 'new.checkpoint'), present(f.tlog.checkpointer.published, 'the published checkpoint').note);
      const consistent = await tender(['log', 'consistency', 'old.checkpoint', 'new.checkpoint', '--policy', 'policy.txt'], dir, env);
      expect(consistent.code, consistent.stderr).to.equal(0);
      expect(consistent.stdout).to.include('CONSISTENT');
      // A checkpoint of another tree of size 5, signed by the same key: not consistent.
      const key = parseSignerKey(readFileSync(path.join(dir, 'keys', 'log'), 'utf8'));
      const fork = treeOf(Array.from({ length: 5 }, (_, i) => hashOf(`fork ${i}`)));
      writeFileSync(
        path.join(dir, 'fork.checkpoint'),
        signCheckpoint({ origin: ORIGIN, size: 5, rootHash: fork.root(), extensions: [] }, key.signer),
      );
      const split = await tender(['log', 'consistency', 'old.checkpoint', 'fork.checkpoint'], dir, env);
      expect(split.code).to.equal(1);
      expect(split.stderr).to.include('REFUSED TLOG_CONSISTENCY_INVALID');
    });
  });

  describe('a monitor', () => {
    it("follows the gateway's checkpoints and tiles and finds them consistent", async () => {
      const monitor = new LogMonitor({ url: f.gw.url, policy: f.policy });
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 3; i++) await notarise(f, `m ${round} ${i}`);
        await waitFor(() => (f.tlog.checkpointer.published?.size === (round + 1) * 3 ? true : undefined));
        const step = await monitor.poll();
        expect(step.size).to.equal((round + 1) * 3);
      }
      expect(monitor.size).to.equal(9);
    });

    it("recomputes a public record's leaf from its content, and leaves a sealed one alone", async () => {
      const { record } = await notarise(f, 'public one');
      const ledger = (f.gw.gateway.backend as unknown as { ledger: EmbeddedLedger }).ledger;
      const tender = Tender.onHost(embeddedHost(ledger, manualHostClock(f.gw.clock), async () => undefined));
      await tender.register();
      await tender.registerBidder('X1');
      const sealed = await tender.commit('X1', 90_000_000);
      await waitFor(() => (f.tlog.checkpointer.published?.size === 4 ? true : undefined));
      const monitor = new LogMonitor({ url: f.gw.url, policy: f.policy });
      await monitor.poll();
      expect(await monitor.checkRecord(record.recordId)).to.deep.equal({ index: 0 });
      expect(await monitor.checkRecord(sealed.recordId)).to.equal('sealed');
    });

    describe('when the operator publishes a record that is not the documented one', () => {
      it('raises TLOG_INCLUSION_INVALID naming the record, instead of hashing whatever it was given', async () => {
        const { record } = await notarise(f, 'monitored');
        const published = await (await fetch(`${f.gw.url}/v1/records/${record.recordId}`)).text();
        let answer = '';
        const app = express();
        app.get('/v1/records/:recordId', (_req, res) => {
          res.type('application/json').send(answer);
        });
        const server: Server = await new Promise((resolve) => {
          const s = app.listen(0, '127.0.0.1', () => {
            resolve(s);
          });
        });
        try {
          const monitor = new LogMonitor({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, policy: f.policy });
          const view = JSON.parse(published) as Record<string, unknown>;
          for (const [body, says] of [
            ['<html>not a record</html>', 'not UTF-8 JSON'],
            [JSON.stringify({ recordId: record.recordId, hash: record.hash }), 'is not a record: '],
            [JSON.stringify({ ...view, step: 'Nothing' }), 'is not a record: '],
            [
              JSON.stringify({ ...view, recordId: 'another-record' }),
              `asked for record ${record.recordId}, the log published record another-record`,
            ],
          ] as const) {
            answer = body;
            let raised: unknown;
            try {
              await monitor.checkRecord(record.recordId);
            } catch (error) {
              raised = error;
            }
            expect(raised, says).to.be.instanceOf(MonitorAlarm);
            expect((raised as MonitorAlarm).code).to.equal('TLOG_INCLUSION_INVALID');
            expect((raised as MonitorAlarm).detail, says).to.include(says);
          }
        } finally {
          await new Promise((resolve) => {
            server.closeAllConnections();
            server.close(resolve);
          });
        }
      });
    });
  });

  describe('a monitor sweeping the public records (no --record)', () => {
    /** The records the public may read of a tender: every step on the regulator's trail the anonymous record route shows unredacted. */
    async function publicIds(tender: Tender<'http'>): Promise<string[]> {
      const ids = [];
      for (const r of (await tender.trail(await f.gw.client('regulator', 'r'))).records) {
        const view = (await (await fetch(`${f.gw.url}/v1/records/${r.recordId}`)).json()) as { redacted?: boolean };
        if (view.redacted !== true) ids.push(r.recordId);
      }
      return ids;
    }

    /** Every record so far under a witnessed checkpoint. */
    async function witnessed(gateway: { backend: { log?: GatewayLog | undefined }; tlog?: TlogService } = f.gw.gateway): Promise<void> {
      const size = present(gateway.backend.log, "the gateway's log").size;
      await waitFor(() => (gateway.tlog?.checkpointer.published?.size === size ? true : undefined), 10_000);
    }

    it('recomputes the leaf of every public record of every project, none of a tender still sealed, and the bids once opened', async () => {
      const platform = await f.gw.client('platform', 'gz-etrading');
      const sealed = Tender.overHttp(f.gw, platform);
      await sealed.register();
      const bids: string[] = [];
      for (const [bidderId, price] of Object.entries(PRICES)) {
        bids.push((await sealed.registerBidder(bidderId)).record.recordId, (await sealed.commit(bidderId, price)).record.recordId);
      }
      await sealed.appointCommittee();
      const opened = Tender.overHttp(f.gw, platform);
      await opened.throughOpening();
      await witnessed();
      // Of the opened tender: registration, three bidders, three bids and the opening (the committee
      // stays unnamed until the award). Of the sealed one nothing: until the opening the public sees
      // its records without their chain position, so none can be hashed (and none is counted).
      expect(await publicIds(sealed)).to.deep.equal([]);
      const expected = await publicIds(opened);
      expect(expected).to.have.length(8);

      // A bidder's token reads the project list and trails as the public (this gateway lists them to signed-in callers only).
      const listToken = await f.gw.token('bidder', 'public-monitor');
      const monitor = new LogMonitor({ url: f.gw.url, policy: f.policy, listToken });
      await monitor.poll();
      expect(await monitor.sweepPublicRecords()).to.deep.equal({ checked: 8, total: 8, more: false });
      expect([...monitor.publicRecords]).to.have.members(expected);
      for (const bid of bids) expect(monitor.publicRecords.has(bid), 'a sealed step').to.equal(false);
      // Checked records are remembered: the next sweep checks nothing again.
      expect(await monitor.sweepPublicRecords()).to.deep.equal({ checked: 0, total: 8, more: false });

      // The opening makes the sealed tender's bidders and bids public: the next poll finds them.
      await sealed.open();
      await witnessed();
      await monitor.poll();
      const nowPublic = await publicIds(sealed);
      expect(nowPublic).to.have.length(8);
      expect(nowPublic).to.include.members(bids);
      expect(await monitor.sweepPublicRecords()).to.deep.equal({ checked: 8, total: 16, more: false });
      expect([...monitor.publicRecords]).to.have.members([...expected, ...nowPublic]);

      // Bounded: four records or trails a sweep, going on from where the last one stopped.
      const bounded = new LogMonitor({ url: f.gw.url, policy: f.policy, listToken, sweepLimit: 4 });
      await bounded.poll();
      const sweeps = [];
      for (let more = true; more;) {
        const swept = await bounded.sweepPublicRecords();
        expect(swept.checked).to.be.at.most(4);
        sweeps.push(swept.checked);
        more = swept.more;
      }
      expect(sweeps).to.deep.equal([4, 4, 4, 4]);
      expect([...bounded.publicRecords]).to.have.members([...monitor.publicRecords]);

      // `npm run monitor`: says how many it checked, and says why it cannot list without a token.
      const logKey = logKeyOf(f.policyText);
      const cli = await runMonitor([f.gw.url, '--log-key', logKey, '--once'], { MONITOR_TOKEN: listToken });
      expect(cli.code, cli.err).to.equal(0);
      expect(cli.out).to.include('public records: 16 checked this poll, 16 in all');
      const anonymous = await runMonitor([f.gw.url, '--log-key', logKey, '--once'], { MONITOR_TOKEN: '' });
      expect(anonymous.code, anonymous.err).to.equal(0);
      expect(anonymous.err).to.match(
        /public records not swept: GET \/v1\/projects\?limit=200: 401 \(this gateway lists projects to signed-in callers only/,
      );
      const off = await runMonitor([f.gw.url, '--log-key', logKey, '--once', '--no-public-records'], { MONITOR_TOKEN: listToken });
      expect(off.code, off.err).to.equal(0);
      expect(off.out).not.to.include('public records');
    });

    describe("when the operator rewrites a public record's stored content, the log untouched", () => {
      it('raises TLOG_INCLUSION_INVALID naming the record, and `npm run monitor` exits 1', async () => {
        const platform = await f.gw.client('platform', 'gz-etrading');
        const tender = Tender.overHttp(f.gw, platform);
        const registered = await tender.register();
        const victim = registered.record;
        const leaf = present((decodeJwt(registered.receipt) as { leafIndex?: number }).leafIndex, "the receipt's leaf index");
        for (const [bidderId, price] of Object.entries(PRICES)) await tender.bid(bidderId, price);
        await tender.appointCommittee();
        await tender.reachOpening();
        await tender.open();
        // 64 blocks after it: an old record, out of the start-up check's reach (the last 64 blocks).
        for (let i = 0; i < 64; i++) await notarise(f, `later ${i}`);
        await witnessed();
        const logKey = logKeyOf(f.policyText);
        const listToken = await f.gw.token('bidder', 'public-monitor');
        const honest = await runMonitor([f.gw.url, '--log-key', logKey, '--once'], { MONITOR_TOKEN: listToken });
        expect(honest.code, honest.err).to.equal(0);
        expect(honest.out).to.include('public records: 8 checked this poll');

        // The operator stops the gateway and rewrites the project's name in the stored record, with
        // a hash over the new content (so the record agrees with itself), and starts it again.
        await f.gw.gateway.close();
        const db = new Level<string, Buffer>(path.join(f.gw.dataDir, 'ledger'), { keyEncoding: 'utf8', valueEncoding: 'buffer' });
        await db.open();
        let rewritten: string | undefined;
        try {
          const prefix = `s!\u0000record\u0000${tender.projectId}\u0000`;
          for await (const [key, value] of db.iterator({ gte: prefix, lt: `${prefix}\uffff` })) {
            const stored = JSON.parse(value.toString('utf8')) as LedgerRecord<'ProjectRegistered'>;
            if (stored.recordId !== victim.recordId) continue;
            const changed = { ...stored, payload: { ...stored.payload, name: 'Bridge repairs, Baiyun district' } };
            changed.hash = recordHash(changed);
            rewritten = changed.hash;
            await db.put(key, Buffer.from(JSON.stringify(changed)));
          }
        } finally {
          await db.close();
        }
        const newHash = present(rewritten, "the rewritten record's hash");
        const reopened: RunningGateway = await startGateway(
          loadConfig({ DATA_DIR: f.gw.dataDir, PORT: '0', CLOSE_BIDDING_AT_DEADLINE: 'false', ...f.env }),
          { clock: f.gw.clock.now },
        );
        try {
          await witnessed(reopened);
          const served = (await (await fetch(`${reopened.url}/v1/records/${victim.recordId}`)).json()) as {
            hash: string;
            payload: { name: string };
          };
          expect(served.payload.name, 'the gateway serves the rewritten record').to.equal('Bridge repairs, Baiyun district');
          expect(served.hash).to.equal(newHash);

          // The log itself is consistent: only the record's leaf gives the rewrite away.
          const monitor = new LogMonitor({ url: reopened.url, policy: f.policy, listToken });
          await monitor.poll();
          const alarm = await monitor.sweepPublicRecords().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(alarm).to.be.instanceOf(MonitorAlarm);
          expect((alarm as MonitorAlarm).code).to.equal('TLOG_INCLUSION_INVALID');
          expect((alarm as MonitorAlarm).detail).to.equal(
            `leaf ${leaf} of the log is not the hash of record ${victim.recordId} (${newHash})`,
          );

          const cli = await runMonitor([reopened.url, '--log-key', logKey, '--interval', '50'], { MONITOR_TOKEN: listToken });
          expect(cli.code, cli.out).to.equal(1);
          expect(cli.err).to.include(`ALARM TLOG_INCLUSION_INVALID: leaf`);
          expect(cli.err).to.include(`record ${victim.recordId} (${newHash})`);
        } finally {
          await reopened.close();
        }
      });
    });
  });

  describe('(d) privacy before an opening', () => {
    it("lets the public attribute no sealed leaf to a project or bidder, and gives no sealed record's proof or leaf index", async () => {
      const ledger = (f.gw.gateway.backend as unknown as { ledger: EmbeddedLedger }).ledger;
      const host = embeddedHost(ledger, manualHostClock(f.gw.clock), async () => undefined);
      const a = Tender.onHost(host);
      const b = Tender.onHost(host);
      const publicRecords = [await a.register(), await b.register()];
      const sealed = [];
      // Two projects bidding at once, and unrelated evidence, interleaved as on a live ledger.
      for (const [t, bidder] of [
        [a, 'bidder-a1'],
        [b, 'bidder-b1'],
        [a, 'bidder-a2'],
        [a, 'bidder-a3'],
        [b, 'bidder-b2'],
      ] as const) {
        sealed.push(await t.registerBidder(bidder));
        await notarise(f, `unrelated ${bidder}`);
        sealed.push(await t.commit(bidder, 90_000_000));
      }
      const size = (f.gw.gateway.backend.log as GatewayLog).size;
      await waitFor(() => (f.tlog.checkpointer.published?.size === size ? true : undefined));

      // The entries are bare 32-byte record hashes: no project, step, bidder or length to tell them apart.
      const bundle = present(
        parseEntryBundle(new Uint8Array(await (await fetch(`${f.gw.url}/tile/entries/000.p/${size}`)).arrayBuffer())),
        'the entry bundle',
      );
      expect(bundle).to.have.length(size);
      expect(bundle.every((e) => e.length === 32)).to.equal(true);
      const leaves = new Set(bundle.map(toHex));
      for (const r of sealed) expect(leaves.has(r.hash)).to.equal(true);

      // Nothing the public (or another platform) can read names a sealed record's hash, so no leaf
      // can be matched to a bid; a sealed record's hash is a SHA-256 over a random transaction id
      // and the commitment, so it cannot be guessed either.
      const outsider = await f.gw.token('platform', 'outsider');
      const seen: string[] = [];
      for (const t of [a, b]) {
        for (const resource of [`v1/projects/${t.projectId}/trail`, `v1/projects/${t.projectId}`]) {
          const res = await fetch(`${f.gw.url}/${resource}`, { headers: { authorization: `Bearer ${outsider}` } });
          expect(res.status).to.equal(200);
          seen.push(await res.text());
        }
      }
      seen.push((await text(`${f.gw.url}/checkpoint`)).body);
      const publicText = seen.join('\n');
      for (const r of sealed) expect(publicText).not.to.include(r.hash);
      for (const r of publicRecords) expect(publicText).to.include(r.hash);
      expect(publicText).not.to.include('bidder-');

      // A sealed record's proof (and with it its leaf index) is refused to the public and to other platforms.
      const sealedBid = present(sealed[1], 'a sealed record');
      for (const headers of [{}, { authorization: `Bearer ${outsider}` }] as Record<string, string>[]) {
        const res = await fetch(`${f.gw.url}/v1/records/${sealedBid.recordId}/proof`, { headers });
        expect(res.status).to.equal(403);
      }
      // Its owner gets it.
      const owner = await fetch(`${f.gw.url}/v1/records/${sealedBid.recordId}/proof`, {
        headers: { authorization: `Bearer ${await f.gw.token('regulator', 'r')}` },
      });
      expect(owner.status).to.equal(200);
    });
  });

  describe('attacks', () => {
    /** The gateway's log as the operator holds it: entries, tree and key. */
    async function operatorView(size: number) {
      await waitFor(() => (f.tlog.checkpointer.published?.size === size ? true : undefined));
      const log = f.gw.gateway.backend.log as GatewayLog;
      const entries: Uint8Array[] = Array.from({ length: size }, (_, i) => Uint8Array.from(log.entry(i)));
      const key = parseSignerKey(readFileSync(path.join(f.gw.dataDir, 'keys', 'log'), 'utf8'));
      const sign = (tree: MemoryTree) =>
        signCheckpoint({ origin: ORIGIN, size: tree.size, rootHash: tree.root(), extensions: [] }, key.signer);
      return { entries, sign, published: present(f.tlog.checkpointer.published, 'the published checkpoint') };
    }

    describe('(a) the operator rewrites a record, rebuilds the tree and signs a new checkpoint', () => {
      it('is refused by the witness (422), raised by the monitor, and shown inconsistent with the bundles issued before', async () => {
        const written = [];
        for (let i = 0; i < 6; i++) written.push(await notarise(f, `r ${i}`));
        const { entries, sign } = await operatorView(6);
        const victim = present(written[2], 'record 2');
        const bundleBefore = (await text(`${f.gw.url}/v1/records/${victim.record.recordId}/proof`)).body;
        const honest = sign(treeOf(entries));

        // The rewrite: record 2 replaced, one more record added, the tree rebuilt and re-signed.
        const rewritten = [...entries];
        rewritten[2] = hashOf('a different record 2');
        rewritten.push(hashOf('record 6'));
        const tree = treeOf(rewritten);
        const forged = sign(tree);
        const proof = tree.consistencyProof(6, 7);
        const answer = await present(f.witnesses[0], 'the first witness').add(
          `old 6\n${proof.map((h) => `${toBase64(h)}\n`).join('')}\n${forged}`,
        );
        expect(answer.status).to.equal(422);
        expect(answer.text).to.match(/^TLOG_CONSISTENCY_INVALID/);

        // The bundle issued before still verifies offline against its own checkpoint…
        expect(verifyProof(bundleBefore, victim.record.hash, f.policy).checkpoint.size).to.equal(6);
        // …and the forged checkpoint is not consistent with it, whatever proof the operator offers.
        const old = parseCheckpoint(parseNote(parseProofBundle(bundleBefore).checkpoint).text);
        const forgedHead = parseCheckpoint(parseNote(forged).text);
        expect(() => {
          verifyConsistency(old.size, forgedHead.size, proof, old.rootHash, forgedHead.rootHash);
        })
          .to.throw()
          .with.property('code', 'TLOG_CONSISTENCY_INVALID');

        // The monitor saw the honest log, then the operator's rewritten one: `npm run monitor` exits 1.
        const operator = await operatorServer();
        try {
          operator.serve(treeOf(entries), entries, honest);
          const logVkey = logKeyOf(f.policyText);
          const monitor = startMonitor([operator.url, '--log-key', logVkey, '--interval', '50']);
          await waitFor(() => (monitor.output().out.includes('checkpoint size 6') ? true : undefined), 10_000);
          operator.serve(tree, rewritten, forged);
          const { code, err } = await monitor.exited;
          expect(code).to.equal(1);
          expect(err).to.include('log rewritten');
          expect(err).to.include('size 7');
          expect(err).to.include(`size 6 seen before (root ${toBase64(old.rootHash)})`);
        } finally {
          await operator.close();
        }
      });
    });

    describe('(b) split view: two checkpoints of the same size', () => {
      it('is refused by the witness (409, then 422) and reported by the monitor', async () => {
        for (let i = 0; i < 4; i++) await notarise(f, `s ${i}`);
        const { entries, sign, published } = await operatorView(4);
        const other = [...entries.slice(0, 3), hashOf('the other view')];
        const forged = sign(treeOf(other));
        // Shown as a fresh log to the witness: it names the size it cosigned (409)…
        const fresh = await present(f.witnesses[0], 'the first witness').add(`old 0\n\n${forged}`);
        expect(fresh.status).to.equal(409);
        expect(fresh.text).to.equal('4\n');
        // …and from that size, the other root is no extension of what it cosigned (422).
        const again = await present(f.witnesses[0], 'the first witness').add(`old 4\n\n${forged}`);
        expect(again.status).to.equal(422);
        const monitor = new LogMonitor({
          url: f.gw.url,
          policy: parsePolicy(f.policyText.replace(/^group.*\n|^quorum.*\n/gm, '') + 'quorum none\n', { ed25519: nodeEd25519 }),
        });
        await monitor.check(published.note);
        const alarm = await monitor.check(forged).then(
          () => undefined,
          (e: unknown) => e as { code: string; message: string },
        );
        expect(alarm?.code).to.equal('TLOG_SPLIT_VIEW');
        expect(alarm?.message).to.include('size 4');

        // `npm run monitor` shown the other view by the operator, and the witness's view: exit 1.
        const operator = await operatorServer();
        try {
          operator.serve(treeOf(other), other, forged);
          const logVkey = logKeyOf(f.policyText);
          const result = await runMonitor([
            operator.url,
            '--log-key',
            logVkey,
            '--witness',
            present(f.witnesses[1], 'the second witness').url,
            '--interval',
            '50',
          ]);
          expect(result.code).to.equal(1);
          expect(result.err).to.include('ALARM TLOG_SPLIT_VIEW: split view: two checkpoints of size 4');
        } finally {
          await operator.close();
        }
      });
    });

    describe('(c) a byte changed in a tile', () => {
      it('is refused with TLOG_TILE_INVALID naming the tile', async () => {
        for (let i = 0; i < 5; i++) await notarise(f, `t ${i}`);
        const { entries, published } = await operatorView(5);
        const operator = await operatorServer();
        try {
          const tree = treeOf(entries);
          const broken: ServedTree = {
            size: tree.size,
            node: (l: number, i: number) => {
              const h = Uint8Array.from(tree.node(l, i));
              if (l === 0 && i === 3) flipBits(h, 17, 0x01);
              return h;
            },
          };
          operator.serve(broken, entries, published.note);
          const alarm = await new LogMonitor({ url: operator.url, policy: f.policy }).poll().then(
            () => undefined,
            (e: unknown) => e as { code: string; message: string },
          );
          expect(alarm?.code).to.equal('TLOG_TILE_INVALID');
          expect(alarm?.message).to.include('tile/0/000.p/5');
          // And a byte changed in an entry bundle.
          const changed = entries.map((e, i) => (i === 1 ? Uint8Array.from(e, (b, k) => (k === 0 ? b ^ 1 : b)) : e));
          operator.serve(tree, changed, published.note);
          const alarm2 = await new LogMonitor({ url: operator.url, policy: f.policy }).poll().then(
            () => undefined,
            (e: unknown) => e as { code: string },
          );
          expect(alarm2?.code).to.equal('TLOG_TILE_INVALID');
        } finally {
          await operator.close();
        }
      });
    });
  });
});
