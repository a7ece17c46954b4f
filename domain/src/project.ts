import type { Actor, LedgerRecord, RankedBid } from './records.js';
import type { RegisterProjectRequest } from './schemas.js';
import { COMMITTEE_STEPS, SEALED_STEPS } from './records.js';

/** Fewer live bids than this at opening and the tender fails (IR art. 44). */
export const MIN_BIDS = 3;
/** The evaluation committee has at least this many members, an odd number (BL art. 37). */
export const MIN_COMMITTEE = 5;
/** The deposit may be at most 1/50 (2%) of the estimated price (IR art. 26). */
export const DEPOSIT_LIMIT_DIVISOR = 50;
/** Deposits are due back within this many days of the contract or a withdrawal (IR art. 35, 57). */
export const DEPOSIT_RELEASE_DAYS = 5;

/** Integer arithmetic only: money is never floating point. */
export function depositWithinLimit(depositAmount: number, estimatedPrice: number): boolean {
  return depositAmount * DEPOSIT_LIMIT_DIVISOR <= estimatedPrice;
}

export type ProjectStatus = 'bidding' | 'failed' | 'opened' | 'awarded' | 'contracted';

/** The tip of a project's hash chain. */
export interface ChainHead {
  seq: number;
  hash: string;
  recordId: string;
}

/** A project's current state, derived from its records (the records are the evidence). */
export interface ProjectState extends RegisterProjectRequest {
  owner: Actor;
  status: ProjectStatus;
  registeredAt: string;
  head: ChainHead;
  bidders: number;
  liveBids: number;
  /** When bidding was closed: by closeBidding at the deadline, or by the opening if nobody closed it. */
  biddingClosedAt?: string;
  openedAt?: string;
  failedAt?: string;
  /** The opening's record (BidsOpened or TenderFailed): it seals the bidder chains. */
  openingRecordId?: string;
  award?: { bidderId: string; price: number; awardedAt: string; recordId: string };
  contract?: { contractSha256: string; signedAt: string; recordId: string };
}

/** Once the bids are opened, who bid is public (BL art. 36); before that it is sealed (BL art. 22). */
export function isDisclosed(status: ProjectStatus): boolean {
  return status === 'opened' || status === 'awarded' || status === 'contracted';
}

/** Once the award is made the result is decided, and the committee's members are public (IR art. 46). */
export function isResultDecided(status: ProjectStatus): boolean {
  return status === 'awarded' || status === 'contracted';
}

/** What anyone may see of a project's state. Before opening: no counts, no chain position. */
export type PublicProjectStatus = Omit<ProjectState, 'head' | 'bidders' | 'liveBids'> &
  Partial<Pick<ProjectState, 'head' | 'bidders' | 'liveBids'>>;

/** The owning platform is public (it runs the tender in the open); the bidders are not. */
export function publicProjectStatus(state: ProjectState): PublicProjectStatus {
  const { head, bidders, liveBids, ...rest } = state;
  return isDisclosed(state.status) ? { ...rest, head, bidders, liveBids } : rest;
}

/**
 * A record as the public may see it. While the tender is sealed the chain position (which
 * would count the records before it) is dropped, and steps naming a bidder lose their payload.
 * Until the result is decided, steps naming committee members lose those names (IR art. 46).
 */
export type RecordView = LedgerRecord | RedactedRecord;
export interface RedactedRecord
  extends Omit<LedgerRecord, 'seq' | 'prevHash' | 'payload' | 'bidderChain'>, Partial<Pick<LedgerRecord, 'seq' | 'prevHash'>> {
  redacted: true;
  payload: Partial<LedgerRecord['payload']>;
}

/** The payload of a committee step without the members' ids (nor a replacement's reason, which would name them). */
function withoutMembers(record: LedgerRecord): Partial<LedgerRecord['payload']> {
  switch (record.step) {
    case 'CommitteeAppointed': {
      const { members: _members, ...rest } = record.payload as LedgerRecord<'CommitteeAppointed'>['payload'];
      return rest;
    }
    case 'CommitteeMemberReplaced': {
      const {
        memberId: _out,
        replacementId: _in,
        reason: _reason,
        ...rest
      } = record.payload as LedgerRecord<'CommitteeMemberReplaced'>['payload'];
      return rest;
    }
    case 'ScoresRecorded': {
      const { evaluatorId: _evaluator, ...rest } = record.payload as LedgerRecord<'ScoresRecorded'>['payload'];
      return rest;
    }
    default:
      return record.payload;
  }
}

export function publicRecordView(record: LedgerRecord, projectStatus: ProjectStatus | undefined): RecordView {
  if (record.projectId === null || projectStatus === undefined || isResultDecided(projectStatus)) {
    return record;
  }
  const hidesMembers = COMMITTEE_STEPS.has(record.step);
  if (isDisclosed(projectStatus)) {
    return hidesMembers ? { ...record, redacted: true, payload: withoutMembers(record) } : record;
  }
  // A bidder chain's record loses its bidder too (bidderChain); a project-chain record's seq
  // would count nothing sealed, but the public sees none before the opening either way.
  const { seq: _seq, prevHash: _prev, payload: _payload, bidderChain: _bidder, ...rest } = record;
  return { ...rest, redacted: true, payload: SEALED_STEPS.has(record.step) ? {} : withoutMembers(record) };
}

export function isRedacted(view: RecordView): view is RedactedRecord {
  // Partial: a full record has no `redacted` at all.
  return (view as Partial<RedactedRecord>).redacted === true;
}

/**
 * Ranks valid bids by their total score, highest first; equal totals share a rank. Scores are
 * integer hundredths of a point and every committee member scores every valid bid, so totals
 * compare exactly as means would, without floating point: the same scores in any order give
 * the same ranking. Bidders are ordered by id within a tie so every peer computes the same list.
 */
export function rankBids(
  bids: readonly { bidderId: string; price: number }[],
  scores: readonly { bidderId: string; score: number }[],
): RankedBid[] {
  const totals = new Map<string, { totalScore: number; scoreCount: number }>();
  for (const { bidderId, score } of scores) {
    if (!Number.isSafeInteger(score)) {
      throw new RangeError(`score ${score} for ${bidderId} is not an integer number of hundredths`);
    }
    const total = totals.get(bidderId) ?? { totalScore: 0, scoreCount: 0 };
    total.totalScore += score;
    total.scoreCount += 1;
    totals.set(bidderId, total);
  }
  const ranked = bids.map(({ bidderId, price }) => ({ bidderId, price, ...(totals.get(bidderId) ?? { totalScore: 0, scoreCount: 0 }) }));
  ranked.sort((a, b) => b.totalScore - a.totalScore || (a.bidderId < b.bidderId ? -1 : a.bidderId > b.bidderId ? 1 : 0));
  let rank = 0;
  return ranked.map((bid, index) => {
    if (index === 0 || bid.totalScore !== ranked[index - 1]?.totalScore) rank = index + 1;
    return { rank, ...bid };
  });
}
