import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { bidCommitment, OpenBidsRequest, schemaErrors } from '@tender-ledger/domain';
import { commitBid, sha256File, InvalidBidError } from '@tender-ledger/client-sdk';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/temp.js';

const CLI = path.resolve(__dirname, '../../../client-sdk/dist/cli.js');

function tender(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('client SDK', () => {
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
    it('computes the chaincode\'s commitment locally with a fresh 256-bit salt', () => {
      const input = { projectId: 'P1', bidderId: 'B1', bidFileSha256: 'a'.repeat(64), price: 12_345_600 };
      const one = commitBid(input);
      const two = commitBid(input);
      expect(one.reveal.salt).to.match(/^[0-9a-f]{64}$/);
      expect(one.reveal.salt).to.not.equal(two.reveal.salt);
      expect(one.commitment).to.equal(bidCommitment({ projectId: 'P1', ...one.reveal }));
      expect(commitBid({ ...input, salt: one.reveal.salt }).commitment).to.equal(one.commitment);
    });

    it('returns a reveal that is exactly the opening\'s Reveal: no projectId, nothing else', () => {
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
          expect(error).to.be.instanceOf(InvalidBidError);
          return error as InvalidBidError;
        }
        throw new Error(`expected ${JSON.stringify(bad)} to be refused`);
      };
      expect(refused({ salt: 'ab'.repeat(15) }).fields.map((f) => f.field)).to.deep.equal(['/salt']);
      expect(refused({ salt: 'AB'.repeat(16) }).fields.map((f) => f.field)).to.deep.equal(['/salt']);
      expect(refused({ salt: 'zz'.repeat(16) }).code).to.equal('INVALID_ARGUMENT');
      expect(refused({ bidFileSha256: 'A'.repeat(64) }).fields.map((f) => f.field)).to.deep.equal(['/bidFileSha256']);
      expect(refused({ bidFileSha256: 'a'.repeat(63) }).fields.map((f) => f.field)).to.deep.equal(['/bidFileSha256']);
      expect(refused({ price: 1.5 }).fields.map((f) => f.field)).to.deep.equal(['/price']);
      expect(refused({ price: -1, salt: 'x' }).fields.map((f) => f.field).sort()).to.deep.equal(['/price', '/salt']);
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
      expect(env.TENDER_TOKEN).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const res = await fetch(`${t.url}/v1/records/none`, { headers: { authorization: `Bearer ${env.TENDER_TOKEN}` } });
      expect(res.status).to.equal(404);
    });

    it('notarises files, finds them again, says plainly when a file was never recorded, and verifies receipts', async () => {
      const a = path.join(files.dir, '招标公告.pdf');
      const b = path.join(files.dir, 'clarification.txt');
      writeFileSync(a, 'tender announcement');
      writeFileSync(b, 'clarification no. 1');
      const notarised = await tender(['notarise', a, b, '--kind', 'announcement', '--json', '--progress'], env);
      expect(notarised.code, notarised.stderr).to.equal(0);
      const lines = notarised.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; sha256: string; receipt: string });
      expect(lines.map((l) => l.file)).to.deep.equal([a, b]);
      expect(lines[0]?.sha256).to.equal(createHash('sha256').update('tender announcement').digest('hex'));
      expect(notarised.stderr).to.include('hashing');

      const found = await tender(['verify', a], env);
      expect(found.code).to.equal(0);
      expect(found.stdout).to.match(/recorded 1 time\(s\):\n.*DocumentNotarised\s+block \d+/);

      const stranger = path.join(files.dir, 'never.txt');
      writeFileSync(stranger, 'never notarised');
      const missing = await tender(['verify', stranger], env);
      expect(missing.code).to.equal(1);
      expect(missing.stdout).to.include('NOT FOUND');

      const receipt = lines[0]!.receipt;
      const good = await tender(['receipt', 'verify', receipt, '--online'], env);
      expect(good.code, good.stderr).to.equal(0);
      expect(good.stdout).to.include('signature valid').and.include('on the ledger: yes');
      const [h, p, s] = receipt.split('.') as [string, string, string];
      const altered = `${h}.${p}.${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`;
      const bad = await tender(['receipt', 'verify', altered], env);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.include('RECEIPT_BAD_SIGNATURE');
    });

    it('prints a project\'s trail with its chain check', async () => {
      const client = await t.client('platform', 'cli-platform');
      const bidDeadline = t.clock.iso(86_400_000);
      await client.registerProject({
        projectId: 'CLI-1', name: 'n', category: 'c', estimatedPrice: 1000, depositAmount: 20, bidDeadline, openingTime: bidDeadline,
        tenderDocSha256: 'b'.repeat(64),
      });
      await client.notarise({ sha256: 'c'.repeat(64), kind: 'clarification', projectId: 'CLI-1' });
      const trail = await tender(['trail', 'CLI-1'], env);
      expect(trail.code, trail.stderr).to.equal(0);
      expect(trail.stdout).to.match(/ {3}1 .*ProjectRegistered/).and.match(/ {3}2 .*DocumentNotarised/).and.include('hash chain intact');
      const unknown = await tender(['trail', 'NOPE'], env);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.include('PROJECT_NOT_FOUND');
    });
  });
});
