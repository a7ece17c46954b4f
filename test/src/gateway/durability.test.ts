import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { Level } from 'level';
import { mintDevToken, TenderLedgerClient, verifyReceipt } from '@tender-ledger/client-sdk';
import { schemaErrors, WritePendingSchema, type LedgerRecord, type RecordView } from '@tender-ledger/domain';
import {
  EmbeddedBackend,
  loadConfig,
  OutcomeUnknownError,
  startGateway,
  type Committed,
  type LedgerBackend,
  type Reader,
  type RunningGateway,
  type SubmitOptions,
} from '@tender-ledger/gateway';
import { tempDir } from '../helpers/temp.js';
import { freePort } from '../helpers/ports.js';

const REPO = path.resolve(__dirname, '../../..');
/** The gateway under test; point it at another build (e.g. main's) to compare. */
const GATEWAY_MAIN = process.env.TENDER_CRASH_GATEWAY ?? path.join(REPO, 'gateway/dist/main.js');
const KILLS = Number(process.env.TENDER_CRASH_KILLS ?? 3);
const TERMS = Number(process.env.TENDER_CRASH_TERMS ?? 3);
const WORKERS = 16;
const PROJECTS = ['CRASH-P1', 'CRASH-P2', 'CRASH-P3'];

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => {
      resolve(true);
    });
  });
}

/** The gateway as its own process, as `npm start` runs it. */
class GatewayProcess {
  readonly #env: NodeJS.ProcessEnv;
  #child: ChildProcess | undefined;
  #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: 0, signal: null });
  stderr = '';

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [GATEWAY_MAIN], { env: { ...process.env, ...this.#env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
      }),
    );
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('listening on')) resolve();
      });
      void this.#exited.then(({ code, signal }) => {
        reject(new Error(`gateway exited (${code ?? signal ?? 'no status'}) before listening: ${this.stderr}`));
      });
    });
  }

  /** Sends a signal and waits for the process to end. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.#child?.kill(signal);
    return this.#exited;
  }
}

interface Acknowledged {
  key: string;
  sha256: string;
  projectId?: string;
  recordId: string;
}

/**
 * The embedded backend, except that the next submission can lose its outcome the way a Fabric
 * commit status can: after landing (`landsUnheard`), or sent and never landing (`lost`); or be slow.
 */
type Caller = Parameters<LedgerBackend['submit']>[0];

class FaultyBackend implements LedgerBackend {
  readonly kind = 'embedded';
  next: 'normal' | 'landsUnheard' | 'lost' = 'normal';
  delayMs = 0;
  submissions = 0;

  constructor(readonly inner: EmbeddedBackend) {}

  async submit(caller: Caller, fn: string, args: string[], projectId?: string, options: SubmitOptions = {}): Promise<Committed> {
    this.submissions++;
    const fault = options.resume ? 'normal' : this.next;
    this.next = 'normal';
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (fault === 'lost') {
      const intent = { txId: createHash('sha256').update(`lost ${this.submissions} ${Math.random()}`).digest('hex') };
      await options.beforeSend?.(intent);
      throw new OutcomeUnknownError(intent, 'sent; the commit status never came');
    }
    const committed = await this.inner.submit(caller, fn, args, projectId, options);
    if (fault === 'landsUnheard') throw new OutcomeUnknownError({ txId: committed.txId }, 'committed; the commit status never came');
    return committed;
  }

