import { canonicalHash, canonicalJson, sha256Hex } from './canonical.js';
import type { Deposit, RegisterProjectRequest } from './schemas.js';

/** The steps of a tender, each recorded as one record by one transaction. */
export const STEPS = [
  'ProjectRegistered',
  'BidderRegistered',
  'BidCommitted',
  'BidWithdrawn',
  'CommitteeAppointed',
  'CommitteeMemberReplaced',
  'BiddingClosed',
  'BidsOpened',
  'TenderFailed',
  'ScoresRecorded',
  'BidAwarded',
  'ContractSigned',
  'DepositReleased',
  'DocumentNotarised',
  'BatchNotarised',
] as const;
export type Step = (typeof STEPS)[number];

/** Steps that name a bidder before opening: hidden from the public until the bids are opened (BL art. 22). */
export const SEALED_STEPS: ReadonlySet<Step> = new Set<Step>(['BidderRegistered', 'BidCommitted', 'BidWithdrawn']);

/**
 * Steps that name evaluation committee members: the public sees them without the members
 * until the result is decided (IR art. 46: the committee list stays confidential until then).
 */
export const COMMITTEE_STEPS: ReadonlySet<Step> = new Set<Step>(['CommitteeAppointed', 'CommitteeMemberReplaced', 'ScoresRecorded']);

/** The `prevHash` of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Who wrote a record: the Fabric MSP (organisation) and the client identity within it. */
export interface Actor {
  mspId: string;
  clientId: string;
}

/** A registration records the request as the platform made it. */
export type ProjectRegisteredPayload = RegisterProjectRequest;
export interface BidderRegisteredPayload {
  bidderId: string;
  deposit: Deposit;
}
export interface BidCommittedPayload {
  bidderId: string;
  commitment: string;
  /** The record of the commitment this one supersedes (BL art. 29). */
  supersedes?: string;
}
export interface BidWithdrawnPayload {
  bidderId: string;
  commitmentRecordId: string;
}
export interface CommitteeAppointedPayload {
  /** The members, as drawn at random from the expert database (IR art. 46). */
  members: string[];
  /** SHA-256 of the appointment record (专家抽取记录). */
  appointmentDocSha256: string;
}
export interface CommitteeMemberReplacedPayload {
  /** The member who leaves (who has not scored). */
  memberId: string;
  /** The expert who takes the seat. */
  replacementId: string;
  /** IR art. 48: a member is replaced only for a stated reason, with its document. */
  reason: string;
  reasonDocSha256: string;
}
/** Bidding closed at the deadline (BL art. 28): no registration, commitment or withdrawal commits after it. */
export interface BiddingClosedPayload {
  bidDeadline: string;
}
export type OpenedBidOutcome = 'VALID' | 'REVEAL_MISMATCH' | 'NOT_REVEALED';
export interface OpenedBid {
  bidderId: string;
  commitment: string;
  outcome: OpenedBidOutcome;
  bidFileSha256?: string;
  price?: number;
  salt?: string;
}
/** A bidder's chain as the opening found it: its last record. */
export interface BidderHead {
  bidderId: string;
  seq: number;
  hash: string;
}
/**
 * What an opening (or a failed tender) fixes of the sealed bidding: every bidder chain's head,
 * in bidder-id order, and the RFC 9162 Merkle root over the live commitments (one leaf per live
 * bid, `bidLeafData`, in bidder-id order). The project chain is complete again from here on.
 */
