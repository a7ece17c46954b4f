import {
  bidCommitment,
  sha256Hex,
  type AppointCommitteeRequest,
  type AwardRequest,
  type CommitBidRequest,
  type Deposit,
  type LedgerRecord,
  type NotariseDocumentRequest,
  type OpenBidsRequest,
  type ProjectState,
  type PublicProjectStatus,
  type RecordScoresRequest,
  type RegisterBidderRequest,
  type RegisterProjectRequest,
  type ReleaseDepositRequest,
  type ReplaceCommitteeMemberRequest,
  type Reveal,
  type SignContractRequest,
  type Step,
} from '@tender-ledger/domain';
import type { TenderLedgerClient, TrailResult, WriteResult } from '@tender-ledger/client-sdk';
import type { LedgerIdentity } from '@tender-ledger/embedded-ledger';
import type { HostClock } from './clock.js';
import type { TestGateway } from './gateway.js';
import type { ContractHost } from './hosts.js';
import { platformA } from './identities.js';

let projectCounter = 0;
// Project ids are unique per run: a Fabric network's ledger outlives a test run.
const RUN = `${Date.now().toString(36)}-${process.pid}`;

/** A document's hash, from a made-up name. */
export const doc = (name: string): string => sha256Hex(`document:${name}`);

/** What a bidder keeps to itself until opening. */
export function sealedBid(
  projectId: string,
  bidderId: string,
  price: number,
  bidFileSha256 = doc(`bid file of ${bidderId}`),
): Reveal & { commitment: string } {
  const reveal = { bidderId, bidFileSha256, price, salt: sha256Hex(`salt:${projectId}:${bidderId}:${price}`).slice(0, 32) };
  return { ...reveal, commitment: bidCommitment({ projectId, ...reveal }) };
}

/** The evaluation committee most tests appoint: 5 experts (BL art. 37). */
export const COMMITTEE = ['E1', 'E2', 'E3', 'E4', 'E5'];

export const ESTIMATED_PRICE = 100_000_000; // 1,000,000 yuan in fen
export const DEPOSIT = 2_000_000; // exactly 2%

/** The prices most scenarios bid, and the scores (integer hundredths of a point) every evaluator gives them. */
export const PRICES: Record<string, number> = { B1: 90_000_000, B2: 95_000_000, B3: 98_000_000 };
export const SCORES: Record<string, number> = { B1: 9150, B2: 8500, B3: 8025 };

/**
 * The two doors a scenario's steps go through: the contract on a host (as a ledger identity,
 * answered with the record), or the gateway over HTTP through the SDK (as a client with its
 * token, answered with the record and its signed receipt).
 */
export interface Doors<S extends Step = Step> {
  contract: {
    caller: LedgerIdentity;
    written: LedgerRecord<S>;
    status: ProjectState;
    trail: { complete: boolean; records: LedgerRecord[] };
  };
  http: {
    caller: TenderLedgerClient;
    written: WriteResult<LedgerRecord<S>>;
    status: ProjectState | PublicProjectStatus;
    trail: TrailResult;
  };
}
export type Door = keyof Doors;
type Caller<D extends Door> = Doors[D]['caller'];
type Written<D extends Door, S extends Step> = Promise<Doors<S>[D]['written']>;

/** Each step of a tender through one door, as `as`. */
export interface TenderPort<D extends Door> {
  readonly clock: HostClock;
  registerProject(as: Caller<D>, request: RegisterProjectRequest): Written<D, 'ProjectRegistered'>;
  registerBidder(as: Caller<D>, projectId: string, request: RegisterBidderRequest): Written<D, 'BidderRegistered'>;
  commitBid(as: Caller<D>, projectId: string, request: CommitBidRequest): Written<D, 'BidCommitted'>;
  withdrawBid(as: Caller<D>, projectId: string, bidderId: string): Written<D, 'BidWithdrawn'>;
  closeBidding(as: Caller<D>, projectId: string): Written<D, 'BiddingClosed'>;
  appointCommittee(as: Caller<D>, projectId: string, request: AppointCommitteeRequest): Written<D, 'CommitteeAppointed'>;
  replaceCommitteeMember(as: Caller<D>, projectId: string, request: ReplaceCommitteeMemberRequest): Written<D, 'CommitteeMemberReplaced'>;
  openBids(as: Caller<D>, projectId: string, request: OpenBidsRequest): Written<D, 'BidsOpened' | 'TenderFailed'>;
  recordScores(as: Caller<D>, projectId: string, request: RecordScoresRequest): Written<D, 'ScoresRecorded'>;
  awardBid(as: Caller<D>, projectId: string, request: AwardRequest): Written<D, 'BidAwarded'>;
  signContract(as: Caller<D>, projectId: string, request: SignContractRequest): Written<D, 'ContractSigned'>;
  releaseDeposit(as: Caller<D>, projectId: string, bidderId: string, request: ReleaseDepositRequest): Written<D, 'DepositReleased'>;
  notariseDocument(as: Caller<D>, request: NotariseDocumentRequest): Written<D, 'DocumentNotarised'>;
  status(as: Caller<D>, projectId: string): Promise<Doors[D]['status']>;
  trail(as: Caller<D>, projectId: string): Promise<Doors[D]['trail']>;
}

