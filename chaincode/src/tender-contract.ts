import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import {
  AppointCommitteeRequest,
  AwardRequest,
  BIDDER_ID_ATTRIBUTE,
  BIDDER_ID_TRANSIENT,
  CommitBidRequest,
  GENESIS_HASH,
  LedgerError,
  MIN_BIDS,
  MIN_COMMITTEE,
  NotariseDocumentRequest,
  OpenBidsRequest,
  RecordScoresRequest,
  RegisterBidderRequest,
  RegisterProjectRequest,
  ReleaseDepositRequest,
  ReplaceCommitteeMemberRequest,
  SEALED_STEPS,
  SignContractRequest,
  Identifier,
  Sha256Hex,
  assertSchema,
  bidCommitment,
  bidderRecords,
  checkChain,
  depositWithinLimit,
  isDisclosed,
  isRegulatorMsp,
  isResultDecided,
  parseArgument,
  publicProjectStatus,
  publicRecordView,
  rankBids,
  sealRecordText,
  bidLeafData,
  compareIds,
  type Actor,
  type BiddingSeal,
  type ChainHead,
  type LedgerRecord,
  type OpenedBid,
  type PayloadByStep,
  type ProjectState,
  type ReleaseBasis,
  type SealedRecord,
  type Step,
} from '@tender-ledger/domain';
import { MemoryTree, leafHash, rootOfLeaves, toHex } from '@tender-ledger/tlog';
import {
  actorOf,
  isBidderProxy,
  ledgerTime,
  peerClock,
  recordById,
  refuseClockSkew,
  refuseForeignCorrection,
  storeRecord,
  writerOf,
} from './evidence.js';
import { BUCKET_INDEX, PREFIX_INDEX, batchLeaves, bucketNames, bucketOf } from './batch-store.js';
import { bindProjectOwner, protectProjectWrites } from './endorsement.js';
import {
  keys,
  readAllJson,
  readJson,
  writeJson,
  type BiddingClosedState,
  type BidderState,
  type CommitteeState,
  type ProjectTerms,
  type ScoreState,
} from './state.js';

/** ` at <instant>` for a refusal's message, or nothing where the state holds no instant (never "at undefined"). */
const atTime = (instant: string | undefined): string => (instant === undefined ? '' : ` at ${instant}`);

/** The refusal each deadline-bound step gives once the bid deadline has passed. */
type DeadlineCode = 'REGISTRATION_AFTER_DEADLINE' | 'BID_AFTER_DEADLINE' | 'WITHDRAWAL_AFTER_DEADLINE';

/**
 * Records every step of a public tender as append-only evidence and refuses any step that
 * breaks the tender rules (see DOMAIN.md for each rule's legal source). Every endorsing
 * organisation runs these checks, so no single platform can bend them.
 *
 * Arguments are JSON strings validated against the shared schemas; every refusal is a
 * {@link LedgerError} whose message starts with its stable code.
 */
@Info({
  title: 'TenderContract',
  description: 'Tender evidence: registration, sealed bids, opening, evaluation, award, contract, deposits',
})
export class TenderContract extends Contract {
  constructor() {
    super('tender');
  }

  /** Trusted time (DOMAIN rule 12): see {@link refuseClockSkew}. */
  override async beforeTransaction(ctx: Context): Promise<void> {
    refuseClockSkew(ctx);
  }

  /** Every key a step wrote gets its project's endorsement policy (see endorsement.ts). */
  override async afterTransaction(ctx: Context): Promise<void> {
    await protectProjectWrites(ctx);
  }

  // ---------------------------------------------------------------- steps

  @Transaction()
  @Param('request', 'string', 'RegisterProjectRequest as JSON')
  @Returns('string')
  async registerProject(ctx: Context, request: string): Promise<string> {
    const actor = this.#writer(ctx);
    const req = parseArgument(RegisterProjectRequest, request, 'request');
    if (await readJson(ctx, keys.project(ctx, req.projectId))) {
      throw new LedgerError('PROJECT_EXISTS', `project ${req.projectId} is already registered`);
    }
    const now = this.#now(ctx);
    if (Date.parse(req.bidDeadline) <= Date.parse(now)) {
      throw new LedgerError('BID_DEADLINE_PASSED', `bid deadline ${req.bidDeadline} is not after ledger time ${now}`);
    }
    // BL art. 34: bids are opened at the deadline or later, never before.
    if (Date.parse(req.openingTime) < Date.parse(req.bidDeadline)) {
      throw new LedgerError('OPENING_BEFORE_DEADLINE', `opening time ${req.openingTime} is before the bid deadline ${req.bidDeadline}`);
    }
    // IR art. 26: the deposit is at most 2% of the estimated price.
    if (!depositWithinLimit(req.depositAmount, req.estimatedPrice)) {
      throw new LedgerError('DEPOSIT_ABOVE_LIMIT', `deposit ${req.depositAmount} fen exceeds 2% of ${req.estimatedPrice} fen`);
    }
    bindProjectOwner(ctx, actor.mspId);
    const project: ProjectState = {
      ...req,
      owner: actor,
      status: 'bidding',
      registeredAt: now,
      head: { seq: 0, hash: GENESIS_HASH, recordId: '' },
      bidders: 0,
      liveBids: 0,
    };
    await writeJson(ctx, keys.terms(ctx, req.projectId), {
      projectId: req.projectId,
      owner: actor,
      bidDeadline: req.bidDeadline,
      depositAmount: req.depositAmount,
      estimatedPrice: req.estimatedPrice,
    } satisfies ProjectTerms);
    return this.#append(ctx, project, 'ProjectRegistered', { ...req });
  }