  submitAsOwner(owner: Parameters<LedgerBackend['submitAsOwner']>[0], fn: string, args: string[]): Promise<Committed> {
    return this.inner.submitAsOwner(owner, fn, args);
  }
  evaluate(reader: Reader, fn: string, args: string[]): Promise<string> {
    return this.inner.evaluate(reader, fn, args);
  }
  transaction(txId: string): Promise<{ blockNumber: number; blockHash: string } | undefined> {
    return this.inner.transaction(txId);
  }
  health(): Promise<{ height?: number }> {
    return this.inner.health();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('gateway durability', () => {
  describe('a write whose outcome is not known', () => {
    let temp: ReturnType<typeof tempDir>;
    let backend: FaultyBackend;
    let gateway: RunningGateway;
    let token: string;

    beforeEach(async () => {
      temp = tempDir('tender-unknown-');
      const config = loadConfig({ DATA_DIR: temp.dir, PORT: '0' });
      backend = new FaultyBackend(
        await EmbeddedBackend.open(temp.dir, { platform: config.platformMspId, regulator: config.regulatorMspId }),
      );
      gateway = await startGateway(config, { backend, writeWaitMs: 300 });
      token = await mintDevToken(temp.dir, { role: 'platform', sub: 'gz-etrading' });
    });

    afterEach(async () => {
      await gateway.close();
      temp.remove();
    });

    const notarise = (key: string, text: string) =>
      fetch(`${gateway.url}/v1/evidence`, {
        method: 'POST',
        body: JSON.stringify({ sha256: sha(text), kind: 'minutes' }),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      });
    const recordsOf = async (text: string) =>
      ((await (await fetch(`${gateway.url}/v1/verify/${sha(text)}`)).json()) as { records: RecordView[] }).records;

    it('answers 202 with the transaction and where its record will be; the retry finds the record that landed', async () => {
      backend.next = 'landsUnheard';
      const first = await notarise('unheard-1', 'unheard document');
      expect(first.status).to.equal(202);
      const pending = (await first.json()) as { status: string; txId: string; record: string };
      expect(pending.status).to.equal('pending');
      expect(schemaErrors(WritePendingSchema, pending), 'the documented 202 body').to.deep.equal([]);
      expect(first.headers.get('location')).to.equal(`/v1/records/${pending.txId}`);
      expect((await fetch(`${gateway.url}${pending.record}`)).status).to.equal(200);
      const submissions = backend.submissions;
      const retry = await notarise('unheard-1', 'unheard document');
      expect(retry.status).to.equal(201);
      expect(((await retry.json()) as { record: LedgerRecord }).record.recordId).to.equal(pending.txId);
      expect(backend.submissions, 'nothing sent again').to.equal(submissions);
      expect(await recordsOf('unheard document')).to.have.length(1);
    });

    it('resumes the same transaction, never a new one, when the one sent is not on the ledger', async () => {
      backend.next = 'lost';
      const first = await notarise('lost-1', 'lost document');
      expect(first.status).to.equal(202);
      const { txId } = (await first.json()) as { txId: string };
      expect(await recordsOf('lost document')).to.have.length(0);
      expect((await notarise('lost-1', 'another document')).status, 'the same key with another body').to.equal(422);
      const retry = await notarise('lost-1', 'lost document');
      expect(retry.status).to.equal(201);
      expect(((await retry.json()) as { record: LedgerRecord }).record.recordId, 'the same transaction id').to.equal(txId);
      expect(await recordsOf('lost document')).to.have.length(1);
      const again = await notarise('lost-1', 'lost document');
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
    });

    it('answers 202 while a write is slower than the wait, and keeps IDEMPOTENCY_KEY_REUSED for another body', async () => {
      backend.delayMs = 1_000;
      const firstAnswer = notarise('slow-1', 'slow document');
      // The other body once the first write is under way (it then holds the key), not after a guessed pause.
      while (backend.submissions < 1) await sleep(5);
      const [first, reused] = await Promise.all([firstAnswer, notarise('slow-1', 'another document')]);
      expect(first.status).to.equal(202);
      expect(reused.status).to.equal(422);
      expect(((await reused.json()) as { code: string }).code).to.equal('IDEMPOTENCY_KEY_REUSED');
      backend.delayMs = 0;
      // Asked again until the slow write has finished, however long this machine takes: its answer, once.
      let retry = await notarise('slow-1', 'slow document');
      while (retry.status === 202) {
        await sleep(100);
        retry = await notarise('slow-1', 'slow document');
      }
      expect(retry.status).to.equal(201);
      expect(await recordsOf('slow document')).to.have.length(1);
    });

    it('is waited out by the SDK, which asks again with the same key', async () => {
      backend.next = 'lost';
      const client = new TenderLedgerClient({ baseUrl: gateway.url, token });
      const { record } = await client.notarise({ sha256: sha('sdk document'), kind: 'minutes' });
      expect((await recordsOf('sdk document')).map((r) => r.recordId)).to.deep.equal([record.recordId]);
    });

    it('refuses to replay from a damaged kept answer (500, no receipt) rather than send a receipt that does not verify', async () => {
      expect((await notarise('kept-1', 'kept document')).status).to.equal(201);
      await gateway.close();
      const store = new Level<string, string>(path.join(temp.dir, 'gateway', 'idempotency'), { valueEncoding: 'utf8' });
      await store.open();
      try {
        for await (const [id, value] of store.iterator()) {
          const entry = JSON.parse(value) as { kept: { receipt: { signature: string } } };
          entry.kept.receipt.signature = 'not a signature';
          await store.put(id, JSON.stringify(entry));
        }
      } finally {
        await store.close();
      }
      gateway = await startGateway(loadConfig({ DATA_DIR: temp.dir, PORT: '0' }));
      const replay = await notarise('kept-1', 'kept document');
      expect(replay.status).to.equal(500);
      const problem = (await replay.json()) as { code: string; receipt?: unknown };
      expect(problem.code).to.equal('INTERNAL');
      expect(problem).to.not.have.property('receipt');
      expect(await recordsOf('kept document'), 'nothing recorded again').to.have.length(1);
    });

    it('is finished before close() closes the stores: every write under way is answered', async () => {
      // A wait far longer than any write, so each answer is the write's own (201), not a 202
      // because the machine is slow: this test is about draining, not about the wait.
      await gateway.close();
      const config = loadConfig({ DATA_DIR: temp.dir, PORT: '0' });
      backend = new FaultyBackend(
        await EmbeddedBackend.open(temp.dir, { platform: config.platformMspId, regulator: config.regulatorMspId }),
      );
      gateway = await startGateway(config, { backend, writeWaitMs: 120_000 });
      backend.delayMs = 200;
      const writes = Array.from({ length: 8 }, (_, i) => notarise(`drain-${i}`, `drain document ${i}`));
      while (backend.submissions < 8) await sleep(5); // every write under way
      const closing = gateway.close();
      const answers = await Promise.all(writes);
      await closing;
      expect(answers.map((a) => a.status)).to.deep.equal(Array(8).fill(201));
      const firstAnswers = await Promise.all(answers.map(async (a) => (await a.json()) as { record: LedgerRecord; receipt: string }));
      // What the store kept of each answer: its transaction and its receipt's signature, not the
      // record again (which the ledger holds), and no more than a few hundred bytes.
      const store = new Level<string, string>(path.join(temp.dir, 'gateway', 'idempotency'), { valueEncoding: 'utf8' });
      await store.open();
      try {
        const entries = new Map<string, string>();
        for await (const [id, value] of store.iterator()) entries.set(id.slice(id.lastIndexOf('\u0000') + 1), value);
        for (let i = 0; i < 8; i++) {
          const kept = entries.get(`drain-${i}`);
          expect(kept, `the entry of drain-${i}`).to.be.a('string');
          expect(kept).to.not.include((firstAnswers[i] as { record: LedgerRecord }).record.hash);
          expect(kept?.length).to.be.below(600);
        }
      } finally {
        await store.close();
      }
      // Reopen the same data: the records are there, and every key replays its first answer, the
      // same record and the very same receipt.
      gateway = await startGateway(loadConfig({ DATA_DIR: temp.dir, PORT: '0' }));
      for (let i = 0; i < 8; i++) {
        const replay = await notarise(`drain-${i}`, `drain document ${i}`);
        expect(replay.headers.get('idempotent-replayed')).to.equal('true');
        expect(await replay.json()).to.deep.equal(firstAnswers[i]);
        expect(await recordsOf(`drain document ${i}`)).to.have.length(1);
      }
      // Under another issuer name the kept signature no longer fits the claims: a receipt signed anew, never a broken one.
      await gateway.close();
      gateway = await startGateway(loadConfig({ DATA_DIR: temp.dir, PORT: '0', RECEIPT_ISSUER: 'urn:tender-ledger:renamed' }));
      const renamed = (await (await notarise('drain-0', 'drain document 0')).json()) as { record: LedgerRecord; receipt: string };
      expect(renamed.record).to.deep.equal(firstAnswers[0]?.record);
      expect(renamed.receipt).to.not.equal(firstAnswers[0]?.receipt);
      const jwks = (await (await fetch(`${gateway.url}/.well-known/jwks.json`)).json()) as Parameters<typeof verifyReceipt>[1];
      const { claims } = await verifyReceipt(renamed.receipt, jwks);
      expect(claims).to.include({ iss: 'urn:tender-ledger:renamed', recordId: renamed.record.recordId });
    });
  });

  describe(`POST /v1/evidence under load, ${KILLS} kill -9 and ${TERMS} SIGTERM restarts`, () => {
    it('answers every request re-sent with its key exactly once: no duplicate record, no acknowledged record missing', async function () {
      this.timeout(120_000 + (KILLS + TERMS) * 20_000);
      const temp = tempDir('tender-crash-');
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const gateway = new GatewayProcess({
        DATA_DIR: temp.dir,
        PORT: String(port),
        HOST: '127.0.0.1',
        RATE_LIMIT_PER_MINUTE: '100000000',
        WRITE_WAIT_MS: '2000',
        CORE_CHAINCODE_LOGGING_LEVEL: 'critical',
      });
      const counts = {
        sent: 0,
        resent: 0,
        recovered: 0,
        pending: 0,
        refused: 0,
        internal: 0,
        wrong: [] as string[],
        termExits: [] as string[],
      };
      try {
        await gateway.start();
        const token = await mintDevToken(temp.dir, { role: 'platform', sub: 'crash-platform' });
        const headers = (key: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key });

        /** Sends one request, and the same again with its key after every failure, until answered. */
        const untilAnswered = async (
          route: string,
          key: string,
          body: object,
        ): Promise<{ status: number; json: unknown; replayed: boolean }> => {
          const payload = JSON.stringify(body);
          for (let attempt = 0; ; attempt++) {
            if (attempt === 0) counts.sent++;
            else counts.resent++;
            let response: Response;
            try {
              response = await fetch(`${base}${route}`, {
                method: 'POST',
                headers: headers(key),
                body: payload,
                signal: AbortSignal.timeout(30_000),
              });
            } catch {
              await sleep(20 + Math.random() * 60); // the gateway is down or restarting
              continue;
            }
            const text = await response.text();
            if (response.status === 202) counts.pending++;
            else if (response.status === 503) counts.refused++;
            else if (response.status >= 500) counts.internal++;
            else {
              const replayed = response.headers.get('idempotent-replayed') === 'true';
              if (replayed && attempt > 0) counts.recovered++;
              return { status: response.status, json: JSON.parse(text) as unknown, replayed };
            }
            await sleep(20 + Math.random() * 60);
          }
        };

        const deadline = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString();
        for (const projectId of PROJECTS) {
          const registered = await untilAnswered('/v1/projects', `register-${projectId}`, {
            projectId,
            name: `crash test ${projectId}`,
            category: 'works',
            estimatedPrice: 10_000_000,
            depositAmount: 100_000,
            bidDeadline: deadline(5),
            openingTime: deadline(6),
            tenderDocSha256: sha(`tender doc ${projectId}`),
          });
          expect(registered.status).to.equal(201);
        }

        // Workers: each sends one new document at a time, standalone or in a project, until told to stop.
        const acknowledged: Acknowledged[] = [];
        let stopping = false;
        const worker = async (w: number) => {
          for (let i = 0; !stopping; i++) {
            const key = `doc-${w}-${i}`;
            const projectId = i % 3 === 0 ? PROJECTS[(w + i) % PROJECTS.length] : undefined;
            const sha256 = sha(`crash document ${w} ${i}`);
            const answer = await untilAnswered('/v1/evidence', key, { sha256, kind: 'minutes', ...(projectId ? { projectId } : {}) });
            if (answer.status !== 201) {
              counts.wrong.push(`${key}: ${answer.status} ${JSON.stringify(answer.json)}`);
              continue;
            }
            acknowledged.push({
              key,
              sha256,
              ...(projectId ? { projectId } : {}),
              recordId: (answer.json as { record: LedgerRecord }).record.recordId,
            });
          }
        };
        const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

        // Restarts, alternating kill -9 and SIGTERM, each once every worker has had time to get answers.
        const plan = [
          ...Array.from({ length: Math.max(KILLS, TERMS) }, (_, n) => [
            n < KILLS ? 'SIGKILL' : undefined,
            n < TERMS ? 'SIGTERM' : undefined,
          ]),
        ]
          .flat()
          .filter((s): s is 'SIGKILL' | 'SIGTERM' => s !== undefined);
        for (const signal of plan) {
          const before = acknowledged.length;
          while (acknowledged.length < before + WORKERS) await sleep(10);
          await sleep(Math.random() * 150); // a different instant in the group-commit cycle each time
          const exit = await gateway.stop(signal);
          if (signal === 'SIGTERM') counts.termExits.push(`${exit.code ?? exit.signal ?? 'no status'}`);
          await gateway.start();
        }
        const before = acknowledged.length;
        while (acknowledged.length < before + WORKERS) await sleep(10);
        stopping = true;
        await Promise.all(workers);

        // The ledger's view: every document hash has exactly the one record acknowledged for it.
        let duplicates = 0;
        let missing = 0;
        for (const ack of acknowledged) {
          const found = (await (await fetch(`${base}/v1/verify/${ack.sha256}`)).json()) as { records: RecordView[] };
          duplicates += Math.max(0, found.records.length - 1);
          if (!found.records.some((r) => r.recordId === ack.recordId)) missing++;
        }
        // And each project's trail: one record per acknowledged document, its hash chain whole.
        let trailExtra = 0;
        for (const projectId of PROJECTS) {
          const trail = (await (
            await fetch(`${base}/v1/projects/${projectId}/trail`, { headers: { authorization: `Bearer ${token}` } })
          ).json()) as { chainValid: boolean; records: LedgerRecord[] };
          expect(trail.chainValid, `${projectId} chain`).to.equal(true);
          const documents = trail.records.filter((r) => r.step === 'DocumentNotarised');
          trailExtra += documents.length - acknowledged.filter((a) => a.projectId === projectId).length;
        }
        const recoveredUnderLoad = counts.recovered;
        // A request sent once more after all this still gets its first answer.
        let changedAnswers = 0;
        for (const ack of acknowledged) {
          const again = await untilAnswered('/v1/evidence', ack.key, {
            sha256: ack.sha256,
            kind: 'minutes',
            ...(ack.projectId ? { projectId: ack.projectId } : {}),
          });
          if ((again.json as { record?: LedgerRecord }).record?.recordId !== ack.recordId) changedAnswers++;
        }
        const databaseClosed = gateway.stderr.split('Database is not open').length - 1;
        console.log(
          `      ${KILLS} kill -9 + ${TERMS} SIGTERM restarts: ${acknowledged.length} documents acknowledged (${counts.sent} requests, ${counts.resent} re-sent, ${recoveredUnderLoad} re-sent ones answered as a replay, ` +
            `${counts.pending} answered 202, ${counts.refused} answered 503, ${counts.internal} answered 500); duplicates ${duplicates}, ` +
            `acknowledged missing ${missing}, extra trail records ${trailExtra}, changed answers on replay ${changedAnswers}, wrong answers ${counts.wrong.length}, ` +
            `"Database is not open" ${databaseClosed}; SIGTERM exits ${counts.termExits.join(',')}`,
        );
        expect(counts.wrong, 'answers other than 201').to.deep.equal([]);
        expect({ duplicates, missing, trailExtra, changedAnswers, internal: counts.internal, databaseClosed }).to.deep.equal({
          duplicates: 0,
          missing: 0,
          trailExtra: 0,
          changedAnswers: 0,
          internal: 0,
          databaseClosed: 0,
        });
        expect(
          counts.termExits.every((code) => code === '0'),
          'SIGTERM exits cleanly',
        ).to.equal(true);
        expect(acknowledged.length).to.be.greaterThan(0);
      } finally {
        await gateway.stop('SIGKILL');
        temp.remove();
      }
    });
  });

  describe('npm start', () => {
    it('passes SIGTERM to the gateway: it drains and exits, no process is left and the port is free', async function () {
      this.timeout(120_000);
      const temp = tempDir('tender-npm-start-');
      const port = await freePort();
      // Its own process group, so that whatever npm starts can be found (and cleaned up) afterwards.
      const npm = spawn('npm', ['start'], {
        cwd: REPO,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, DATA_DIR: temp.dir, PORT: String(port), HOST: '127.0.0.1', CORE_CHAINCODE_LOGGING_LEVEL: 'critical' },
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        npm.once('exit', (code, signal) => {
          resolve({ code, signal });
        }),
      );
      // The gateway holds the pipe too: its end means the gateway's last words have arrived.
      const outputEnded = new Promise<void>((resolve) =>
        npm.stdout?.once('close', () => {
          resolve();
        }),
      );
      let out = '';
      npm.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      try {
        await new Promise<void>((resolve, reject) => {
          npm.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
            out += chunk;
            if (out.includes('listening on')) resolve();
          });
          void exited.then(({ code, signal }) => {
            reject(new Error(`npm start exited (${code ?? signal ?? 'no status'}) before listening: ${out}`));
          });
        });
        expect(await portIsFree(port)).to.equal(false);
        npm.kill('SIGTERM');
        const exit = await Promise.race([exited, sleep(30_000).then(() => undefined)]);
        expect(exit, 'npm start ended within 30 s').to.not.equal(undefined);
        // Nothing of the group is left (the gateway once outlived npm, keeping the port and the ledger lock).
        // npm may end before the gateway has finished draining: give the drain its time.
        const groupAlive = () => {
          try {
            process.kill(-(npm.pid as number), 0);
            return true;
          } catch {
            return false;
          }
        };
        for (const started = Date.now(); groupAlive() && Date.now() - started < 20_000;) await sleep(50);
        expect(groupAlive(), 'a process of npm start is still running').to.equal(false);
        expect(await portIsFree(port), 'the port is free').to.equal(true);
        await Promise.race([outputEnded, sleep(5_000)]);
        expect(out, out).to.include('closed: every write under way finished');
      } finally {
        try {
          process.kill(-(npm.pid as number), 'SIGKILL');
        } catch {
          /* already gone */
        }
        temp.remove();
      }
    });
  });
});