/** The contract's transactions on a host (the embedded ledger, or a Fabric peer through its gateway). */
export function contractPort(host: ContractHost): TenderPort<'contract'> {
  const submit = async <S extends Step>(as: LedgerIdentity, fn: string, ...args: (string | object)[]) =>
    JSON.parse(await host.submit(as, fn, ...args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))))) as LedgerRecord<S>;
  return {
    clock: host.clock,
    registerProject: (as, request) => submit(as, 'registerProject', request),
    registerBidder: (as, projectId, request) => submit(as, 'registerBidder', projectId, request),
    commitBid: (as, projectId, request) => submit(as, 'commitBid', projectId, request),
    withdrawBid: (as, projectId, bidderId) => submit(as, 'withdrawBid', projectId, bidderId),
    closeBidding: (as, projectId) => submit(as, 'closeBidding', projectId),
    appointCommittee: (as, projectId, request) => submit(as, 'appointCommittee', projectId, request),
    replaceCommitteeMember: (as, projectId, request) => submit(as, 'replaceCommitteeMember', projectId, request),
    openBids: (as, projectId, request) => submit(as, 'openBids', projectId, request),
    recordScores: (as, projectId, request) => submit(as, 'recordScores', projectId, request),
    awardBid: (as, projectId, request) => submit(as, 'awardBid', projectId, request),
    signContract: (as, projectId, request) => submit(as, 'signContract', projectId, request),
    releaseDeposit: (as, projectId, bidderId, request) => submit(as, 'releaseDeposit', projectId, bidderId, request),
    notariseDocument: (as, request) => submit(as, 'notariseDocument', request),
    status: async (as, projectId) => JSON.parse(await host.evaluate(as, 'getProjectStatus', projectId)) as ProjectState,
    trail: async (as, projectId) => JSON.parse(await host.evaluate(as, 'getTrail', projectId)) as Doors['contract']['trail'],
  };
}

/** The gateway's routes through the SDK: each write answered with its record and signed receipt. */
export function httpPort(t: TestGateway): TenderPort<'http'> {
  return {
    clock: t.time,
    registerProject: (as, request) => as.registerProject(request),
    registerBidder: (as, projectId, request) => as.registerBidder(projectId, request),
    commitBid: (as, projectId, request) => as.submitBid(projectId, request),
    withdrawBid: (as, projectId, bidderId) => as.withdrawBid(projectId, bidderId),
    // No route: the gateway itself sends closeBidding at each of its projects' deadlines.
    closeBidding: () =>
      Promise.reject(new Error('closeBidding has no route: the gateway sends it at the bid deadline (CLOSE_BIDDING_AT_DEADLINE)')),
    appointCommittee: (as, projectId, request) => as.appointCommittee(projectId, request),
    replaceCommitteeMember: (as, projectId, request) => as.replaceCommitteeMember(projectId, request),
    openBids: (as, projectId, request) => as.openBids(projectId, request),
    recordScores: (as, projectId, request) => as.recordScores(projectId, request),
    awardBid: (as, projectId, request) => as.awardBid(projectId, request),
    signContract: (as, projectId, request) => as.signContract(projectId, request),
    releaseDeposit: (as, projectId, bidderId, request) => as.releaseDeposit(projectId, bidderId, request),
    notariseDocument: (as, request) => as.notarise(request),
    status: (as, projectId) => as.getProject(projectId),
    trail: (as, projectId) => as.getTrail(projectId),
  };
}

/**
 * Drives one project through a tender's steps as its owning platform, through either door: the
 * one scenario vocabulary of the rule suites (on every host) and the HTTP suites (on every backend).
 */
