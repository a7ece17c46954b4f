import { existsSync } from 'node:fs';
import path from 'node:path';
import { createLogger, loadConfig, startGateway, type GatewayOptions, type RunningGateway } from '@tender-ledger/gateway';
import { readFile } from 'node:fs/promises';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { TenderLedgerClient, mintDevToken, DEV_ISSUER, type Role } from '@tender-ledger/client-sdk';
import { ManualClock, manualHostClock, realHostClock, type HostClock } from './clock.js';
import { createTestIssuer } from './issuer.js';
import { tempDir } from './temp.js';
import { FABRIC_CONNECTION, testBackends, type Backend } from './backends.js';
import { sha256Hex } from '@tender-ledger/domain';

export { FABRIC_CONNECTION, testBackends, type Backend };

/** A real gateway on a free port: over a fresh embedded ledger, or over the Fabric network that is up. */
export interface TestGateway {
  backend: Backend;
  gateway: RunningGateway;
  url: string;
  dataDir: string;
  /** Ledger time: the embedded ledger's clock the test moves, or real time on Fabric. */
  time: HostClock;
  /** The embedded ledger's clock (embedded backend only). */
  clock: ManualClock;
  /** The issuer of {@link token}: the development issuer on the embedded ledger, a configured test issuer on Fabric (never the development one). */
  issuer: string;
  token(role: Role, sub: string, ttlSeconds?: number): Promise<string>;
  /** A token with the claims `setup` sets, signed with the key of {@link issuer} (or `key`). */
  sign(claims: Record<string, unknown>, setup: (jwt: SignJWT) => SignJWT, key?: CryptoKey): Promise<string>;
  client(role?: Role, sub?: string): Promise<TenderLedgerClient>;
  close(): Promise<void>;
}

/**
 * Platform token subjects the suites use, each with its own Fabric user (one per platform). Bare
 * subjects: with the one test issuer trusted, the gateway reads them as `<issuer>::<sub>`.
 */
export const FABRIC_PLATFORMS: Record<string, string> = {
  'gz-etrading': 'User1',
  'zunyi-etrading': 'User2',
  outsider: 'User3',
  'cli-platform': 'User4',
};

/**
 * How long recent writes through a Fabric test gateway took (ms), from its access lines: the
 * real clock's leads follow them, never a fixed guess. Shared by every Fabric gateway of the run.
 */
const recentWriteMs: number[] = [];
function noteAccessLine(line: string): void {
  let entry: { msg?: unknown; method?: unknown; status?: unknown; ms?: unknown };
  try {
    entry = JSON.parse(line);
  } catch {
    return;
  }
  if (entry.msg !== 'request' || entry.method !== 'POST' || entry.status !== 201 || typeof entry.ms !== 'number') return;
  recentWriteMs.push(entry.ms);
  if (recentWriteMs.length > 30) recentWriteMs.shift();
}
const slowestWriteMs = () => (recentWriteMs.length === 0 ? 1000 : Math.max(...recentWriteMs));

export async function startTestGateway(
  env: Record<string, string> = {},
  backend: Backend = 'embedded',
  prepare?: (dataDir: string) => Promise<void>,
): Promise<TestGateway> {
  const temp = tempDir('tender-gateway-');
  const clock = new ManualClock(new Date().toISOString());
  let time: HostClock;
  let extra: Record<string, string> = {};
  if (backend === 'fabric') {
    if (!existsSync(FABRIC_CONNECTION)) {
      throw new Error(
        `THE FABRIC SUITE CANNOT RUN: ${FABRIC_CONNECTION} is missing. Run "npm run network:up && npm run network:deploy" first.`,
      );
    }
    extra = {
      LEDGER_BACKEND: 'fabric',
      FABRIC_CONNECTION,
      FABRIC_PLATFORM_IDENTITIES: JSON.stringify(FABRIC_PLATFORMS),
      AUTH_ISSUERS: '',
      FABRIC_REGULATOR_IDENTITY: 'User1',
      FABRIC_PUBLIC_IDENTITY: 'User5',
    };
    // Deadlines as far ahead as the scenario's steps take here and now, measured on the writes
    // this run sent (one calibration write first), so a slow machine gets the room it needs.
    // Peers stamp proposals with this machine's clock: reaching an instant waits until past it.
    time = realHostClock(slowestWriteMs, 250);
  } else {
    time = manualHostClock(clock);
  }
  let issuer = DEV_ISSUER;
  let token = (role: Role, sub: string, ttlSeconds?: number) =>
    mintDevToken(temp.dir, { role, sub, ...(ttlSeconds ? { ttlSeconds } : {}) });
  let sign = async (claims: Record<string, unknown>, setup: (jwt: SignJWT) => SignJWT, key?: CryptoKey) => {
    const jwk = JSON.parse(await readFile(path.join(temp.dir, 'keys', 'dev-issuer.private.jwk.json'), 'utf8')) as JWK;
    return setup(new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: jwk.kid })).sign(key ?? (await importJWK(jwk, 'ES256')));
  };
  if (backend === 'fabric') {
    // The development issuer is never trusted on Fabric: the suites' own issuer, configured as a real one.
    const test = await createTestIssuer(temp.dir, 'urn:tender-ledger:test-issuer');
    extra.AUTH_ISSUERS = JSON.stringify([test.config()]);
    ({ issuer, mint: token, sign } = test);
  }
  // The deadline closer adds a BiddingClosed record at each deadline: on only where a test asks for it.
  const config = loadConfig({ DATA_DIR: temp.dir, PORT: '0', CLOSE_BIDDING_AT_DEADLINE: 'false', ...extra, ...env });
  await prepare?.(temp.dir);
  const options: GatewayOptions =
    backend === 'embedded' ? { clock: clock.now } : { logger: createLogger('info', { write: noteAccessLine }) };
  const gateway = await startGateway(config, options);
  if (backend === 'fabric' && recentWriteMs.length === 0) {
    // Nothing measured yet in this run: one real write, so the first deadline is not a guess.
    const started = Date.now();
    const calibrated = await fetch(`${gateway.url}/v1/evidence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('platform', 'gz-etrading')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sha256: sha256Hex(`test gateway calibration ${Date.now()} ${process.pid}`), kind: 'calibration' }),
    });
    if (calibrated.status !== 201) throw new Error(`the calibration write answered ${calibrated.status}: ${await calibrated.text()}`);
    // Its access line may still be on its way: the round trip is as good a measure.
    if (recentWriteMs.length === 0) recentWriteMs.push(Date.now() - started);
  }
  return {
    backend,
    gateway,
    url: gateway.url,
    dataDir: temp.dir,
    time,
    clock,
    issuer,
    token,
    sign,
    async client(role?: Role, sub?: string) {
      return new TenderLedgerClient({ baseUrl: gateway.url, retries: 0, ...(role && sub ? { token: await token(role, sub) } : {}) });
    },
    async close() {
      await gateway.close();
      temp.remove();
    },
  };
}
