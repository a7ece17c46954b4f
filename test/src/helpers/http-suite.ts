import { commitBid, type CommittedBid, type TenderLedgerClient, type WriteResult } from '@tender-ledger/client-sdk';
import type { LedgerRecord, RegisterProjectRequest } from '@tender-ledger/domain';
import { startTestGateway, testBackends, type Backend, type TestGateway } from './gateway.js';
import { COMMITTEE, DEPOSIT, ESTIMATED_PRICE, doc } from './tender.js';

/** Project ids unique per run: on Fabric the ledger outlives a test run. */
export const RUN = Date.now().toString(36);

/** One project driven over HTTP through the SDK. */
export class HttpTender {
  readonly sealed = new Map<string, CommittedBid>();
  static #counter = 0;
  #deadline = 0;
  #opening = 0;
  constructor(readonly t: TestGateway, readonly platform: TenderLedgerClient, readonly projectId = `HTTP-${RUN}-${++HttpTender.#counter}`) {}

  request(overrides: Partial<RegisterProjectRequest> = {}): RegisterProjectRequest {
    const bidDeadline = this.t.time.iso(this.t.time.deadlineLead);
    return {
      projectId: this.projectId, name: '市政道路改造工程', category: 'construction', estimatedPrice: ESTIMATED_PRICE, depositAmount: DEPOSIT,
      bidDeadline, openingTime: new Date(Date.parse(bidDeadline) + this.t.time.openingGap).toISOString(), tenderDocSha256: doc(`tender ${this.projectId}`), ...overrides,
    };
  }

  async register(overrides: Partial<RegisterProjectRequest> = {}) {
    const request = this.request(overrides);
    const result = await this.platform.registerProject(request);
    this.#deadline = Date.parse(request.bidDeadline);
    this.#opening = Date.parse(request.openingTime);
    return result;
  }

  async bidder(bidderId: string, price: number): Promise<WriteResult<LedgerRecord<'BidCommitted'>>> {
    await this.platform.registerBidder(this.projectId, { bidderId, deposit: { form: 'cash', amount: DEPOSIT } });
    const sealed = commitBid({ projectId: this.projectId, bidderId, bidFileSha256: doc(`bid ${bidderId}`), price });
    this.sealed.set(bidderId, sealed);
    return this.platform.submitBid(this.projectId, { bidderId, commitment: sealed.commitment });
  }

  reveals(except: string[] = []) {
    return [...this.sealed.values()].filter((s) => !except.includes(s.reveal.bidderId))
      .map(({ reveal: { bidderId, bidFileSha256, price, salt } }) => ({ bidderId, bidFileSha256, price, salt }));
  }

  passDeadline(): Promise<void> {
    return this.t.time.reach(this.#deadline);
  }

  reachOpening(): Promise<void> {
    return this.t.time.reach(this.#opening);
  }

  /** Appoints the evaluation committee before the opening (IR art. 46). */
  appoint(members = COMMITTEE) {
    return this.platform.appointCommittee(this.projectId, { members, appointmentDocSha256: doc(`expert draw ${this.projectId}`) });
  }

  /** Every member given scores every valid bid (integer hundredths of a point). */
  async scored(committee = COMMITTEE): Promise<void> {
    for (const evaluatorId of committee) {
      await this.platform.recordScores(this.projectId, { evaluatorId, reportSha256: doc(`report ${evaluatorId}`), scores: [
        { bidderId: 'B1', score: 9150 }, { bidderId: 'B2', score: 8500 }, { bidderId: 'B3', score: 8025 },
      ] });
    }
  }
}

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
  for (const backend of testBackends()) describe(`gateway on the ${backend} ledger, over HTTP through the SDK`, function () {
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