export class Tender<D extends Door = 'contract'> {
  readonly projectId: string;
  /** Every bid committed through this driver, the last commitment of each bidder. */
  readonly bids = new Map<string, Reveal & { commitment: string }>();
  readonly #withdrawn = new Set<string>();
  #deadline = 0;
  #openingTime = 0;

  constructor(
    readonly port: TenderPort<D>,
    readonly owner: Caller<D>,
    projectId?: string,
  ) {
    this.projectId = projectId ?? `P-${RUN}-${++projectCounter}`;
  }

  /** A project on a contract host, owned by `owner` (platform A by default). */
  static onHost(host: ContractHost, owner: LedgerIdentity = platformA, projectId?: string): Tender {
    return new Tender(contractPort(host), owner, projectId);
  }

  /** A project over a test gateway's HTTP API, owned by the platform `owner` calls as. */
  static overHttp(t: TestGateway, owner: TenderLedgerClient, projectId?: string): Tender<'http'> {
    return new Tender(httpPort(t), owner, projectId);
  }

  get clock(): HostClock {
    return this.port.clock;
  }

  projectRequest(overrides: Partial<RegisterProjectRequest> = {}): RegisterProjectRequest {
    // Relative to ledger time: a week ahead on a clock the test moves, seconds ahead on real time.
    const bidDeadline = this.clock.iso(this.clock.deadlineLead());
    return {
      projectId: this.projectId,
      name: 'Road resurfacing, Zhongshan district',
      category: 'construction',
      tenderer: 'City Transport Bureau',
      estimatedPrice: ESTIMATED_PRICE,
      depositAmount: DEPOSIT,
      bidDeadline,
      openingTime: new Date(Date.parse(bidDeadline) + this.clock.openingGap).toISOString(),
      tenderDocSha256: doc(`tender documents of ${this.projectId}`),
      ...overrides,
    };
  }

  get deadline(): number {
    return this.#deadline;
  }
  get openingTime(): number {
    return this.#openingTime;
  }

  async register(overrides: Partial<RegisterProjectRequest> = {}, as = this.owner) {
    const request = this.projectRequest(overrides);
    const written = await this.port.registerProject(as, request);
    this.#deadline = Date.parse(request.bidDeadline);
    this.#openingTime = Date.parse(request.openingTime);
    return written;
  }

  registerBidder(bidderId: string, deposit: Deposit = { form: 'cash', amount: DEPOSIT }, as = this.owner) {
    return this.port.registerBidder(as, this.projectId, { bidderId, deposit });
  }

  /** Seals a bid at `price` (over the bid file's hash) and commits it; a later commitment replaces it (BL art. 29). */
  commit(bidderId: string, price: number, as = this.owner, bidFileSha256?: string) {
    const bid = sealedBid(this.projectId, bidderId, price, bidFileSha256);
    this.bids.set(bidderId, bid);
    return this.port.commitBid(as, this.projectId, { bidderId, commitment: bid.commitment });
  }

  /** Registers a bidder with a cash deposit and commits its bid. */
  async bid(bidderId: string, price: number) {
    await this.registerBidder(bidderId);
    return this.commit(bidderId, price);
  }

  async withdraw(bidderId: string, as = this.owner) {
    const written = await this.port.withdrawBid(as, this.projectId, bidderId);
    this.#withdrawn.add(bidderId);
    return written;
  }

  closeBidding(as = this.owner) {
    return this.port.closeBidding(as, this.projectId);
  }

  /** The reveals of every bid committed through this driver (the last commitment of each bidder). */
  reveals(except: string[] = []): Reveal[] {
    return [...this.bids.values()]
      .filter((b) => !except.includes(b.bidderId))
      .map(({ bidderId, bidFileSha256, price, salt }) => ({ bidderId, bidFileSha256, price, salt }));
  }

  /** Appoints the evaluation committee (by default {@link COMMITTEE}) with the hash of its draw record. */
  appointCommittee(members: string[] = COMMITTEE, as = this.owner) {
    return this.port.appointCommittee(as, this.projectId, { members, appointmentDocSha256: doc(`expert draw of ${this.projectId}`) });
  }

  /** Replaces a member for a stated reason (IR art. 48). */
  replaceMember(memberId: string, replacementId: string, extra: Partial<ReplaceCommitteeMemberRequest> = {}, as = this.owner) {
    return this.port.replaceCommitteeMember(as, this.projectId, {
      memberId,
      replacementId,
      reason: `${memberId} declared a conflict of interest`,
      reasonDocSha256: doc(`recusal of ${memberId}`),
      ...extra,
    });
  }