export interface BiddingSeal {
  bidderHeads: BidderHead[];
  commitmentsRoot: string;
  commitmentCount: number;
}
export interface BidsOpenedPayload extends BiddingSeal {
  bids: OpenedBid[];
}
export interface TenderFailedPayload extends BiddingSeal {
  reason: 'TOO_FEW_BIDS';
  liveBids: number;
  minimumBids: number;
}
export interface ScoresRecordedPayload {
  evaluatorId: string;
  reportSha256: string;
  /** Integer hundredths of a point, 0-10,000. */
  scores: { bidderId: string; score: number }[];
}
export interface RankedBid {
  /** 1 for the best; tied bids share a rank. */
  rank: number;
  bidderId: string;
  price: number;
  /** Sum of every member's score, integer hundredths of a point (every member scores every valid bid). */
  totalScore: number;
  /** How many scores the total sums: the committee's size. */
  scoreCount: number;
}
export interface BidAwardedPayload {
  bidderId: string;
  price: number;
  noticeSha256: string;
  /** The ranking the award followed (or departed from, with a reason). */
  ranking: RankedBid[];
  committee: string[];
  firstRanked: boolean;
  /** Every bid sharing the first rank, when more than one does (the award then carries a reason). */
  tiedFirst?: string[];
  reason?: string;
  reasonDocSha256?: string;
}
export interface ContractSignedPayload {
  bidderId: string;
  contractSha256: string;
}
export type ReleaseBasis = 'award' | 'withdrawal' | 'failedTender';
export interface DepositReleasedPayload {
  bidderId: string;
  form: Deposit['form'];
  paid: number;
  amount: number;
  interest?: number;
  basis: ReleaseBasis;
}
export interface DocumentNotarisedPayload {
  sha256: string;
  kind: string;
  corrects?: string;
  metadata?: Record<string, string>;
}

/** Many documents in one record: their Merkle root (RFC 9162, leaf = the hash's 32 bytes, in the order given). */
export interface BatchNotarisedPayload {
  kind: string;
  merkleRoot: string;
  count: number;
}

export interface PayloadByStep {
  ProjectRegistered: ProjectRegisteredPayload;
  BidderRegistered: BidderRegisteredPayload;
  BidCommitted: BidCommittedPayload;
  BidWithdrawn: BidWithdrawnPayload;
  CommitteeAppointed: CommitteeAppointedPayload;
  CommitteeMemberReplaced: CommitteeMemberReplacedPayload;
  BiddingClosed: BiddingClosedPayload;
  BidsOpened: BidsOpenedPayload;
  TenderFailed: TenderFailedPayload;
  ScoresRecorded: ScoresRecordedPayload;
  BidAwarded: BidAwardedPayload;
  ContractSigned: ContractSignedPayload;
  DepositReleased: DepositReleasedPayload;
  DocumentNotarised: DocumentNotarisedPayload;
  BatchNotarised: BatchNotarisedPayload;
}

/**
 * One piece of evidence. Records of a project form a hash chain: each names the hash of the
 * one before it. A standalone document is a chain of one. One transaction writes one record,
 * so a record's id is its transaction id.
 */
export interface LedgerRecord<S extends Step = Step> {
  recordId: string;
  /** null for a standalone document. */
  projectId: string | null;
  /**
   * Set on a bidder's own chain (registration, commitments, withdrawal): that bidder's id. Its
   * `seq` and `prevHash` are then that bidder's, so bidders never share a head while bidding.
   */
  bidderChain?: string;
  step: S;
  /** 1-based position in the record's chain (the project's, or the bidder's). */
  seq: number;
  prevHash: string;
  payload: PayloadByStep[S];
  actor: Actor;
  txId: string;
  /** The transaction timestamp (ledger time), RFC 3339 UTC. */
  txTime: string;
  /** SHA-256 of the canonical JSON of every other field. */
  hash: string;
}

export type UnsignedRecord<S extends Step = Step> = Omit<LedgerRecord<S>, 'hash'>;

/** The hash rule for records: SHA-256 over the RFC 8785 form of the record without its hash. */
export function recordHash(record: UnsignedRecord): string {
  const { hash: _ignored, ...rest } = record as LedgerRecord;
  return canonicalHash(rest);
}

/** Seals a record by adding its hash. */
export function sealRecord<S extends Step>(record: UnsignedRecord<S>): LedgerRecord<S> {
  return sealRecordText(record).record;
}

/** A sealed record and its RFC 8785 text: what the ledger stores and announces. */
export interface SealedRecord<S extends Step = Step> {
  record: LedgerRecord<S>;
  json: string;
}

