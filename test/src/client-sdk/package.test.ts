import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { present } from '../helpers/assert.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const ESM = `
import { TenderLedgerClient, verifyReceipt, commitBid, sha256File } from '@tender-ledger/client-sdk';
import { writeFile } from 'node:fs/promises';
const client = new TenderLedgerClient({ baseUrl: process.env.TENDER_URL, token: process.env.TENDER_TOKEN });
await writeFile('esm.txt', 'notarised from an ES module');
const { record, receipt } = await client.notariseFile('esm.txt', { kind: 'announcement' });
const { claims } = await verifyReceipt(receipt, await client.jwks());
const { records } = await client.verifyHash(await sha256File('esm.txt'));
const { commitment } = commitBid({ projectId: 'P', bidderId: 'B', bidFileSha256: 'a'.repeat(64), price: 100 });
console.log(JSON.stringify({ recordId: record.recordId, claimed: claims.recordId, found: records.length, commitment }));
`;

const CJS = `
const { TenderLedgerClient, verifyReceipt, commitBid, InvalidBidError, NotFoundError } = require('@tender-ledger/client-sdk');
(async () => {
  const client = new TenderLedgerClient({ baseUrl: process.env.TENDER_URL, token: process.env.TENDER_TOKEN });
  const { record, receipt } = await client.notarise({ sha256: 'c'.repeat(64), kind: 'archive' });
  const { claims } = await verifyReceipt(receipt, await client.jwks());
  let refused = '';
  try { commitBid({ projectId: 'P', bidderId: 'B', bidFileSha256: 'nope', price: 1 }); } catch (e) { refused = e instanceof InvalidBidError ? e.code : 'other'; }
  let missing = '';
  try { await client.getTrail('NOPE'); } catch (e) { missing = e instanceof NotFoundError ? e.code : 'other'; }
  console.log(JSON.stringify({ recordId: record.recordId, claimed: claims.recordId, refused, missing }));
})().catch((e) => { console.error(e); process.exitCode = 1; });
`;

const TS = `
import { TenderLedgerClient, commitBid, type WriteResult, type CommittedBid } from '@tender-ledger/client-sdk';
const client: TenderLedgerClient = new TenderLedgerClient({ baseUrl: 'http://127.0.0.1:8080' });
const sealed: CommittedBid = commitBid({ projectId: 'P', bidderId: 'B', bidFileSha256: 'a'.repeat(64), price: 1 });
const price: number = sealed.reveal.price;
export async function kind(): Promise<string> {
  const result: WriteResult = await client.notarise({ sha256: 'a'.repeat(64), kind: 'document' });
  return result.record.step + String(price);
}
`;

describe('the SDK package (npm pack)', function () {
  // Packing and installing from the npm cache: seconds, more on a loaded machine.
  this.timeout(300_000);
  let t: TestGateway;
  let work: ReturnType<typeof tempDir>;
  let tarball: string;
  before(async () => {
    t = await startTestGateway();
    // Outside the repository: no workspace, no node_modules above to fall back on.
    work = tempDir('tender-sdk-consumer-');
    const { stdout } = await run(NPM, ['pack', '--workspace', 'client-sdk', '--pack-destination', work.dir, '--json'], { cwd: REPO });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work.dir, present(packed, 'the packed tarball').filename);
    writeFileSync(path.join(work.dir, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true }));
    await run(NPM, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: work.dir });
  });
  after(async () => {
    await t.close();
    work.remove();
  });

  it('ships bundles only, with no dependency on a workspace package', () => {
    const manifest = JSON.parse(readFileSync(path.join(work.dir, 'node_modules/@tender-ledger/client-sdk/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith('@tender-ledger/'))).to.deep.equal([]);
    const types = readFileSync(path.join(work.dir, 'node_modules/@tender-ledger/client-sdk/dist/bundle/index.d.ts'), 'utf8');
    expect(types).to.not.include('@tender-ledger/');
    expect(statSync(tarball).size).to.be.below(200 * 1024);
  });

  it('works from an ES module against a real gateway', async () => {
    writeFileSync(path.join(work.dir, 'check.mjs'), ESM);
    const env = { ...process.env, TENDER_URL: t.url, TENDER_TOKEN: await t.token('platform', 'sdk-consumer') };
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: work.dir, env });
    const out = JSON.parse(stdout) as { recordId: string; claimed: string; found: number; commitment: string };
    expect(out.claimed).to.equal(out.recordId);
    expect(out.found).to.equal(1);
    expect(out.commitment).to.match(/^[0-9a-f]{64}$/);
  });

  it('works from CommonJS against a real gateway, with its typed errors', async () => {
    writeFileSync(path.join(work.dir, 'check.cjs'), CJS);
    const env = { ...process.env, TENDER_URL: t.url, TENDER_TOKEN: await t.token('platform', 'sdk-consumer') };
    const { stdout } = await run(process.execPath, ['check.cjs'], { cwd: work.dir, env });
    const out = JSON.parse(stdout) as { recordId: string; claimed: string; refused: string; missing: string };
    expect(out).to.deep.include({ claimed: out.recordId, refused: 'INVALID_ARGUMENT', missing: 'PROJECT_NOT_FOUND' });
  });

  it('type-checks in a strict TypeScript project', async () => {
    writeFileSync(path.join(work.dir, 'check.ts'), TS);
    writeFileSync(
      path.join(work.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          types: [],
          skipLibCheck: false,
          lib: ['es2023', 'dom'],
        },
        files: ['check.ts'],
      }),
    );
    await run(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: work.dir });
  });

  it('installs the tender CLI as a bin', async () => {
    const { stdout } = await run(path.join(work.dir, 'node_modules/.bin/tender'), ['notarise', '--help'], { cwd: work.dir });
    expect(stdout).to.include('Usage: tender notarise');
  });
});
