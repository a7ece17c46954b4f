import {
  bidCommitment, sha256Hex,
  type AwardRequest, type Deposit, type LedgerRecord, type NotariseDocumentRequest, type ProjectState,
  type RegisterProjectRequest, type ReplaceCommitteeMemberRequest, type Reveal, type Step,
} from '@tender-ledger/domain';
import type { LedgerIdentity } from '@tender-ledger/embedded-ledger';
import type { ContractHost } from './hosts.js';
import { platformA } from './identities.js';

let projectCounter = 0;
// Project ids are unique per run: a Fabric network's ledger outlives a test run.
const RUN = `${Date.now().toString(36)}-${process.pid}`;

/** A document's hash, from a made-up name. */
export const doc = (name: string): string => sha256Hex(`document:${name}`);

/** What a bidder keeps to itself until opening. */
export function sealedBid(projectId: string, bidderId: string, price: number): Reveal & { commitment: string } {
  const reveal = { bidderId, bidFileSha256: doc(`bid file of ${bidderId}`), price, salt: sha256Hex(`salt:${projectId}:${bidderId}:${price}`).slice(0, 32) };
  return { ...reveal, commitment: bidCommitment({ projectId, ...reveal }) };
}

/** The evaluation committee most tests appoint: 5 experts (BL art. 37). */
export const COMMITTEE = ['E1', 'E2', 'E3', 'E4', 'E5'];

export const ESTIMATED_PRICE = 100_000_000; // 1,000,000 yuan in fen
export const DEPOSIT = 2_000_000; // exactly 2%

/** Drives one project through the contract's steps as its owning platform. */
export class Tender {
  readonly projectId: string;
  readonly bids = new Map<string, Reveal & { commitment: string }>();

  constructor(readonly host: ContractHost, readonly owner: LedgerIdentity = platformA, projectId?: string) {
    this.projectId = projectId ?? `P-${RUN}-${++projectCounter}`;
  }

  projectRequest(overrides: Partial<RegisterProjectRequest> = {}): RegisterProjectRequest {
    // Relative to the host's now: a week ahead on a clock the test moves, seconds ahead on real time.
    const bidDeadline = this.host.clock.iso(this.host.clock.deadlineLead());
    return {
      projectId: this.projectId,
      name: 'Road resurfacing, Zhongshan district',
      category: 'construction',
      tenderer: 'City Transport Bureau',
      estimatedPrice: ESTIMATED_PRICE,
      depositAmount: DEPOSIT,
      bidDeadline,
      openingTime: new Date(Date.parse(bidDeadline) + this.host.clock.openingGap).toISOString(),
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
  #deadline = 0;
  #openingTime = 0;

  async #step<S extends Step>(fn: string, as: LedgerIdentity, ...args: string[]): Promise<LedgerRecord<S>> {
    return JSON.parse(await this.host.submit(as, fn, ...args)) as LedgerRecord<S>;
  }

  async register(overrides: Partial<RegisterProjectRequest> = {}, as = this.owner) {
    const request = this.projectRequest(overrides);
    const record = await this.#step<'ProjectRegistered'>('registerProject', as, JSON.stringify(request));
    this.#deadline = Date.parse(request.bidDeadline);
    this.#openingTime = Date.parse(request.openingTime);
    return record;
  }

  registerBidder(bidderId: string, deposit: Deposit = { form: 'cash', amount: DEPOSIT }, as = this.owner) {
    return this.#step<'BidderRegistered'>('registerBidder', as, this.projectId, JSON.stringify({ bidderId, deposit }));
  }

  /** Seals a bid at `price` and commits it. */
  commit(bidderId: string, price: number, as = this.owner) {
    const bid = sealedBid(this.projectId, bidderId, price);
    this.bids.set(bidderId, bid);
    return this.#step<'BidCommitted'>('commitBid', as, this.projectId, JSON.stringify({ bidderId, commitment: bid.commitment }));
  }

  withdraw(bidderId: string, as = this.owner) {
    return this.#step<'BidWithdrawn'>('withdrawBid', as, this.projectId, bidderId);
  }

  closeBidding(as = this.owner) {
    return this.#step<'BiddingClosed'>('closeBidding', as, this.projectId);
  }

  /** The reveals of every bid committed through this driver (the last commitment of each bidder). */
  reveals(except: string[] = []): Reveal[] {
    return [...this.bids.values()].filter((b) => !except.includes(b.bidderId))
      .map(({ bidderId, bidFileSha256, price, salt }) => ({ bidderId, bidFileSha256, price, salt }));
  }

  /** Appoints the evaluation committee (by default {@link COMMITTEE}) with the hash of its draw record. */
  appointCommittee(members: string[] = COMMITTEE, as = this.owner) {
    return this.#step<'CommitteeAppointed'>('appointCommittee', as, this.projectId,
      JSON.stringify({ members, appointmentDocSha256: doc(`expert draw of ${this.projectId}`) }));
  }