/**
 * Seals a record and gives its canonical JSON, canonicalising each member once for both: the
 * hash is over the text without `hash` (recordHash), and the text with it is the same members
 * with `"hash"` put in its sorted place. Equals `canonicalJson(sealRecord(record))`.
 */
export function sealRecordText<S extends Step>(record: UnsignedRecord<S>): SealedRecord<S> {
  // The members before and after `hash` each joined as they come: no copy of the record without
  // its hash, no arrays joined twice (a fifth of this function's time, measured on a bid's record).
  const keys = Object.keys(record).sort();
  let before = '';
  let after = '';
  for (const key of keys) {
    if (key === 'hash') continue;
    const value = (record as Record<string, unknown>)[key];
    // As RFC 8785 canonicalisation does: members without a JSON value are left out.
    if (value === undefined || typeof value === 'symbol') continue;
    const member = `${JSON.stringify(key)}:${canonicalJson(value)}`;
    if (key < 'hash') before = before === '' ? member : `${before},${member}`;
    else after = after === '' ? member : `${after},${member}`;
  }
  const hash = sha256Hex(`{${before}${before !== '' && after !== '' ? ',' : ''}${after}}`);
  return { record: { ...record, hash }, json: `{${before}${before === '' ? '' : ','}"hash":"${hash}"${after === '' ? '' : ','}${after}}` };
}

/** Document hashes a record makes findable by `findByHash`. */
export function documentHashes(record: LedgerRecord): string[] {
  const hashes: (string | undefined)[] = [];
  switch (record.step) {
    case 'ProjectRegistered': {
      hashes.push((record.payload as ProjectRegisteredPayload).tenderDocSha256);
      break;
    }
    case 'BidderRegistered': {
      const { deposit } = record.payload as BidderRegisteredPayload;
      if (deposit.form === 'guarantee') hashes.push(deposit.docSha256);
      break;
    }
    case 'BidCommitted':
      hashes.push((record.payload as BidCommittedPayload).commitment);
      break;
    case 'CommitteeAppointed':
      hashes.push((record.payload as CommitteeAppointedPayload).appointmentDocSha256);
      break;
    case 'CommitteeMemberReplaced':
      hashes.push((record.payload as CommitteeMemberReplacedPayload).reasonDocSha256);
      break;
    case 'BidsOpened':
      for (const bid of (record.payload as BidsOpenedPayload).bids) hashes.push(bid.bidFileSha256);
      break;
    case 'ScoresRecorded':
      hashes.push((record.payload as ScoresRecordedPayload).reportSha256);
      break;
    case 'BidAwarded': {
      const payload = record.payload as BidAwardedPayload;
      hashes.push(payload.noticeSha256, payload.reasonDocSha256);
      break;
    }
    case 'ContractSigned':
      hashes.push((record.payload as ContractSignedPayload).contractSha256);
      break;
    case 'DocumentNotarised':
      hashes.push((record.payload as DocumentNotarisedPayload).sha256);
      break;
    default:
      break;
  }
  return [...new Set(hashes.filter((h): h is string => typeof h === 'string'))];
}

/** Steps written on a bidder's own chain. */
export const BIDDER_CHAIN_STEPS: ReadonlySet<Step> = new Set<Step>(['BidderRegistered', 'BidCommitted', 'BidWithdrawn']);

/** The bytes of one leaf of an opening's commitments tree: JCS of the bidder and its last commitment record's hash. */
export function bidLeafData(leaf: { bidderId: string; recordHash: string }): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ bidderId: leaf.bidderId, recordHash: leaf.recordHash }));
}

/** The live commitments of a set of bidder chains, in bidder-id order: each bidder's last commitment unless withdrawn. */
export function liveCommitments(chains: ReadonlyMap<string, readonly LedgerRecord[]>): { bidderId: string; recordHash: string }[] {
  const live: { bidderId: string; recordHash: string }[] = [];
  for (const bidderId of [...chains.keys()].sort(compareIds)) {
    const chain = chains.get(bidderId) ?? [];
    const last = chain[chain.length - 1];
    if (last?.step === 'BidCommitted') live.push({ bidderId, recordHash: last.hash });
  }
  return live;
}

