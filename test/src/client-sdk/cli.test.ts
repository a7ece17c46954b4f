import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { bidCommitment, OpenBidsRequest, schemaErrors } from '@tender-ledger/domain';
import {
  batchInclusion,
  commitBid,
  sha256File,
  verifyBatchInclusion,
  InvalidBidError,
  InvalidResponseError,
  ServerError,
  TenderLedgerClient,
  ValidationError,
} from '@tender-ledger/client-sdk';
import { instanceOf, present } from '../helpers/assert.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/temp.js';

const CLI = path.resolve(__dirname, '../../../client-sdk/dist/bundle/cli.cjs');

function tender(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A real HTTP server that answers each `METHOD /path` as told: a gateway that is not one. */
async function answering(
  answers: Record<string, { status: number; body: string; type?: string }>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const answer = answers[`${req.method ?? ''} ${req.url ?? ''}`] ?? {
      status: 404,
      body: '{"code":"NOT_FOUND","detail":"no such answer"}',
      type: 'application/problem+json',
    };
    res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** What a call threw (it must throw). */
async function thrown(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

describe('client SDK', () => {
  describe('TenderLedgerClient', () => {
    describe('when the gateway answers 2xx with a body that is not the documented one', () => {
      const RECORD = 'a'.repeat(64);
      let server: Awaited<ReturnType<typeof answering>>;
      let client: TenderLedgerClient;
      before(async () => {
        server = await answering({
          'GET /v1/projects/P1/trail': {
            status: 200,
            body: JSON.stringify({ projectId: 'P1', complete: true, records: 'none', chainValid: true }),
          },
          'GET /healthz': { status: 200, body: '<html>a captive portal</html>', type: 'text/html' },
          'POST /v1/evidence': { status: 201, body: JSON.stringify({ record: { recordId: 'tx1', hash: RECORD }, receipt: 'a.b.c' }) },
          'GET /.well-known/jwks.json': { status: 200, body: JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'k1' }] }) },
          [`GET /v1/verify/${RECORD}`]: {
            status: 200,
            body: JSON.stringify({ sha256: RECORD, records: [{ recordId: 'tx1', step: 'DocumentNotarised' }] }),
          },
          'GET /v1/projects/P2': { status: 400, body: '{"code": 7}', type: 'application/problem+json' },
          'GET /v1/projects/P3': { status: 503, body: 'Service Unavailable', type: 'text/plain' },
        });
        client = new TenderLedgerClient({ baseUrl: server.url, token: 'not-checked-here', retries: 0 });
      });
      after(() => server.close());

      it('throws InvalidResponseError (INVALID_RESPONSE) naming the field, for a read, a write, the keys and a lookup', async () => {
        const cases: [Promise<unknown>, number, string][] = [
          [client.getTrail('P1'), 200, '/records'],
          [client.notarise({ sha256: RECORD, kind: 'minutes' }), 201, '/record'],
          [client.jwks(), 200, '/keys/0/kty'],
          [client.verifyHash(RECORD), 200, '/records/0'],
        ];
        for (const [call, status, field] of cases) {
          const error = instanceOf(await thrown(call), InvalidResponseError, field);
          expect(error.code).to.equal('INVALID_RESPONSE');
          expect(error.status).to.equal(status);
          expect(
            error.fields.map((f) => f.field),
            field,
          ).to.include(field);
        }
      });

      it('throws InvalidResponseError for a body that is not JSON at all', async () => {
        const error = instanceOf(await thrown(client.health()), InvalidResponseError);
        expect(error.fields).to.deep.equal([{ field: '/', message: 'not JSON' }]);
        expect(error.message).to.include('GET /healthz answered 200').and.include('not JSON');
      });

      it('takes no code from an error body that is not a problem document: the status says what failed', async () => {
        const bad = instanceOf(await thrown(client.getProject('P2')), ValidationError);
        expect(bad.code).to.equal('UNKNOWN');
        const down = instanceOf(await thrown(client.getProject('P3')), ServerError);
        expect(down.code).to.equal('INTERNAL');
        expect(down.problem.detail).to.equal('Service Unavailable');
      });
    });
  });

  describe('sha256File', () => {
    it('streams a large file in chunks and matches a one-shot hash', async () => {
      const temp = tempDir();
      try {
        const file = path.join(temp.dir, 'big.bin');
        const content = randomBytes(24 * 1024 * 1024);
        writeFileSync(file, content);
        const progress: number[] = [];
        const sha256 = await sha256File(file, (read) => progress.push(read));
        expect(sha256).to.equal(createHash('sha256').update(content).digest('hex'));
        expect(progress.length).to.be.greaterThan(10);
        expect(progress.at(-1)).to.equal(content.length);
      } finally {
        temp.remove();
      }
    });
  });

  describe('commitBid', () => {
    it("computes the chaincode's commitment locally with a fresh 256-bit salt", () => {
      const input = { projectId: 'P1', bidderId: 'B1', bidFileSha256: 'a'.repeat(64), price: 12_345_600 };
      const one = commitBid(input);
      const two = commitBid(input);
      expect(one.reveal.salt).to.match(/^[0-9a-f]{64}$/);
      expect(one.reveal.salt).to.not.equal(two.reveal.salt);
      expect(one.commitment).to.equal(bidCommitment({ projectId: 'P1', ...one.reveal }));
      expect(commitBid({ ...input, salt: one.reveal.salt }).commitment).to.equal(one.commitment);
    });

    it("returns a reveal that is exactly the opening's Reveal: no projectId, nothing else", () => {
      const { reveal } = commitBid({ projectId: 'P1', bidderId: 'B1', bidFileSha256: 'a'.repeat(64), price: 12_345_600 });
      expect(Object.keys(reveal).sort()).to.deep.equal(['bidFileSha256', 'bidderId', 'price', 'salt']);
      expect(schemaErrors(OpenBidsRequest, { reveals: [reveal] })).to.deep.equal([]);
    });

    it('throws InvalidBidError (INVALID_ARGUMENT) naming each bad field before committing: salt under 128 bits or not lower-case hex, bad hash, bad price', () => {
      const input = { projectId: 'P1', bidderId: 'B1', bidFileSha256: 'a'.repeat(64), price: 12_345_600 };
      const refused = (bad: Partial<typeof input> & { salt?: string }): InvalidBidError => {
        try {
          commitBid({ ...input, ...bad });
        } catch (error) {
          return instanceOf(error, InvalidBidError);
        }
        throw new Error(`expected ${JSON.stringify(bad)} to be refused`);
      };
      expect(refused({ salt: 'ab'.repeat(15) }).fields.map((f) => f.field)).to.deep.equal(['/salt']);
      expect(refused({ salt: 'AB'.repeat(16) }).fields.map((f) => f.field)).to.deep.equal(['/salt']);
      expect(refused({ salt: 'zz'.repeat(16) }).code).to.equal('INVALID_ARGUMENT');
      expect(refused({ bidFileSha256: 'A'.repeat(64) }).fields.map((f) => f.field)).to.deep.equal(['/bidFileSha256']);
      expect(refused({ bidFileSha256: 'a'.repeat(63) }).fields.map((f) => f.field)).to.deep.equal(['/bidFileSha256']);
      expect(refused({ price: 1.5 }).fields.map((f) => f.field)).to.deep.equal(['/price']);
      expect(
        refused({ price: -1, salt: 'x' })
          .fields.map((f) => f.field)
          .sort(),
      ).to.deep.equal(['/price', '/salt']);
      expect(commitBid({ ...input, salt: 'ab'.repeat(16) }).reveal.salt).to.equal('ab'.repeat(16));
    });
  });

  describe('the tender CLI', () => {
    let t: TestGateway;
    let env: Record<string, string>;
    let files: ReturnType<typeof tempDir>;
    beforeEach(async () => {
      t = await startTestGateway();
      files = tempDir();
      const token = (await tender(['token', '--role', 'platform', '--sub', 'cli-platform'], { DATA_DIR: t.dataDir })).stdout.trim();
      env = { TENDER_URL: t.url, TENDER_TOKEN: token, DATA_DIR: t.dataDir };
    });
    afterEach(async () => {
      await t.close();
      files.remove();
    });

    it('prints a development token the gateway accepts', async () => {
      const token = present(env.TENDER_TOKEN, 'TENDER_TOKEN');
      expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const res = await fetch(`${t.url}/v1/records/none`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).to.equal(404);
    });

    it('notarises files and directories, one line per file, finds them again, says plainly when a file was never recorded, and verifies receipts', async () => {
      const a = path.join(files.dir, '招标公告.pdf');
      const b = path.join(files.dir, 'clarification.txt');
      const dir = path.join(files.dir, 'annexes');
      mkdirSync(path.join(dir, 'deeper'), { recursive: true });
      writeFileSync(a, 'tender announcement');
      writeFileSync(b, 'clarification no. 1');
      writeFileSync(path.join(dir, 'annex-1.txt'), 'annex 1');
      writeFileSync(path.join(dir, 'deeper', 'annex-2.txt'), 'annex 2');
      const notarised = await tender(['notarise', a, b, dir, '--kind', 'announcement', '--json'], env);
      expect(notarised.code, notarised.stderr).to.equal(0);
      const lines = notarised.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { file: string; sha256: string; receipt: string });
      expect(lines.map((l) => l.file).sort()).to.deep.equal(
        [a, b, path.join(dir, 'annex-1.txt'), path.join(dir, 'deeper', 'annex-2.txt')].sort(),
      );
      expect(lines.find((l) => l.file === a)?.sha256).to.equal(createHash('sha256').update('tender announcement').digest('hex'));
      // Not a terminal: a progress line in files and bytes on stderr, not a bar.
      expect(notarised.stderr).to.match(/notarising: 4\/4 files, .*B\/.*B, 0 failed/);

      const found = await tender(['verify', a], env);
      expect(found.code).to.equal(0);
      expect(found.stdout).to.match(/recorded 1 time\(s\):\n.*DocumentNotarised\s+block \d+/);

      const stranger = path.join(files.dir, 'never.txt');
      writeFileSync(stranger, 'never notarised');
      const missing = await tender(['verify', a, stranger, b, '--json'], env);
      expect(missing.code).to.equal(1);
      const verdicts = missing.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { file: string; found: boolean });
      expect(verdicts.map((v) => [v.file, v.found]).sort()).to.deep.equal(
        [
          [a, true],
          [b, true],
          [stranger, false],
        ].sort(),
      );
      const human = await tender(['verify', stranger], env);
      expect(human.code).to.equal(1);
      expect(human.stdout).to.include('NOT FOUND');

      const { receipt } = present(lines[0], 'the first notarised file');
      const good = await tender(['receipt', 'verify', receipt, '--online'], env);
      expect(good.code, good.stderr).to.equal(0);
      expect(good.stdout).to.include('signature valid').and.include('on the ledger: yes');
      const [h, p, s] = receipt.split('.') as [string, string, string];
      const altered = `${h}.${p}.${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`;
      const bad = await tender(['receipt', 'verify', altered], env);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.include('RECEIPT_BAD_SIGNATURE');
    });

    it('notarise resumes after being killed midway: the rerun records each file exactly once', async () => {
      const dir = path.join(files.dir, 'batch');
      mkdirSync(dir);
      const names = Array.from({ length: 120 }, (_, i) => `doc-${String(i).padStart(3, '0')}.txt`);
      for (const name of names) writeFileSync(path.join(dir, name), `document ${name}`);
      // A second file with the same content shares the first one's record.
      writeFileSync(path.join(dir, 'copy-of-doc-000.txt'), 'document doc-000.txt');
      const child = spawn(process.execPath, [CLI, 'notarise', dir, '--kind', 'archive', '--json', '--concurrency', '2'], {
        env: { ...process.env, ...env },
      });
      await new Promise<void>((resolve) => {
        let seen = 0;
        child.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString().split('\n').length - 1;
          if (seen >= 10) child.kill('SIGKILL');
        });
        child.once('exit', () => {
          resolve();
        });
      });
      const rerun = await tender(['notarise', dir, '--kind', 'archive', '--json'], env);
      expect(rerun.code, rerun.stderr).to.equal(0);
      const lines = rerun.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { file: string; recordId: string });
      expect(lines).to.have.length(121);
      const byFile = new Map(lines.map((l) => [path.basename(l.file), l.recordId]));
      expect(byFile.get('copy-of-doc-000.txt')).to.equal(byFile.get('doc-000.txt'));

      const verified = await tender(['verify', dir, '--json'], env);
      expect(verified.code, verified.stderr).to.equal(0);
      for (const line of verified.stdout.trim().split('\n')) {
        const { file, records } = JSON.parse(line) as { file: string; records: { recordId: string; payload: { kind: string } }[] };
        expect(
          records.filter((r) => r.payload.kind === 'archive'),
          file,
        ).to.have.length(1);
        expect(records[0]?.recordId).to.equal(byFile.get(path.basename(file)));
      }
    });

    it('notarise --batch records many files as one batch record, each file a leaf with an offline-checkable place, and a rerun records nothing new', async () => {
      const dir = path.join(files.dir, 'many');
      mkdirSync(dir);
      for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, `scan-${String(i).padStart(2, '0')}.pdf`), `scan ${i}`);
      writeFileSync(path.join(dir, 'scan-00-copy.pdf'), 'scan 0');
      const batched = await tender(['notarise', dir, '--batch', '--kind', 'archive', '--json'], env);
      expect(batched.code, batched.stderr).to.equal(0);
      const lines = batched.stdout
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              file: string;
              sha256: string;
              recordId: string;
              batch: { index: number; size: number; merkleRoot: string };
              receipt: string;
            },
        );
      expect(lines).to.have.length(41);
      // One record for all: 40 distinct contents (the copy shares its original's leaf).
      expect(new Set(lines.map((l) => l.recordId)).size).to.equal(1);
      expect(lines.every((l) => l.batch.size === 40)).to.equal(true);
      const byName = new Map(lines.map((l) => [path.basename(l.file), l]));
      expect(present(byName.get('scan-00-copy.pdf'), 'scan-00-copy.pdf').batch.index).to.equal(
        present(byName.get('scan-00.pdf'), 'scan-00.pdf').batch.index,
      );
      // Each file's place checks offline against the batch record's Merkle root.
      const hashes: string[] = [];
      for (const l of lines) hashes[l.batch.index] = l.sha256;
      for (const l of lines)
        expect(verifyBatchInclusion(l.sha256, batchInclusion(hashes, l.sha256), l.batch.merkleRoot), l.file).to.equal(true);
      // The rerun sends the same batch under the same key: the same record, no second one.
      const { recordId } = present(lines[0], 'the first batched file');
      const rerun = await tender(['notarise', dir, '--batch', '--kind', 'archive', '--json'], env);
      expect(rerun.code, rerun.stderr).to.equal(0);
      expect(
        new Set(
          rerun.stdout
            .trim()
            .split('\n')
            .map((l) => (JSON.parse(l) as { recordId: string }).recordId),
        ),
      ).to.deep.equal(new Set([recordId]));
      const verified = await tender(['verify', dir, '--json'], env);
      expect(verified.code, verified.stderr).to.equal(0);
      for (const line of verified.stdout.trim().split('\n')) {
        const { file, records } = JSON.parse(line) as { file: string; records: { recordId: string }[] };
        expect(
          records.map((r) => r.recordId),
          file,
        ).to.deep.equal([recordId]);
      }
      const withProject = await tender(['notarise', dir, '--batch', '--project', 'P-1'], env);
      expect(withProject.code).to.equal(2);
      expect(withProject.stderr).to.include('names no project');
    });

    it('notarise after a rename finds the earlier record instead of failing or recording again', async () => {
      const first = path.join(files.dir, 'draft.txt');
      writeFileSync(first, 'the same content');
      const one = await tender(['notarise', first, '--json'], env);
      expect(one.code, one.stderr).to.equal(0);
      const renamed = path.join(files.dir, 'final.txt');
      writeFileSync(renamed, 'the same content');
      const two = await tender(['notarise', renamed, '--json'], env);
      expect(two.code, two.stderr).to.equal(0);
      const answer = (r: typeof one) => JSON.parse(r.stdout) as { recordId: string; alreadyRecorded?: boolean };
      expect(answer(two)).to.deep.include({ recordId: answer(one).recordId, alreadyRecorded: true });
      const found = await tender(['verify', renamed, '--json'], env);
      expect((JSON.parse(found.stdout) as { records: unknown[] }).records).to.have.length(1);
    });

    it("checks a receipt against a --jwks file, and refuses a file that is not the gateway's keys with exit code 2, naming what is wrong", async () => {
      const client = await t.client('platform', 'cli-platform');
      const { receipt } = await client.notarise({ sha256: createHash('sha256').update('jwks file test').digest('hex'), kind: 'minutes' });
      const good = path.join(files.dir, 'jwks.json');
      writeFileSync(good, JSON.stringify(await (await fetch(`${t.url}/.well-known/jwks.json`)).json()));
      const verified = await tender(['receipt', 'verify', receipt, '--jwks', good], env);
      expect(verified.code, verified.stderr).to.equal(0);
      expect(verified.stdout).to.include('signature valid');

      const notJson = path.join(files.dir, 'not-json.json');
      writeFileSync(notJson, '{"keys": [');
      const rsa = path.join(files.dir, 'rsa.json');
      writeFileSync(rsa, JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'k1', alg: 'RS256', use: 'sig' }] }));
      const bare = path.join(files.dir, 'bare.json');
      writeFileSync(bare, JSON.stringify([{ kty: 'EC' }]));
      for (const [file, says] of [
        [notJson, 'not a readable JSON file'],
        [rsa, '/keys/0/kty'],
        [bare, "not the gateway's receipt keys"],
        [path.join(files.dir, 'missing.json'), 'not a readable JSON file'],
      ] as const) {
        for (const args of [
          ['receipt', 'verify', receipt],
          ['bid', 'check', 'CLI-NONE', 'B1', receipt],
        ] as const) {
          const refused = await tender([...args, '--jwks', file], env);
          expect(refused.code, `${args[0]} ${file}: ${refused.stderr}`).to.equal(2);
          expect(refused.stderr)
            .to.match(/^INVALID_ARGUMENT: --jwks /)
            .and.include(says);
          expect(refused.stdout).to.equal('');
        }
      }
    });

    it('answers --help per command, bad usage with exit code 2', async () => {
      for (const command of ['notarise', 'verify', 'trail', 'token']) {
        const help = await tender([command, '--help'], env);
        expect(help.code, command).to.equal(0);
        expect(help.stdout).to.include(`Usage: tender ${command}`);
      }
      expect((await tender(['receipt', 'verify', '--help'], env)).stdout).to.include('--online');
      const unknown = await tender(['bogus'], env);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.include("unknown command 'bogus'");
      expect((await tender(['notarise'], env)).code).to.equal(2);
    });

    it("prints a project's trail with its chain check", async () => {
      const client = await t.client('platform', 'cli-platform');
      const bidDeadline = t.clock.iso(86_400_000);
      await client.registerProject({
        projectId: 'CLI-1',
        name: 'n',
        category: 'c',
        estimatedPrice: 1000,
        depositAmount: 20,
        bidDeadline,
        openingTime: bidDeadline,
        tenderDocSha256: 'b'.repeat(64),
      });
      await client.notarise({ sha256: 'c'.repeat(64), kind: 'clarification', projectId: 'CLI-1' });
      const trail = await tender(['trail', 'CLI-1'], { ...env, TZ: 'Asia/Shanghai' });
      expect(trail.code, trail.stderr).to.equal(0);
      expect(trail.stdout)
        .to.match(/ {3}1 .*ProjectRegistered/)
        .and.match(/ {3}2 .*DocumentNotarised/)
        .and.include('hash chain intact');
      // Times in the user's zone, the zone named.
      expect(trail.stdout).to.match(/ {3}1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \+08:00 \(Asia\/Shanghai\) +ProjectRegistered/);
      const unknown = await tender(['trail', 'NOPE'], env);
      expect(unknown.code).to.equal(1);
      // The code once, then the detail.
      expect(unknown.stderr).to.match(/^PROJECT_NOT_FOUND: (?!PROJECT_NOT_FOUND)/);
    });
  });
});
