import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { TenderLedgerClient } from '@tender-ledger/client-sdk';
import { ConfigError, FabricBackend, callerKey, loadConfig, type Caller } from '@tender-ledger/gateway';
import { instanceOf } from '../helpers/assert.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { tempDir } from '../helpers/temp.js';
import { expectRefusal } from '../helpers/refusal.js';
import { Tender } from '../helpers/tender.js';

const MAIN = path.resolve(__dirname, '../../../gateway/dist/main.js');
const ISSUER_A = 'https://id.gz-etrading.example';
const ISSUER_B = 'https://id.zunyi.example';

async function status(t: TestGateway, token: string): Promise<{ status: number; code: string }> {
  const res = await fetch(`${t.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, code: ((await res.json()) as { code: string }).code };
}

/** Runs `npm start`'s entry point until it listens (then stops it) or exits. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AUTH_|LEDGER_|FABRIC_|PORT$|DATA_DIR$)/.test(k)));
  const child = spawn(process.execPath, [MAIN], { env: { ...clean, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Everything said at start comes right after this line: give it a moment, then stop.
    if (stdout.includes('listening on')) setTimeout(() => child.kill('SIGTERM'), 500);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('gateway authentication', () => {
  const temp = tempDir('tender-issuers-');
  let a: TestIssuer;
  let b: TestIssuer;
  before(async () => {
    a = await createTestIssuer(temp.dir, ISSUER_A);
    b = await createTestIssuer(temp.dir, ISSUER_B);
  });
  after(() => {
    temp.remove();
  });

  describe('issuers are bound to the roles and subjects they may grant (AUTH_ISSUERS)', () => {
    let t: TestGateway;
    before(async () => {
      t = await startTestGateway({
        AUTH_ISSUERS: JSON.stringify([
          a.config({ roles: ['platform'], subjectPattern: 'gz-[a-z]+' }),
          b.config({ roles: ['bidder', 'regulator'], subjects: ['91520200MA6DKQ7X1B', 'zunyi-supervision'] }),
        ]),
      });
    });
    after(() => t.close());

    it("accepts each issuer's own roles for its own subjects", async () => {
      expect(await status(t, await a.mint('platform', 'gz-etrading'))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
      expect(await status(t, await b.mint('regulator', 'zunyi-supervision'))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
    });

    it('refuses with 403 ISSUER_NOT_AUTHORISED a role the issuer may not grant', async () => {
      expect(await status(t, await a.mint('regulator', 'gz-etrading'))).to.deep.equal({ status: 403, code: 'ISSUER_NOT_AUTHORISED' });
      expect(await status(t, await b.mint('platform', 'zunyi-supervision'))).to.deep.equal({ status: 403, code: 'ISSUER_NOT_AUTHORISED' });
    });

    it("refuses with 403 ISSUER_NOT_AUTHORISED a subject outside the issuer's list or pattern (whole subject)", async () => {
      expect(await status(t, await a.mint('platform', 'zunyi-etrading'))).to.deep.equal({ status: 403, code: 'ISSUER_NOT_AUTHORISED' });
      expect(await status(t, await a.mint('platform', 'gz-etrading2'))).to.deep.equal({ status: 403, code: 'ISSUER_NOT_AUTHORISED' });
      expect(await status(t, await b.mint('regulator', 'gz-supervision'))).to.deep.equal({ status: 403, code: 'ISSUER_NOT_AUTHORISED' });
    });

    it('no longer trusts the development issuer once real issuers are configured', async () => {
      expect(await status(t, await t.token('regulator', 'anyone'))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });
  });

  describe('the development issuer', () => {
    it('is the zero-configuration default of the embedded ledger', () => {
      expect(loadConfig({}).devIssuer).to.equal(true);
    });

    it('is off as soon as AUTH_ISSUERS is configured, unless AUTH_DEV_ISSUER=true', async () => {
      const issuers = JSON.stringify([a.config()]);
      expect(loadConfig({ AUTH_ISSUERS: issuers }).devIssuer).to.equal(false);
      expect(loadConfig({ AUTH_ISSUERS: issuers, AUTH_DEV_ISSUER: 'true' }).devIssuer).to.equal(true);
      expect(loadConfig({ AUTH_DEV_ISSUER: 'false' }).devIssuer).to.equal(false);
      expect(() => loadConfig({ AUTH_DEV_ISSUER: 'yes' })).to.throw(ConfigError, 'AUTH_DEV_ISSUER');
      const both = await startTestGateway({ AUTH_ISSUERS: issuers, AUTH_DEV_ISSUER: 'true' });
      try {
        expect(await status(both, await both.token('platform', 'gz-etrading'))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
        expect(await status(both, await a.mint('platform', 'gz-etrading'))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
      } finally {
        await both.close();
      }
    });

    it('is never trusted with the Fabric backend: the configuration is refused with a clear message', () => {
      expect(() => loadConfig({ LEDGER_BACKEND: 'fabric', AUTH_DEV_ISSUER: 'true', AUTH_ISSUERS: JSON.stringify([a.config()]) })).to.throw(
        ConfigError,
        'the development issuer is never trusted on a Fabric network',
      );
      expect(() => loadConfig({ LEDGER_BACKEND: 'fabric' })).to.throw(ConfigError, 'LEDGER_BACKEND=fabric needs AUTH_ISSUERS');
      expect(loadConfig({ LEDGER_BACKEND: 'fabric', AUTH_ISSUERS: JSON.stringify([a.config()]) }).devIssuer).to.equal(false);
    });

    it('npm start says loudly that it trusts the development issuer', async () => {
      const data = tempDir('tender-main-');
      try {
        const run = await runMain({ DATA_DIR: data.dir });
        expect(run.stdout).to.include('listening on');
        expect(run.stderr).to.include('DEVELOPMENT ISSUER TRUSTED (no AUTH_ISSUERS are configured)');
      } finally {
        data.remove();
      }
    });

    it('npm start refuses to start on Fabric with the development issuer, saying why', async () => {
      const data = tempDir('tender-main-');
      try {
        const run = await runMain({
          DATA_DIR: data.dir,
          LEDGER_BACKEND: 'fabric',
          AUTH_DEV_ISSUER: 'true',
          AUTH_ISSUERS: JSON.stringify([a.config()]),
        });
        expect(run.code).to.equal(1);
        expect(run.stdout).to.not.include('listening on');
        expect(run.stderr).to.include(
          'configuration: AUTH_DEV_ISSUER=true with LEDGER_BACKEND=fabric: the development issuer is never trusted on a Fabric network',
        );
      } finally {
        data.remove();
      }
    });
  });

  describe('AUTH_ISSUERS', () => {
    it('must list the roles each issuer may grant, and names no issuer with "::" or twice', () => {
      const entry = { issuer: ISSUER_A, jwksFile: a.jwksFile };
      expect(() => loadConfig({ AUTH_ISSUERS: JSON.stringify([entry]) })).to.throw(ConfigError, 'roles');
      expect(() => loadConfig({ AUTH_ISSUERS: JSON.stringify([{ ...entry, roles: ['superuser'] }]) })).to.throw(ConfigError, 'roles');
      expect(() => loadConfig({ AUTH_ISSUERS: JSON.stringify([{ ...entry, issuer: 'urn:a::b', roles: ['platform'] }]) })).to.throw(
        ConfigError,
        '::',
      );
      expect(() => loadConfig({ AUTH_ISSUERS: JSON.stringify([a.config(), a.config()]) })).to.throw(ConfigError, 'twice');
      expect(() => loadConfig({ AUTH_ISSUERS: JSON.stringify([{ ...entry, roles: ['platform'], subjectPattern: '(' }]) })).to.throw(
        ConfigError,
        'subjectPattern',
      );
      expect(
        loadConfig({ AUTH_ISSUERS: JSON.stringify([{ ...entry, roles: ['platform'], subjects: ['gz-etrading'] }]) }).issuers[0]?.roles,
      ).to.deep.equal(['platform']);
    });
  });

  describe('a ledger identity is (issuer, sub): callerKey', () => {
    const callerA: Caller = { role: 'platform', issuer: ISSUER_A, sub: 'gz-etrading' };
    const callerB: Caller = { role: 'platform', issuer: ISSUER_B, sub: 'gz-etrading' };

    it('on the embedded ledger, the same subject from another issuer is another platform (NOT_PROJECT_OWNER)', async () => {
      const t = await startTestGateway({
        AUTH_ISSUERS: JSON.stringify([a.config({ roles: ['platform'] }), b.config({ roles: ['platform'] })]),
      });
      try {
        const owner = new TenderLedgerClient({ baseUrl: t.url, retries: 0, token: await a.mint('platform', 'gz-etrading') });
        const impostor = new TenderLedgerClient({ baseUrl: t.url, retries: 0, token: await b.mint('platform', 'gz-etrading') });
        const tender = Tender.overHttp(t, owner);
        await tender.register();
        await expectRefusal(tender.registerBidder('B1', undefined, impostor), 'NOT_PROJECT_OWNER');
      } finally {
        await t.close();
      }
    });

    it('on Fabric, FABRIC_PLATFORM_IDENTITIES maps <issuer>::<sub>: the same subject from another issuer has no Fabric identity (403)', async () => {
      const config = loadConfig({
        LEDGER_BACKEND: 'fabric',
        AUTH_ISSUERS: JSON.stringify([a.config({ roles: ['platform'] }), b.config({ roles: ['platform'] })]),
        FABRIC_PLATFORM_IDENTITIES: JSON.stringify({ [callerKey(callerA)]: 'User1' }),
      });
      expect(config.fabric?.platformIdentities).to.deep.equal({ [`${ISSUER_A}::gz-etrading`]: 'User1' });
      // No peers: a call gets as far as choosing the Fabric user, which is what this checks.
      const backend = await FabricBackend.open({
        connection: { channel: 'tender', chaincode: 'tender', peers: {}, identities: {} },
        platformIdentities: config.fabric?.platformIdentities ?? {},
        platformMspId: 'TradingCentreMSP',
        regulatorMspId: 'RegulatorMSP',
        regulatorIdentity: 'User1',
        publicIdentity: 'User5',
        bidderIdentity: 'User5',
      });
      try {
        const outcome = (caller: Caller) =>
          backend.submit(caller, 'registerProject', ['{}']).then(
            () => 'submitted',
            (e: unknown) => {
              const error = instanceOf(e, Error);
              return 'code' in error && typeof error.code === 'string' ? error.code : error.message;
            },
          );
        expect(await outcome(callerA)).to.equal('no Fabric identity User1 of TradingCentreMSP in the connection file');
        expect(await outcome(callerB)).to.equal('FORBIDDEN');
      } finally {
        await backend.close();
      }
    });

    it('reads the older shape (bare subjects) as subjects of the one trusted issuer, and refuses it with several', () => {
      const one = loadConfig({
        LEDGER_BACKEND: 'fabric',
        AUTH_ISSUERS: JSON.stringify([a.config()]),
        FABRIC_PLATFORM_IDENTITIES: '{"gz-etrading":"User1"}',
      });
      expect(one.fabric?.platformIdentities).to.deep.equal({ [`${ISSUER_A}::gz-etrading`]: 'User1' });
      expect(() =>
        loadConfig({
          LEDGER_BACKEND: 'fabric',
          AUTH_ISSUERS: JSON.stringify([a.config(), b.config()]),
          FABRIC_PLATFORM_IDENTITIES: '{"gz-etrading":"User1"}',
        }),
      ).to.throw(ConfigError, `write "<issuer>::gz-etrading"`);
      expect(() =>
        loadConfig({
          LEDGER_BACKEND: 'fabric',
          AUTH_ISSUERS: JSON.stringify([a.config()]),
          FABRIC_PLATFORM_IDENTITIES: '{"urn:other::gz-etrading":"User1"}',
        }),
      ).to.throw(ConfigError, 'not in AUTH_ISSUERS');
    });
  });
});