  /** Replaces a member for a stated reason (IR art. 48). */
  replaceMember(memberId: string, replacementId: string, extra: Partial<ReplaceCommitteeMemberRequest> = {}, as = this.owner) {
    return this.#step<'CommitteeMemberReplaced'>('replaceCommitteeMember', as, this.projectId, JSON.stringify({
      memberId, replacementId, reason: `${memberId} declared a conflict of interest`, reasonDocSha256: doc(`recusal of ${memberId}`), ...extra,
    }));
  }

  open(reveals: Reveal[] = this.reveals(), as = this.owner) {
    return this.#step<'BidsOpened' | 'TenderFailed'>('openBids', as, this.projectId, JSON.stringify({ reveals }));
  }

  score(evaluatorId: string, scores: { bidderId: string; score: number }[], as = this.owner) {
    return this.#step<'ScoresRecorded'>('recordScores', as, this.projectId,
      JSON.stringify({ evaluatorId, reportSha256: doc(`report of ${evaluatorId}`), scores }));
  }

  award(bidderId: string, extra: Partial<AwardRequest> = {}, as = this.owner) {
    return this.#step<'BidAwarded'>('awardBid', as, this.projectId, JSON.stringify({ bidderId, noticeSha256: doc(`award notice ${this.projectId}`), ...extra }));
  }

  signContract(as = this.owner) {
    return this.#step<'ContractSigned'>('signContract', as, this.projectId, JSON.stringify({ contractSha256: doc(`contract ${this.projectId}`) }));
  }

  release(bidderId: string, amount = DEPOSIT, as = this.owner) {
    return this.#step<'DepositReleased'>('releaseDeposit', as, this.projectId, bidderId, JSON.stringify({ amount }));
  }

  notarise(request: Omit<NotariseDocumentRequest, 'projectId'>, as = this.owner) {
    return this.#step<'DocumentNotarised'>('notariseDocument', as, JSON.stringify({ ...request, projectId: this.projectId }));
  }

  async status(as: LedgerIdentity = this.owner): Promise<ProjectState> {
    return JSON.parse(await this.host.evaluate(as, 'getProjectStatus', this.projectId)) as ProjectState;
  }

  async trail(as: LedgerIdentity = this.owner): Promise<{ complete: boolean; records: LedgerRecord[] }> {
    return JSON.parse(await this.host.evaluate(as, 'getTrail', this.projectId)) as { complete: boolean; records: LedgerRecord[] };
  }

  /** Ledger time reaches the bid deadline (moved there, or waited for on real time). */
  passDeadline(): Promise<void> {
    return this.host.clock.reach(this.#deadline);
  }

  reachOpening(): Promise<void> {
    return this.host.clock.reach(this.#openingTime);
  }

  /** Registers the project and bidders, commits a bid per bidder, appoints the committee and reaches the opening time. */
  async throughBidding(prices: Record<string, number>, committee: string[] | null = COMMITTEE): Promise<void> {
    await this.register();
    for (const [bidderId, price] of Object.entries(prices)) {
      await this.registerBidder(bidderId);
      await this.commit(bidderId, price);
    }
    if (committee) await this.appointCommittee(committee);
    await this.reachOpening();
  }

  /** Up to opened bids, all valid. */
  async throughOpening(prices: Record<string, number> = { B1: 9_000_000_0, B2: 9_500_000_0, B3: 9_800_000_0 }): Promise<void> {
    await this.throughBidding(prices);
    await this.open();
  }

  /** Every evaluator scores every bid; `scoreOf` gives each score (integer hundredths of a point). */
  async scoreByCommittee(evaluators: string[], scoreOf: (evaluatorId: string, bidderId: string) => number, bidders = [...this.bids.keys()]): Promise<void> {
    for (const evaluatorId of evaluators) {
      await this.score(evaluatorId, bidders.map((bidderId) => ({ bidderId, score: scoreOf(evaluatorId, bidderId) })));
    }
  }
}

