import type { TenderLedgerClient } from '@tender-ledger/client-sdk';
import { startTestGateway, testBackends, type Backend, type TestGateway } from './gateway.js';

/** Ids unique per run: on Fabric the ledger outlives a test run. */
export const RUN = Date.now().toString(36);

/** A fresh gateway per test with the callers the HTTP suites use. */
export interface HttpSuite {
  backend: Backend;
  t: TestGateway;
  platform: TenderLedgerClient;
  otherPlatform: TenderLedgerClient;
  regulator: TenderLedgerClient;
  anonymous: TenderLedgerClient;
}

/** Runs `body` once per backend the suites are asked for (TENDER_TEST_BACKENDS), inside `describe('gateway on the <backend> ledger')`. */
export function forEachBackend(body: (backend: Backend) => void): void {
  for (const backend of testBackends())
    describe(`gateway on the ${backend} ledger, over HTTP through the SDK`, function () {
      // On Fabric deadlines are real seconds away and every step is a real block.
      this.timeout(backend === 'fabric' ? 600_000 : 30_000);
      body(backend);
    });
}

async function connect(s: HttpSuite, backend: Backend): Promise<void> {
  s.t = await startTestGateway({}, backend);
  s.platform = await s.t.client('platform', 'gz-etrading');
  s.otherPlatform = await s.t.client('platform', 'zunyi-etrading');
  s.regulator = await s.t.client('regulator', 'supervision-bureau');
  s.anonymous = await s.t.client();
}

/** Runs `body` once per backend with a fresh gateway and its callers per test. */
export function onEachBackend(body: (s: HttpSuite) => void): void {
  forEachBackend((backend) => {
    const s = { backend } as HttpSuite;
    beforeEach(() => connect(s, backend));
    afterEach(() => s.t.close());
    body(s);
  });
}

/**
 * One gateway for the enclosing block, for fixtures built once whose tests change nothing
 * (a refused step records nothing, so each test still sees its fixture as built).
 */
export function sharedGateway(backend: Backend): HttpSuite {
  const s = { backend } as HttpSuite;
  before(() => connect(s, backend));
  after(() => s.t.close());
  return s;
}

/**
 * Memoises each fixture per gateway: built on first use, by the first test that needs it. On
 * Fabric every fixture starts building before the first test: each waits out real deadlines of
 * its own project, so they wait side by side instead of one after another (the embedded
 * ledger's fixtures move one shared manual clock, so they stay one at a time).
 */
export function fixtures<F extends Record<string, () => Promise<unknown>>>(s: HttpSuite, build: F): F {
  let built = new Map<string, Promise<unknown>>();
  let gateway: TestGateway | undefined;
  const memo = {} as Record<string, () => Promise<unknown>>;
  for (const [name, make] of Object.entries(build)) {
    memo[name] = () => {
      if (gateway !== s.t) {
        gateway = s.t;
        built = new Map();
      }
      if (!built.has(name)) built.set(name, make());
      return built.get(name) as Promise<unknown>;
    };
  }
  if (s.backend === 'fabric') {
    before(() => {
      // A failure surfaces in the test that awaits the fixture, not as an unhandled rejection here.
      for (const make of Object.values(memo)) make().catch(() => undefined);
    });
  }
  return memo as F;
}
