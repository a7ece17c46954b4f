import type { Actor, LedgerRecord, RankedBid } from './records.js';
import type { RegisterProjectRequest } from './schemas.js';
import { SEALED_STEPS } from './records.js';

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
  award?: { bidderId: string; price: number; awardedAt: string; recordId: string };
  contract?: { contractSha256: string; signedAt: string; recordId: string };
}

/** Once the bids are opened, who bid is public (BL art. 36); before that it is sealed (BL art. 22). */
export function isDisclosed(status: ProjectStatus): boolean {
  return status === 'opened' || status === 'awarded' || status === 'contracted';
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
 */
export type RecordView = LedgerRecord | RedactedRecord;
export interface RedactedRecord extends Omit<LedgerRecord, 'seq' | 'prevHash' | 'payload'> {
  redacted: true;
  payload: Partial<LedgerRecord['payload']>;
}

export function publicRecordView(record: LedgerRecord, projectStatus: ProjectStatus | undefined): RecordView {
  if (record.projectId === null || projectStatus === undefined || isDisclosed(projectStatus)) {
    return record;
  }
  const { seq: _seq, prevHash: _prev, payload, ...rest } = record;
  return { ...rest, redacted: true, payload: SEALED_STEPS.has(record.step) ? {} : payload };
}

export function isRedacted(view: RecordView): view is RedactedRecord {
  return (view as RedactedRecord).redacted === true;
}

/**
 * Ranks valid bids by mean score, highest first; equal means share a rank. Bidders are
 * ordered by id within a tie so every peer computes the same list.
 */
export function rankBids(
  bids: readonly { bidderId: string; price: number }[],
  scores: readonly { bidderId: string; score: number }[],
): RankedBid[] {
  const totals = new Map<string, { sum: number; count: number }>();
  for (const { bidderId, score } of scores) {
    const total = totals.get(bidderId) ?? { sum: 0, count: 0 };
    total.sum += score;
    total.count += 1;
    totals.set(bidderId, total);
  }
  const means = bids.map(({ bidderId, price }) => {
    const total = totals.get(bidderId);
    return { bidderId, price, meanScore: total && total.count > 0 ? total.sum / total.count : 0 };
  });
  means.sort((a, b) => b.meanScore - a.meanScore || (a.bidderId < b.bidderId ? -1 : a.bidderId > b.bidderId ? 1 : 0));
  let rank = 0;
  return means.map((bid, index) => {
    if (index === 0 || bid.meanScore !== means[index - 1]?.meanScore) rank = index + 1;
    return { rank, ...bid };
  });
}