  open(reveals: Reveal[] = this.reveals(), as = this.owner) {
    return this.port.openBids(as, this.projectId, { reveals });
  }

  score(evaluatorId: string, scores: { bidderId: string; score: number }[], as = this.owner) {
    return this.port.recordScores(as, this.projectId, { evaluatorId, reportSha256: doc(`report of ${evaluatorId}`), scores });
  }

  award(bidderId: string, extra: Partial<AwardRequest> = {}, as = this.owner) {
    return this.port.awardBid(as, this.projectId, { bidderId, noticeSha256: doc(`award notice ${this.projectId}`), ...extra });
  }

  signContract(as = this.owner) {
    return this.port.signContract(as, this.projectId, { contractSha256: doc(`contract ${this.projectId}`) });
  }

  release(bidderId: string, amount = DEPOSIT, as = this.owner) {
    return this.port.releaseDeposit(as, this.projectId, bidderId, { amount });
  }

  notarise(request: Omit<NotariseDocumentRequest, 'projectId'>, as = this.owner) {
    return this.port.notariseDocument(as, { ...request, projectId: this.projectId });
  }

  status(as = this.owner): Promise<Doors[D]['status']> {
    return this.port.status(as, this.projectId);
  }

  trail(as = this.owner): Promise<Doors[D]['trail']> {
    return this.port.trail(as, this.projectId);
  }

  /** Ledger time reaches the bid deadline (moved there, or waited for on real time). */
  passDeadline(): Promise<void> {
    return this.clock.reach(this.#deadline);
  }

  reachOpening(): Promise<void> {
    return this.clock.reach(this.#openingTime);
  }

  /** Registers the project and bidders, commits a bid per bidder, appoints the committee and reaches the opening time. */
  async throughBidding(prices: Record<string, number> = PRICES, committee: string[] | null = COMMITTEE): Promise<void> {
    await this.register();
    for (const [bidderId, price] of Object.entries(prices)) await this.bid(bidderId, price);
    if (committee) await this.appointCommittee(committee);
    await this.reachOpening();
  }

  /** Up to opened bids, all valid. */
  async throughOpening(prices: Record<string, number> = PRICES): Promise<void> {
    await this.throughBidding(prices);
    await this.open();
  }

  /** Every evaluator scores every bid not withdrawn; `scoreOf` gives each score (integer hundredths of a point), by default {@link SCORES}. */
  async scoreByCommittee(
    evaluators: string[] = COMMITTEE,
    scoreOf: (evaluatorId: string, bidderId: string) => number = (_e, bidderId) => SCORES[bidderId] ?? 7000,
    bidders = [...this.bids.keys()].filter((bidderId) => !this.#withdrawn.has(bidderId)),
  ): Promise<void> {
    for (const evaluatorId of evaluators) {
      await this.score(
        evaluatorId,
        bidders.map((bidderId) => ({ bidderId, score: scoreOf(evaluatorId, bidderId) })),
      );
    }
  }

  /**
   * A whole tender from registration to the last deposit release: four bidders (one by bank
   * guarantee), a changed bid (BL art. 29), a withdrawal and its refund, the committee's scores,
   * the award, the contract and every remaining deposit returned.
   */
  async wholeTender(): Promise<void> {
    await this.register();
    await this.registerBidder('B1');
    await this.registerBidder('B2', {
      form: 'guarantee',
      amount: DEPOSIT,
      issuer: 'Bank of Guizhou',
      reference: 'BG-1',
      docSha256: doc('letter B2'),
    });
    await this.registerBidder('B3');
    await this.registerBidder('B4');
    await this.commit('B1', 91_000_000);
    await this.commit('B2', 92_000_000);
    await this.commit('B3', 93_000_000);
    await this.commit('B4', 94_000_000);
    await this.commit('B3', 89_000_000);
    await this.withdraw('B4');
    await this.release('B4');
    await this.appointCommittee();
    await this.reachOpening();
    await this.open(this.reveals(['B4']));
    await this.scoreByCommittee(
      COMMITTEE,
      (_e, bidderId) => (({ B1: 8200, B2: 7850, B3: 8800 }) as Record<string, number>)[bidderId] ?? 0,
      ['B1', 'B2', 'B3'],
    );
    await this.award('B3');
    await this.release('B1');
    await this.release('B2');
    await this.signContract();
    await this.release('B3');
  }
}