  @Transaction()
  @Param('projectId', 'string')
  @Param('request', 'string', 'RegisterBidderRequest as JSON')
  @Returns('string')
  async registerBidder(ctx: Context, projectId: string, request: string): Promise<string> {
    // Bidding steps read only the terms, the close key and the bidder's own keys: never a key
    // another bidder's step writes, so concurrent bids do not conflict (and the project's state,
    // with its chain head, is not touched until the opening).
    const project = await this.#ownTerms(ctx, projectId);
    const req = parseArgument(RegisterBidderRequest, request, 'request');
    // A failed tender has its close key (written by the opening), so this covers TENDER_FAILED's place.
    await this.#refuseAfterDeadline(ctx, project, 'REGISTRATION_AFTER_DEADLINE');
    const now = this.#now(ctx);
    if (await readJson(ctx, keys.bidder(ctx, projectId, req.bidderId))) {
      throw new LedgerError('BIDDER_EXISTS', `bidder ${req.bidderId} is already registered`);
    }
    if (req.deposit.amount < project.depositAmount) {
      throw new LedgerError(
        'DEPOSIT_INSUFFICIENT',
        `deposit ${req.deposit.amount} fen is less than the required ${project.depositAmount} fen`,
      );
    }
    if (!depositWithinLimit(req.deposit.amount, project.estimatedPrice)) {
      throw new LedgerError('DEPOSIT_ABOVE_LIMIT', `deposit ${req.deposit.amount} fen exceeds 2% of ${project.estimatedPrice} fen`);
    }
    const genesis: ChainHead = { seq: 0, hash: GENESIS_HASH, recordId: '' };
    const sealed = this.#newBidderRecord(ctx, projectId, req.bidderId, genesis, 'BidderRegistered', {
      bidderId: req.bidderId,
      deposit: req.deposit,
    });
    await writeJson(ctx, keys.bidderProject(ctx, req.bidderId, projectId), projectId);
    return this.#commitBidder(ctx, { projectId, bidderId: req.bidderId, deposit: req.deposit, registeredAt: now, head: genesis }, sealed);
  }

  @Transaction()
  @Param('projectId', 'string')
  @Param('request', 'string', 'CommitBidRequest as JSON')
  @Returns('string')
  async commitBid(ctx: Context, projectId: string, request: string): Promise<string> {
    const project = await this.#ownTerms(ctx, projectId);
    const req = parseArgument(CommitBidRequest, request, 'request');
    const bidder = await this.#bidder(ctx, project, req.bidderId);
    // BL art. 28: a bid that arrives after the deadline is refused.
    await this.#refuseAfterDeadline(ctx, project, 'BID_AFTER_DEADLINE');
    const now = this.#now(ctx);
    if (bidder.withdrawn) {
      throw new LedgerError('BID_WITHDRAWN', `bidder ${req.bidderId} withdrew its bid`);
    }
    const sealed = this.#newBidderRecord(ctx, projectId, req.bidderId, bidder.head, 'BidCommitted', {
      bidderId: req.bidderId,
      commitment: req.commitment,
      // BL art. 29: a later commitment before the deadline supersedes the earlier one.
      ...(bidder.bid ? { supersedes: bidder.bid.recordId } : {}),
    });
    return this.#commitBidder(
      ctx,
      {
        ...bidder,
        bid: { commitment: req.commitment, recordId: sealed.record.recordId, hash: sealed.record.hash, committedAt: now },
      },
      sealed,
    );
  }

  @Transaction()
  @Param('projectId', 'string')
  @Param('bidderId', 'string')
  @Returns('string')
  async withdrawBid(ctx: Context, projectId: string, bidderId: string): Promise<string> {
    const project = await this.#ownTerms(ctx, projectId);
    assertSchema(Identifier, bidderId, 'bidderId');
    const bidder = await this.#bidder(ctx, project, bidderId);
    // BL art. 29: withdrawal only before the deadline.
    await this.#refuseAfterDeadline(ctx, project, 'WITHDRAWAL_AFTER_DEADLINE');
    const now = this.#now(ctx);
    if (bidder.withdrawn) {
      throw new LedgerError('BID_WITHDRAWN', `bidder ${bidderId} already withdrew its bid`);
    }
    if (!bidder.bid) {
      throw new LedgerError('BID_NOT_FOUND', `bidder ${bidderId} has no bid to withdraw`);
    }
    const sealed = this.#newBidderRecord(ctx, projectId, bidderId, bidder.head, 'BidWithdrawn', {
      bidderId,
      commitmentRecordId: bidder.bid.recordId,
    });
    return this.#commitBidder(ctx, { ...bidder, withdrawn: { recordId: sealed.record.recordId, withdrawnAt: now } }, sealed);
  }

  /**
   * Records the evaluation committee, drawn at random from the expert database before the
   * evaluation (IR art. 46), with the hash of the draw record. It is appointed before the bids
   * are opened, so no member is chosen knowing who bid or at what price; only its members score.
   */
  @Transaction()
  @Param('projectId', 'string')
  @Param('request', 'string', 'AppointCommitteeRequest as JSON')
  @Returns('string')
  async appointCommittee(ctx: Context, projectId: string, request: string): Promise<string> {
    const project = await this.#ownProject(ctx, projectId);
    const req = parseArgument(AppointCommitteeRequest, request, 'request');
    this.#refuseIfFailed(project);
    if (project.status !== 'bidding') {
      throw new LedgerError('COMMITTEE_AFTER_OPENING', `the bids of ${projectId} were opened${atTime(project.openedAt)}`);
    }
    const existing = await this.#committee(ctx, projectId);
    if (existing) {
      throw new LedgerError('COMMITTEE_EXISTS', `the committee of ${projectId} was appointed by record ${existing.recordId}`);
    }
    // BL art. 37: 5 or more members, an odd number.
    if (req.members.length < MIN_COMMITTEE) {
      throw new LedgerError('COMMITTEE_TOO_SMALL', `${req.members.length} members; at least ${MIN_COMMITTEE} are needed`);
    }
    if (req.members.length % 2 === 0) {
      throw new LedgerError('COMMITTEE_NOT_ODD', `${req.members.length} members; the committee must be odd`);
    }
    const sealed = this.#newRecord(ctx, project, 'CommitteeAppointed', {
      members: req.members,
      appointmentDocSha256: req.appointmentDocSha256,
    });
    await writeJson(ctx, keys.committee(ctx, projectId), {
      projectId,
      members: req.members,
      former: [],
      appointmentDocSha256: req.appointmentDocSha256,
      recordId: sealed.record.recordId,
    } satisfies CommitteeState);
    return this.#commit(ctx, project, sealed);
  }

  /**
   * Replaces a member for a stated reason with its document (IR art. 48), before or during the
   * evaluation but only while that member has not scored: scores already given cannot be
   * disowned by swapping out the one who gave them.
   */
  @Transaction()
  @Param('projectId', 'string')
  @Param('request', 'string', 'ReplaceCommitteeMemberRequest as JSON')
  @Returns('string')
  async replaceCommitteeMember(ctx: Context, projectId: string, request: string): Promise<string> {
    const project = await this.#ownProject(ctx, projectId);
    const req = parseArgument(ReplaceCommitteeMemberRequest, request, 'request');
    this.#refuseIfFailed(project);
    if (project.status !== 'bidding' && project.status !== 'opened') {
      throw new LedgerError('ALREADY_AWARDED', `project ${projectId} was awarded${atTime(project.award?.awardedAt)}`);
    }
    const committee = await this.#appointedCommittee(ctx, projectId);
    if (!committee.members.includes(req.memberId)) {
      throw new LedgerError('NOT_COMMITTEE_MEMBER', `${req.memberId} is not a member of the committee of ${projectId}`);
    }
    const scores = await readAllJson<ScoreState>(ctx, 'score', [projectId]);
    if (scores.some((s) => s.evaluatorId === req.memberId)) {
      throw new LedgerError('MEMBER_HAS_SCORED', `${req.memberId} has already scored`);
    }
    // A member replaced for cause does not come back, and nobody holds two seats.
    if (committee.members.includes(req.replacementId) || committee.former.includes(req.replacementId)) {
      throw new LedgerError('ALREADY_COMMITTEE_MEMBER', `${req.replacementId} is or was already a member of the committee`);
    }
    const sealed = this.#newRecord(ctx, project, 'CommitteeMemberReplaced', { ...req });
    await writeJson(ctx, keys.committee(ctx, projectId), {
      ...committee,
      members: committee.members.map((m) => (m === req.memberId ? req.replacementId : m)),
      former: [...committee.former, req.memberId],
    } satisfies CommitteeState);
    return this.#commit(ctx, project, sealed);
  }

  /**
   * Closes bidding at the deadline. Every deadline-bound step reads the close key, so a
   * registration, commitment or withdrawal endorsed before the deadline but held back and sent
   * for ordering after the close is invalidated by Fabric's read-set (MVCC) check: it cannot
   * commit after it. The owning platform's gateway sends it at the deadline; a regulator may
   * send it too, since the platform that holds a proposal back is the one party that would not.
   * It fixes only what the deadline already fixed, so it is the one step a regulator writes.
   */
  @Transaction()
  @Param('projectId', 'string')
  @Returns('string')
  async closeBidding(ctx: Context, projectId: string): Promise<string> {
    const project = await this.#projectForClose(ctx, projectId);
    const closed = await readJson<BiddingClosedState>(ctx, keys.biddingClosed(ctx, projectId));
    if (closed || project.status !== 'bidding') {
      throw new LedgerError(
        'BIDDING_ALREADY_CLOSED',
        `bidding of ${projectId} closed${atTime(closed?.closedAt ?? project.biddingClosedAt ?? project.openedAt ?? project.failedAt)}`,
      );
    }
    const now = this.#now(ctx);
    const deadline = Date.parse(project.bidDeadline);
    if (Date.parse(now) < deadline) {
      throw new LedgerError('BIDDING_STILL_OPEN', `ledger time ${now} is before the bid deadline ${project.bidDeadline}`);
    }
    const peerNow = this.#peerClock(ctx);
    if (peerNow !== undefined && peerNow < deadline) {
      throw new LedgerError(
        'BIDDING_STILL_OPEN',
        `the endorsing peer's clock ${new Date(peerNow).toISOString()} is before the bid deadline ${project.bidDeadline}`,
      );
    }
    const sealed = this.#newRecord(ctx, project, 'BiddingClosed', { bidDeadline: project.bidDeadline });
    await writeJson(ctx, keys.biddingClosed(ctx, projectId), {
      closedAt: now,
      recordId: sealed.record.recordId,
    } satisfies BiddingClosedState);
    return this.#commit(ctx, { ...project, biddingClosedAt: now }, sealed);
  }

  @Transaction()
  @Param('projectId', 'string')
  @Param('request', 'string', 'OpenBidsRequest as JSON')
  @Returns('string')
  async openBids(ctx: Context, projectId: string, request: string): Promise<string> {
    const project = await this.#ownProject(ctx, projectId);
    const req = parseArgument(OpenBidsRequest, request, 'request');
    this.#refuseIfFailed(project);
    if (project.status !== 'bidding') {
      throw new LedgerError('ALREADY_OPENED', `project ${projectId} was opened${atTime(project.openedAt)}`);
    }
    const now = this.#now(ctx);
    if (Date.parse(now) < Date.parse(project.openingTime)) {
      throw new LedgerError('OPENING_TOO_EARLY', `ledger time ${now} is before the opening time ${project.openingTime}`);
    }
    // The opening closes bidding if nobody did at the deadline (the opening time is not before it).
    const closedAt = project.biddingClosedAt ?? now;
    const closedState = (await readJson<BiddingClosedState>(ctx, keys.biddingClosed(ctx, projectId))) ?? {
      closedAt,
      recordId: ctx.stub.getTxID(),
    };
    await writeJson(ctx, keys.biddingClosed(ctx, projectId), closedState);
    const bidders = await readAllJson<BidderState>(ctx, 'bidder', [projectId]);
    const live = bidders.filter((b) => b.bid && !b.withdrawn);
    const seal = this.#seal(bidders).seal;
    const counts = { bidders: bidders.length, liveBids: live.length, openingRecordId: ctx.stub.getTxID() };
    const reveals = new Map<string, (typeof req.reveals)[number]>();
    for (const reveal of req.reveals) {
      if (reveals.has(reveal.bidderId)) {
        throw new LedgerError('INVALID_ARGUMENT', `request: /reveals names bidder ${reveal.bidderId} twice`);
      }
      if (!live.some((b) => b.bidderId === reveal.bidderId)) {
        throw new LedgerError('REVEAL_WITHOUT_BID', `bidder ${reveal.bidderId} has no live bid`);
      }
      reveals.set(reveal.bidderId, reveal);
    }
    // IR art. 44: fewer than 3 bids and the tender is not opened; the seals stay unbroken.
    if (live.length < MIN_BIDS) {
      // Bidding steps read only the close key, not the project: it tells them the tender failed.
      await writeJson(ctx, keys.biddingClosed(ctx, projectId), { ...closedState, failedAt: now } satisfies BiddingClosedState);
      const sealed = this.#newRecord(ctx, project, 'TenderFailed', {
        reason: 'TOO_FEW_BIDS',
        liveBids: live.length,
        minimumBids: MIN_BIDS,
        ...seal,
      });
      return this.#commit(ctx, { ...project, ...counts, status: 'failed', failedAt: now, biddingClosedAt: closedAt }, sealed);
    }
    // IR art. 46: the committee is formed before the evaluation; once bids are opened it can no
    // longer be chosen blind to them, so an opening that leads to evaluation needs it already.
    if (!(await this.#committee(ctx, projectId))) {
      throw new LedgerError('COMMITTEE_NOT_APPOINTED', `appoint the evaluation committee of ${projectId} before opening its bids`);
    }
    const bids: OpenedBid[] = live.map((bidder) => {
      const commitment = bidder.bid?.commitment ?? '';
      const reveal = reveals.get(bidder.bidderId);
      if (!reveal) {
        return { bidderId: bidder.bidderId, commitment, outcome: 'NOT_REVEALED' };
      }
      const { bidFileSha256, price, salt } = reveal;
      // Product rule: what is opened must be what was sealed, else the bid is invalid.
      const matches = bidCommitment({ projectId, bidderId: bidder.bidderId, bidFileSha256, price, salt }) === commitment;
      return { bidderId: bidder.bidderId, commitment, outcome: matches ? 'VALID' : 'REVEAL_MISMATCH', bidFileSha256, price, salt };
    });
    const sealed = this.#newRecord(ctx, project, 'BidsOpened', { bids, ...seal });
    for (const bid of bids) {
      const bidder = live.find((b) => b.bidderId === bid.bidderId) as BidderState;
      await writeJson(ctx, keys.bidder(ctx, projectId, bid.bidderId), {
        ...bidder,
        opened: { outcome: bid.outcome, ...(bid.outcome === 'VALID' ? { price: bid.price } : {}) },
      } satisfies BidderState);
    }
    return this.#commit(ctx, { ...project, ...counts, status: 'opened', openedAt: now, biddingClosedAt: closedAt }, sealed);
  }

  @Transaction()
  @Param('projectId', 'string')
  @Param('request', 'string', 'RecordScoresRequest as JSON')
  @Returns('string')
  async recordScores(ctx: Context, projectId: string, request: string): Promise<string> {
    const project = await this.#ownProject(ctx, projectId);
    const req = parseArgument(RecordScoresRequest, request, 'request');
    this.#refuseUnlessOpened(project);
    // Only the appointed committee scores (IR art. 46): the owner cannot add evaluators until the ranking suits it.
    const committee = await this.#appointedCommittee(ctx, projectId);
    if (!committee.members.includes(req.evaluatorId)) {
      throw new LedgerError('NOT_COMMITTEE_MEMBER', `${req.evaluatorId} is not a member of the committee of ${projectId}`);
    }
    const seen = new Set<string>();
    for (const { bidderId } of req.scores) {
      const bidder = await readJson<BidderState>(ctx, keys.bidder(ctx, projectId, bidderId));
      // BL art. 37 / product rule: only valid opened bids are evaluated.
      if (bidder?.opened?.outcome !== 'VALID') {
        throw new LedgerError('SCORE_FOR_INVALID_BID', `bidder ${bidderId} has no valid opened bid`);
      }
      if (seen.has(bidderId) || (await readJson(ctx, keys.score(ctx, projectId, bidderId, req.evaluatorId)))) {
        throw new LedgerError('SCORE_DUPLICATE', `evaluator ${req.evaluatorId} already scored bidder ${bidderId}`);
      }
      seen.add(bidderId);
    }
    const sealed = this.#newRecord(ctx, project, 'ScoresRecorded', { ...req });
    for (const { bidderId, score } of req.scores) {
      await writeJson(ctx, keys.score(ctx, projectId, bidderId, req.evaluatorId), {
        evaluatorId: req.evaluatorId,
        bidderId,
        score,
        recordId: sealed.record.recordId,
      } satisfies ScoreState);
    }
    return this.#commit(ctx, project, sealed);
  }

  @Transaction()
  @Param('projectId', 'string')
  @Param('request', 'string', 'AwardRequest as JSON')
  @Returns('string')
  async awardBid(ctx: Context, projectId: string, request: string): Promise<string> {
    const project = await this.#ownProject(ctx, projectId);
    const req = parseArgument(AwardRequest, request, 'request');
    this.#refuseUnlessOpened(project);
    const bidders = await readAllJson<BidderState>(ctx, 'bidder', [projectId]);
    const valid = bidders.filter((b) => b.opened?.outcome === 'VALID');
    const scores = await readAllJson<ScoreState>(ctx, 'score', [projectId]);
    const winner = valid.find((b) => b.bidderId === req.bidderId);
    if (!winner || !scores.some((s) => s.bidderId === req.bidderId)) {
      throw new LedgerError('AWARD_TO_UNSCORED_BID', `bidder ${req.bidderId} has no valid, scored bid`);
    }
    const committee = await this.#appointedCommittee(ctx, projectId);
    // BL art. 37 (checked at appointment) / product rule: every member scores every valid bid,
    // so the ranking is the whole committee's and totals compare as means do.
    for (const evaluatorId of committee.members) {
      for (const bid of valid) {
        if (!scores.some((s) => s.evaluatorId === evaluatorId && s.bidderId === bid.bidderId)) {
          throw new LedgerError('SCORING_INCOMPLETE', `member ${evaluatorId} has not scored bidder ${bid.bidderId}`);
        }
      }
    }
    const ranking = rankBids(
      valid.map((b) => ({ bidderId: b.bidderId, price: b.opened?.price ?? 0 })),
      scores,
    );
    const firstRanked = ranking.find((r) => r.bidderId === req.bidderId)?.rank === 1;
    const tiedFirst = ranking.filter((r) => r.rank === 1).map((r) => r.bidderId);
    const explained = req.reason !== undefined && req.reasonDocSha256 !== undefined;
    // IR art. 55: the first-ranked candidate wins; any other choice carries a reason on the record.
    if (!firstRanked && !explained) {
      throw new LedgerError('AWARD_NOT_FIRST_RANKED', `bidder ${req.bidderId} is not first-ranked; give reason and reasonDocSha256`);
    }
    // IR art. 55 names no winner among equals: picking one of them is a choice that needs its reason too.
    if (firstRanked && tiedFirst.length > 1 && !explained) {
      throw new LedgerError(
        'AWARD_TIE_NEEDS_REASON',
        `bidders ${tiedFirst.join(', ')} tie for the first rank; give reason and reasonDocSha256`,
      );
    }
    const price = winner.opened?.price ?? 0;
    const sealed = this.#newRecord(ctx, project, 'BidAwarded', {
      bidderId: req.bidderId,
      price,
      noticeSha256: req.noticeSha256,
      ranking,
      committee: [...committee.members].sort(),
      firstRanked,
      ...(tiedFirst.length > 1 ? { tiedFirst } : {}),
      ...(req.reason ? { reason: req.reason } : {}),
      ...(req.reasonDocSha256 ? { reasonDocSha256: req.reasonDocSha256 } : {}),
    });
    return this.#commit(
      ctx,
      {
        ...project,
        status: 'awarded',
        award: { bidderId: req.bidderId, price, awardedAt: sealed.record.txTime, recordId: sealed.record.recordId },
      },
      sealed,
    );
  }

  @Transaction()
  @Param('projectId', 'string')
  @Param('request', 'string', 'SignContractRequest as JSON')
  @Returns('string')
  async signContract(ctx: Context, projectId: string, request: string): Promise<string> {
    const project = await this.#ownProject(ctx, projectId);
    const req = parseArgument(SignContractRequest, request, 'request');
    this.#refuseIfFailed(project);
    if (project.status === 'contracted') {
      throw new LedgerError('CONTRACT_EXISTS', `the contract of ${projectId} was recorded${atTime(project.contract?.signedAt)}`);
    }
    if (project.status !== 'awarded' || !project.award) {
      throw new LedgerError('CONTRACT_BEFORE_AWARD', `project ${projectId} has not been awarded`);
    }
    const sealed = this.#newRecord(ctx, project, 'ContractSigned', {
      bidderId: project.award.bidderId,
      contractSha256: req.contractSha256,
    });
    return this.#commit(
      ctx,
      {
        ...project,
        status: 'contracted',
        contract: { contractSha256: req.contractSha256, signedAt: sealed.record.txTime, recordId: sealed.record.recordId },
      },
      sealed,
    );
  }

  @Transaction()
  @Param('projectId', 'string')
  @Param('bidderId', 'string')
  @Param('request', 'string', 'ReleaseDepositRequest as JSON')
  @Returns('string')
  async releaseDeposit(ctx: Context, projectId: string, bidderId: string, request: string): Promise<string> {
    const project = await this.#ownProject(ctx, projectId);
    assertSchema(Identifier, bidderId, 'bidderId');
    const req = parseArgument(ReleaseDepositRequest, request, 'request');
    const bidder = await this.#bidder(ctx, project, bidderId);
    if (bidder.released) {
      throw new LedgerError('DEPOSIT_ALREADY_RELEASED', `bidder ${bidderId}'s deposit was released at ${bidder.released.releasedAt}`);
    }
    const basis = this.#releaseBasis(project, bidder);
    if (req.amount > bidder.deposit.amount) {
      throw new LedgerError('RELEASE_ABOVE_DEPOSIT', `release of ${req.amount} fen exceeds the ${bidder.deposit.amount} fen paid`);
    }
    const sealed = this.#newRecord(ctx, project, 'DepositReleased', {
      bidderId,
      form: bidder.deposit.form,
      paid: bidder.deposit.amount,
      amount: req.amount,
      ...(req.interest !== undefined ? { interest: req.interest } : {}),
      basis,
    });
    await writeJson(ctx, keys.bidder(ctx, projectId, bidderId), {
      ...bidder,
      released: { amount: req.amount, recordId: sealed.record.recordId, releasedAt: sealed.record.txTime },
    } satisfies BidderState);
    return this.#commit(ctx, project, sealed);
  }

  /**
   * A document of a project (announcement, clarification, complaint, archive), linked into the
   * project's chain; documents may follow any step, even a failed tender. A document of no
   * project is notarised by `NotaryContract` (`notary:notariseDocument`).
   */
  @Transaction()
  @Param('request', 'string', 'NotariseDocumentRequest as JSON, with its projectId')
  @Returns('string')
  async notariseDocument(ctx: Context, request: string): Promise<string> {
    const actor = writerOf(ctx);
    const req = parseArgument(NotariseDocumentRequest, request, 'request');
    const { projectId, ...document } = req;
    if (projectId === undefined) {
      throw new LedgerError(
        'INVALID_ARGUMENT',
        'request: /projectId is required here; a standalone document goes to notary:notariseDocument',
      );
    }
    const project = await this.#ownProject(ctx, projectId);
    if (document.corrects !== undefined) await refuseForeignCorrection(ctx, document.corrects, projectId, actor);
    return this.#append(ctx, project, 'DocumentNotarised', document);
  }

  // ---------------------------------------------------------------- queries

  /**
   * A project's whole trail in order. The public sees no bidder of a sealed tender, nor how
   * many (BL art. 22), and no committee member before the award (IR art. 46). `complete` says
   * that no record is withheld; a listed record may still be `redacted`. `chainValid` is the
   * check of the whole chain, made here over every record, so a caller shown only part of a
   * sealed trail still learns whether the whole of it holds, and nothing more.
   */
  @Transaction(false)
  @Param('projectId', 'string')
  @Returns('string')
  async getTrail(ctx: Context, projectId: string): Promise<string> {
    const project = await this.#project(ctx, projectId);
    const records = await this.#records(ctx, projectId);
    const chainValid = checkChain(records, (leaves) => toHex(rootOfLeaves(leaves.map((l) => leafHash(l))))).valid;
    if (this.#privileged(ctx, project) || isResultDecided(project.status)) {
      return JSON.stringify({ projectId, complete: true, records, chainValid });
    }
    const complete = isDisclosed(project.status);
    const visible = complete ? records : records.filter((r) => !SEALED_STEPS.has(r.step));
    return JSON.stringify({ projectId, complete, records: visible.map((r) => publicRecordView(r, project.status)), chainValid });
  }

  /**
   * One bidder's records in a project ({@link bidderRecords}). The bidder itself, the owning
   * platform and regulators read them at any time; anyone else only once the bids are opened
   * (BL art. 22), and a bidder never reads another bidder's records.
   */
  @Transaction(false)
  @Param('projectId', 'string')
  @Param('bidderId', 'string')
  @Returns('string')
  async getBidderRecords(ctx: Context, projectId: string, bidderId: string): Promise<string> {
    const project = await this.#project(ctx, projectId);
    assertSchema(Identifier, bidderId, 'bidderId');
    const speaksFor = this.#bidderOf(ctx, project);
    if (speaksFor !== undefined && speaksFor !== bidderId) {
      throw new LedgerError('FORBIDDEN', 'a bidder reads only its own records');
    }
    const records = await this.#records(ctx, projectId);
    if (speaksFor === bidderId || this.#privileged(ctx, project) || isResultDecided(project.status)) {
      return JSON.stringify({ projectId, bidderId, records: bidderRecords(records, bidderId) });
    }
    if (!isDisclosed(project.status)) {
      throw new LedgerError('FORBIDDEN', 'only the bidder, the owning platform and regulators read a sealed bid');
    }
    return JSON.stringify({
      projectId,
      bidderId,
      records: bidderRecords(
        records.map((r) => publicRecordView(r, project.status)),
        bidderId,
      ),
    });
  }

  /**
   * A bidder's bids across projects, with its records in each: for that bidder and regulators
   * only, since before the opening who bid where is sealed (BL art. 22). A bidder sees the
   * projects of the organisation that vouches for it (see {@link BIDDER_ID_ATTRIBUTE}).
   */
  @Transaction(false)
  @Param('bidderId', 'string')
  @Returns('string')
  async getBidderBids(ctx: Context, bidderId: string): Promise<string> {
    assertSchema(Identifier, bidderId, 'bidderId');
    const regulator = isRegulatorMsp(this.#actor(ctx).mspId);
    const speaksFor = this.#bidderOf(ctx);
    if (!regulator && speaksFor !== bidderId) {
      throw new LedgerError(
        'FORBIDDEN',
        speaksFor === undefined ? "only the bidder and regulators list a bidder's bids" : 'a bidder reads only its own bids',
      );
    }
    const bids = [];
    for (const projectId of await readAllJson<string>(ctx, 'bidderProject', [bidderId])) {
      const project = await this.#project(ctx, projectId);
      if (!regulator && this.#bidderOf(ctx, project) !== bidderId) continue;
      const records = await this.#records(ctx, projectId);
      bids.push({
        projectId,
        name: project.name,
        status: project.status,
        bidDeadline: project.bidDeadline,
        openingTime: project.openingTime,
        records: bidderRecords(records, bidderId),
      });
    }
    return JSON.stringify({ bidderId, bids });
  }

  @Transaction(false)
  @Param('projectId', 'string')
  @Returns('string')
  async getProjectStatus(ctx: Context, projectId: string): Promise<string> {
    const project = await this.#project(ctx, projectId);
    if (!this.#privileged(ctx, project)) return JSON.stringify(publicProjectStatus(project));
    if (project.status !== 'bidding') return JSON.stringify(project);
    // Bidding steps never write the project's state: its counts are derived here (and fixed at the opening).
    const bidders = await readAllJson<BidderState>(ctx, 'bidder', [projectId]);
    return JSON.stringify({ ...project, bidders: bidders.length, liveBids: bidders.filter((b) => b.bid && !b.withdrawn).length });
  }

  /**
   * A bidder's completeness proof, once the bids are opened (before, there is nothing to prove
   * and nothing public): the opening record, the head it recorded for the bidder, and the RFC
   * 9162 inclusion proof of the bidder's live commitment in the opening's commitments root.
   * Anyone may read it after the opening, when who bid is public (BL art. 36).
   */
  @Transaction(false)
  @Param('projectId', 'string')
  @Param('bidderId', 'string')
  @Returns('string')
  async getBidInclusion(ctx: Context, projectId: string, bidderId: string): Promise<string> {
    const project = await this.#project(ctx, projectId);
    assertSchema(Identifier, bidderId, 'bidderId');
    if (project.status === 'bidding' || project.openingRecordId === undefined) {
      throw new LedgerError('NOT_OPENED', `the bids of ${projectId} have not been opened`);
    }
    const stateKey = await readJson<string>(ctx, keys.recordById(ctx, project.openingRecordId));
    const opening = stateKey === undefined ? undefined : await readJson<LedgerRecord<'BidsOpened' | 'TenderFailed'>>(ctx, stateKey);
    if (!opening) throw new LedgerError('RECORD_NOT_FOUND', `no opening record ${project.openingRecordId}`);
    // Bidder chains do not grow after the opening (every bidding step reads the close key), so
    // the bidders' state now is their state at the opening.
    const bidders = await readAllJson<BidderState>(ctx, 'bidder', [projectId]);
    const { tree, leaves } = this.#seal(bidders);
    const head = opening.payload.bidderHeads.find((h) => h.bidderId === bidderId) ?? null;
    const index = leaves.findIndex((l) => l.bidderId === bidderId);
    const leaf = leaves[index];
    return JSON.stringify({
      projectId,
      bidderId,
      opening,
      head,
      leaf: leaf ?? null,
      ...(leaf ? { index } : {}),
      size: tree.size,
      proof: leaf ? tree.inclusionProof(index).map(toHex) : [],
    });
  }

  @Transaction(false)
  @Param('recordId', 'string')
  @Returns('string')
  async getRecord(ctx: Context, recordId: string): Promise<string> {
    const record = await recordById(ctx, recordId);
    if (!record) {
      throw new LedgerError('RECORD_NOT_FOUND', `no record ${recordId}`);
    }
    return JSON.stringify(await this.#view(ctx, record, new Map()));
  }

  /** Every record that names a document hash, in ledger order. */
  @Transaction(false)
  @Param('sha256', 'string')
  @Returns('string')
  async findByHash(ctx: Context, sha256: string): Promise<string> {
    assertSchema(Sha256Hex, sha256, 'sha256');
    const stateKeys = await readAllJson<string>(ctx, 'hash', [sha256]);
    const projects = new Map<string, ProjectState>();
    const views = [];
    for (const stateKey of stateKeys) {
      const record = await readJson<LedgerRecord>(ctx, stateKey);
      if (!record) continue;
      const view = await this.#view(ctx, record, projects);
      views.push(view);
    }
    // Batches: the hash's bucket of every batch (and its prefix's entry of each batch from before buckets).
    const batchIds: string[] = [];
    for (const [index, attribute] of [
      [BUCKET_INDEX, bucketOf(sha256)],
      [PREFIX_INDEX, sha256.slice(0, 2)],
    ] as const) {
      const iterator = await ctx.stub.getStateByPartialCompositeKey(index, [attribute]);
      try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          if (bucketNames(Buffer.from(next.value.value).toString('utf8'), sha256))
            batchIds.push(ctx.stub.splitCompositeKey(next.value.key).attributes[1] ?? '');
        }
      } finally {
        await iterator.close();
      }
    }
    for (const recordId of batchIds) {
      // A bucket's fingerprint can match a hash the batch does not hold: its leaves decide.
      const batchInclusion = await this.#batchInclusion(ctx, recordId, sha256);
      const record = batchInclusion && (await readJson<LedgerRecord>(ctx, keys.standaloneRecord(ctx, recordId)));
      if (record) views.push({ ...record, batchInclusion });
    }
    views.sort((a, b) => a.txTime.localeCompare(b.txTime));
    return JSON.stringify({ sha256, records: views });
  }

  /** Every project, as the caller may see each (the owner and regulators in full). */
  @Transaction(false)
  @Returns('string')
  async listProjects(ctx: Context): Promise<string> {
    const projects = await readAllJson<ProjectState>(ctx, 'project', []);
    return JSON.stringify(projects.map((p) => (this.#privileged(ctx, p) ? p : publicProjectStatus(p))));
  }

  /** The caller as the contract sees it: lets a client map its identities to record actors. */
  @Transaction(false)
  @Returns('string')
  async whoAmI(ctx: Context): Promise<string> {
    return JSON.stringify(this.#actor(ctx));
  }

  // ---------------------------------------------------------------- helpers (not transactions)

  #now(ctx: Context): string {
    return ledgerTime(ctx);
  }

  /**
   * The endorsing peer's own clock, read only while a client-built proposal is endorsed (the
   * embedded host stamps time itself). Guards may use it only to refuse: endorsing peers' clocks
   * differ, so it must never decide what is written, or endorsements would disagree.
   */
  #peerClock(ctx: Context): number | undefined {
    return peerClock(ctx);
  }

  /**
   * BL art. 28 and 29: registration, commitment and withdrawal only before the bid deadline.
   * Refused once bidding is closed, when the transaction timestamp is at or past the deadline,
   * and when the endorsing peer's own clock is (so a client's clock within the skew tolerance
   * cannot stretch a deadline). The close key is read even when absent: it enters the read set,
   * so a proposal endorsed in time but held back fails validation once the close is committed.
   */
  async #refuseAfterDeadline(ctx: Context, project: Pick<ProjectState, 'projectId' | 'bidDeadline'>, code: DeadlineCode): Promise<void> {
    const closed = await readJson<BiddingClosedState>(ctx, keys.biddingClosed(ctx, project.projectId));
    if (closed?.failedAt !== undefined) {
      throw new LedgerError('TENDER_FAILED', `project ${project.projectId} failed at ${closed.failedAt}`);
    }
    if (closed) {
      throw new LedgerError(code, `bidding closed at ${closed.closedAt} (bid deadline ${project.bidDeadline})`);
    }
    const deadline = Date.parse(project.bidDeadline);
    const now = this.#now(ctx);
    if (Date.parse(now) >= deadline) {
      throw new LedgerError(code, `ledger time ${now} is not before the bid deadline ${project.bidDeadline}`);
    }
    const peerNow = this.#peerClock(ctx);
    if (peerNow !== undefined && peerNow >= deadline) {
      throw new LedgerError(
        code,
        `the endorsing peer's clock ${new Date(peerNow).toISOString()} is not before the bid deadline ${project.bidDeadline}`,
      );
    }
  }

  #actor(ctx: Context): Actor {
    return actorOf(ctx);
  }

  #writer(ctx: Context): Actor {
    return writerOf(ctx);
  }

  /**
   * The bidder this caller speaks for, if any: by its certificate's {@link BIDDER_ID_ATTRIBUTE},
   * or as a trusted proxy ({@link isBidderProxy}) naming the bidder in transient data. Given a
   * project, only an identity of the project owner's organisation speaks for its bidders.
   */
  #bidderOf(ctx: Context, project?: ProjectState): string | undefined {
    const { mspId } = this.#actor(ctx);
    if (isRegulatorMsp(mspId) || (project && mspId !== project.owner.mspId)) return undefined;
    let bidderId = ctx.clientIdentity.getAttributeValue(BIDDER_ID_ATTRIBUTE) ?? undefined;
    if (bidderId === undefined && isBidderProxy(ctx)) {
      const named = ctx.stub.getTransient().get(BIDDER_ID_TRANSIENT);
      if (named) bidderId = Buffer.from(named).toString('utf8');
    }
    if (bidderId !== undefined) assertSchema(Identifier, bidderId, 'bidderId');
    return bidderId;
  }

  #privileged(ctx: Context, project: ProjectState): boolean {
    const { mspId, clientId } = this.#actor(ctx);
    return isRegulatorMsp(mspId) || (mspId === project.owner.mspId && clientId === project.owner.clientId);
  }

  async #project(ctx: Context, projectId: string): Promise<ProjectState> {
    assertSchema(Identifier, projectId, 'projectId');
    const project = await readJson<ProjectState>(ctx, keys.project(ctx, projectId));
    if (!project) {
      throw new LedgerError('PROJECT_NOT_FOUND', `no project ${projectId}`);
    }
    return project;
  }

  /** The project, if the caller is the platform that registered it: only it writes later steps. */
  async #ownProject(ctx: Context, projectId: string): Promise<ProjectState> {
    const actor = this.#writer(ctx);
    const project = await this.#project(ctx, projectId);
    if (actor.mspId !== project.owner.mspId || actor.clientId !== project.owner.clientId) {
      throw new LedgerError('NOT_PROJECT_OWNER', `project ${projectId} belongs to another platform`);
    }
    bindProjectOwner(ctx, project.owner.mspId);
    return project;
  }

  /** Who may close bidding: the owning platform, or a regulator (see closeBidding). */
  async #projectForClose(ctx: Context, projectId: string): Promise<ProjectState> {
    if (!isRegulatorMsp(this.#actor(ctx).mspId)) return this.#ownProject(ctx, projectId);
    const project = await this.#project(ctx, projectId);
    bindProjectOwner(ctx, project.owner.mspId);
    return project;
  }

  async #bidder(ctx: Context, project: Pick<ProjectState, 'projectId'>, bidderId: string): Promise<BidderState> {
    const bidder = await readJson<BidderState>(ctx, keys.bidder(ctx, project.projectId, bidderId));
    if (!bidder) {
      throw new LedgerError('BIDDER_NOT_REGISTERED', `bidder ${bidderId} is not registered for ${project.projectId}`);
    }
    return bidder;
  }

  async #committee(ctx: Context, projectId: string): Promise<CommitteeState | undefined> {
    return readJson<CommitteeState>(ctx, keys.committee(ctx, projectId));
  }

  async #appointedCommittee(ctx: Context, projectId: string): Promise<CommitteeState> {
    const committee = await this.#committee(ctx, projectId);
    if (!committee) {
      throw new LedgerError('COMMITTEE_NOT_APPOINTED', `no evaluation committee has been appointed for ${projectId}`);
    }
    return committee;
  }

  /** IR art. 44: after a failed tender (流标) nothing but documents (and deposit returns) may follow. */
  #refuseIfFailed(project: ProjectState): void {
    if (project.status === 'failed') {
      throw new LedgerError('TENDER_FAILED', `project ${project.projectId} failed${atTime(project.failedAt)}`);
    }
  }

  #refuseUnlessOpened(project: ProjectState): void {
    this.#refuseIfFailed(project);
    if (project.status === 'bidding') {
      throw new LedgerError('NOT_OPENED', `the bids of ${project.projectId} have not been opened`);
    }
    if (project.status !== 'opened') {
      throw new LedgerError('ALREADY_AWARDED', `project ${project.projectId} was awarded${atTime(project.award?.awardedAt)}`);
    }
  }

  /**
   * IR art. 35 and 57: a withdrawn bidder's deposit is due back at once; the others' once the
   * award is made; the winner's once the contract is signed, since its deposit secures signing.
   */
  #releaseBasis(project: ProjectState, bidder: BidderState): ReleaseBasis {
    if (bidder.withdrawn) return 'withdrawal';
    if (project.status === 'failed') return 'failedTender';
    const isWinner = project.award?.bidderId === bidder.bidderId;
    if (project.status === 'contracted' || (project.status === 'awarded' && !isWinner)) return 'award';
    throw new LedgerError(
      'RELEASE_NOT_DUE',
      isWinner
        ? `the winner's deposit is released after the contract is signed`
        : `project ${project.projectId} has not been awarded and bidder ${bidder.bidderId} has not withdrawn`,
    );
  }

  /** A hash's place in a batch, and its inclusion proof into the batch's root; undefined if the batch lacks it. */
  async #batchInclusion(
    ctx: Context,
    recordId: string,
    sha256: string,
  ): Promise<{ index: number; size: number; proof: string[] } | undefined> {
    const { leaves, index } = batchLeaves(Buffer.from(await ctx.stub.getState(keys.batchLeaves(ctx, recordId))).toString('utf8'), sha256);
    if (index < 0) return undefined;
    const tree = new MemoryTree();
    for (const leaf of leaves) tree.append(leaf);
    return { index, size: tree.size, proof: tree.inclusionProof(index).map(toHex) };
  }

  /** The project's terms, if the caller is the platform that registered it (see ProjectTerms). */
  async #ownTerms(ctx: Context, projectId: string): Promise<ProjectTerms> {
    const actor = this.#writer(ctx);
    assertSchema(Identifier, projectId, 'projectId');
    const terms = await readJson<ProjectTerms>(ctx, keys.terms(ctx, projectId));
    if (!terms) {
      throw new LedgerError('PROJECT_NOT_FOUND', `no project ${projectId}`);
    }
    if (actor.mspId !== terms.owner.mspId || actor.clientId !== terms.owner.clientId) {
      throw new LedgerError('NOT_PROJECT_OWNER', `project ${projectId} belongs to another platform`);
    }
    bindProjectOwner(ctx, terms.owner.mspId);
    return terms;
  }

  /**
   * What an opening fixes of the bidder chains: every head (bidder-id order, as the range read
   * returns them), and the Merkle root over the live commitments in that order (RFC 9162).
   */
  #seal(bidders: readonly BidderState[]): { seal: BiddingSeal; tree: MemoryTree; leaves: { bidderId: string; recordHash: string }[] } {
    const sorted = [...bidders].sort((a, b) => compareIds(a.bidderId, b.bidderId));
    const leaves = sorted.filter((b) => b.bid && !b.withdrawn).map((b) => ({ bidderId: b.bidderId, recordHash: b.bid?.hash ?? '' }));
    const tree = new MemoryTree();
    for (const leaf of leaves) tree.append(leafHash(bidLeafData(leaf)));
    return {
      seal: {
        bidderHeads: sorted.map((b) => ({ bidderId: b.bidderId, seq: b.head.seq, hash: b.head.hash })),
        commitmentsRoot: toHex(tree.root()),
        commitmentCount: leaves.length,
      },
      tree,
      leaves,
    };
  }

  /**
   * A project's records: its chain and its bidders' chains, interleaved in ledger time (a stable
   * sort: one chain's records keep their order).
   */
  async #records(ctx: Context, projectId: string): Promise<LedgerRecord[]> {
    return (await readAllJson<LedgerRecord>(ctx, 'record', [projectId])).sort((a, b) => compareIds(a.txTime, b.txTime));
  }

  /** Builds a bidder chain's next record, chained to that bidder's head. */
  #newBidderRecord<S extends Step>(
    ctx: Context,
    projectId: string,
    bidderId: string,
    head: ChainHead,
    step: S,
    payload: PayloadByStep[S],
  ): SealedRecord<S> {
    const txId = ctx.stub.getTxID();
    return sealRecordText({
      recordId: txId,
      projectId,
      bidderChain: bidderId,
      step,
      seq: head.seq + 1,
      prevHash: head.hash,
      payload,
      actor: this.#actor(ctx),
      txId,
      txTime: this.#now(ctx),
    });
  }

  /** Writes a bidder chain's record and the bidder's new head. */
  async #commitBidder(ctx: Context, bidder: BidderState, sealed: SealedRecord): Promise<string> {
    const { record } = sealed;
    await storeRecord(ctx, keys.bidderRecord(ctx, bidder.projectId, bidder.bidderId, record.seq), sealed);
    await writeJson(ctx, keys.bidder(ctx, bidder.projectId, bidder.bidderId), {
      ...bidder,
      head: { seq: record.seq, hash: record.hash, recordId: record.recordId },
    } satisfies BidderState);
    return sealed.json;
  }

  /** Builds the project's next record, chained to its head. */
  #newRecord<S extends Step>(ctx: Context, project: ProjectState, step: S, payload: PayloadByStep[S]): SealedRecord<S> {
    const txId = ctx.stub.getTxID();
    return sealRecordText({
      recordId: txId,
      projectId: project.projectId,
      step,
      seq: project.head.seq + 1,
      prevHash: project.head.hash,
      payload,
      actor: this.#actor(ctx),
      txId,
      txTime: this.#now(ctx),
    });
  }

  async #append<S extends Step>(ctx: Context, project: ProjectState, step: S, payload: PayloadByStep[S]): Promise<string> {
    return this.#commit(ctx, project, this.#newRecord(ctx, project, step, payload));
  }

  /** Writes the record and the project's new head; one transaction writes one record. */
  async #commit(ctx: Context, project: ProjectState, sealed: SealedRecord): Promise<string> {
    const { record } = sealed;
    await storeRecord(ctx, keys.record(ctx, project.projectId, record.seq), sealed);
    await writeJson(ctx, keys.project(ctx, project.projectId), {
      ...project,
      head: { seq: record.seq, hash: record.hash, recordId: record.recordId },
    } satisfies ProjectState);
    return sealed.json;
  }

  async #view(ctx: Context, record: LedgerRecord, projects: Map<string, ProjectState>) {
    if (record.projectId === null) return record;
    let project = projects.get(record.projectId);
    if (!project) {
      project = await this.#project(ctx, record.projectId);
      projects.set(record.projectId, project);
    }
    return this.#privileged(ctx, project) ? record : publicRecordView(record, project.status);
  }
}