/** Code-unit order, the same in every peer and client (and the order of composite keys). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Where a project's chain breaks, if anywhere. */
export interface ChainCheck {
  valid: boolean;
  /** The first record that breaks the chain, and why. */
  brokenAt?: { index: number; recordId: string; reason: 'hash' | 'prevHash' | 'seq' | 'projectId' | 'bidderHeads' | 'commitmentsRoot' };
}

/** Computes an opening's commitments root from its leaves' data (RFC 9162; supplied by tlog, on which domain cannot depend). */
export type CommitmentsRootFn = (leaves: Uint8Array[]) => string;

/**
 * Re-walks a project's records: the project chain and each bidder's chain, each hash
 * recomputed, each link to the one before, sequence numbers contiguous from 1. An opening (or
 * failed tender) must name exactly the bidder chains' heads, and, given `commitmentsRoot`, the
 * Merkle root of their live commitments: nothing sealed was dropped or added. Records of one
 * chain must come in chain order; chains may interleave. Anyone holding the trail can run this.
 */
export function checkChain(records: readonly LedgerRecord[], commitmentsRoot?: CommitmentsRootFn): ChainCheck {
  const groups = new Map<string, { index: number; record: LedgerRecord }[]>();
  const chains = new Map<string, LedgerRecord[]>();
  let seal: { index: number; record: LedgerRecord; payload: BiddingSeal } | undefined;
  for (const [index, record] of records.entries()) {
    if (record.projectId !== (records[0]?.projectId ?? null)) {
      return { valid: false, brokenAt: { index, recordId: record.recordId, reason: 'projectId' } };
    }
    const chain = record.bidderChain === undefined ? '' : `b:${record.bidderChain}`;
    const group = groups.get(chain) ?? [];
    group.push({ index, record });
    groups.set(chain, group);
    const payload = record.payload as Partial<BiddingSeal>;
    if (record.bidderChain === undefined && (record.step === 'BidsOpened' || record.step === 'TenderFailed') && payload.bidderHeads) {
      seal = { index, record, payload: payload as BiddingSeal };
    }
  }
  // A trail lists its chains interleaved in time; each chain's records must come in its order.
  for (const group of groups.values()) {
    let prevHash = GENESIS_HASH;
    for (const [position, { index, record }] of group.entries()) {
      const broken = (reason: NonNullable<ChainCheck['brokenAt']>['reason']): ChainCheck => ({
        valid: false,
        brokenAt: { index, recordId: record.recordId, reason },
      });
      if (record.seq !== position + 1) return broken('seq');
      if (record.prevHash !== prevHash) return broken('prevHash');
      if (recordHash(record) !== record.hash) return broken('hash');
      prevHash = record.hash;
      if (record.bidderChain !== undefined) {
        const list = chains.get(record.bidderChain) ?? [];
        list.push(record);
        chains.set(record.bidderChain, list);
      }
    }
  }
  if (seal) {
    const broken = (reason: 'bidderHeads' | 'commitmentsRoot'): ChainCheck => ({
      valid: false,
      brokenAt: { index: seal.index, recordId: seal.record.recordId, reason },
    });
    const found = [...chains.entries()]
      .sort(([a], [b]) => compareIds(a, b))
      .map(([bidderId, chain]) => ({ bidderId, seq: chain.length, hash: chain[chain.length - 1]?.hash }));
    if (canonicalJson(found) !== canonicalJson(seal.payload.bidderHeads)) return broken('bidderHeads');
    const live = liveCommitments(chains);
    if (live.length !== seal.payload.commitmentCount) return broken('commitmentsRoot');
    if (commitmentsRoot && commitmentsRoot(live.map(bidLeafData)) !== seal.payload.commitmentsRoot) return broken('commitmentsRoot');
  }
  return { valid: true };
}
