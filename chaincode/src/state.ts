import { BUCKET_INDEX } from './batch-store.js';
import type { Context } from 'fabric-contract-api';
import type { Actor, ChainHead, Deposit, OpenedBidOutcome } from '@tender-ledger/domain';

/** A registered bidder of one project: derived from its records, kept for the rule checks. */
export interface BidderState {
  projectId: string;
  bidderId: string;
  deposit: Deposit;
  registeredAt: string;
  /** The tip of this bidder's own chain: bidding steps extend it, never the project's. */
  head: ChainHead;
  bid?: { commitment: string; recordId: string; hash: string; committedAt: string };
  withdrawn?: { recordId: string; withdrawnAt: string };
  opened?: { outcome: OpenedBidOutcome; price?: number };
  released?: { amount: number; recordId: string; releasedAt: string };
}

/**
 * A project's evaluation committee: kept apart from the project's state, which the public
 * reads, because the members stay confidential until the result is decided (IR art. 46).
 */
export interface CommitteeState {
  projectId: string;
  members: string[];
  /** Members replaced so far (IR art. 48): none of them may come back. */
  former: string[];
  appointmentDocSha256: string;
  recordId: string;
}

/** A project's bidding is closed: every deadline-bound step reads this key (see closeBidding). */
export interface BiddingClosedState {
  closedAt: string;
  recordId: string;
  /** Set by an opening that found too few bids (IR art. 44): bidding steps then refuse with TENDER_FAILED. */
  failedAt?: string;
}

/**
 * What bidding steps read of a project: written once at registration and never again, so
 * concurrent bids (which must not read the project state that project steps rewrite) never
 * conflict with each other or with the project's own chain on Fabric.
 */
export interface ProjectTerms {
  projectId: string;
  owner: Actor;
  bidDeadline: string;
  depositAmount: number;
  estimatedPrice: number;
}

/** One evaluator's score of one bid. */
export interface ScoreState {
  evaluatorId: string;
  bidderId: string;
  score: number;
  recordId: string;
}

// Sequence numbers are zero-padded so a range scan returns a project's records in chain order.
const SEQ_WIDTH = 12;

/** The world-state layout, in one place. */
export const keys = {
  project: (ctx: Context, projectId: string) => ctx.stub.createCompositeKey('project', [projectId]),
  biddingClosed: (ctx: Context, projectId: string) => ctx.stub.createCompositeKey('biddingClosed', [projectId]),
  bidder: (ctx: Context, projectId: string, bidderId: string) => ctx.stub.createCompositeKey('bidder', [projectId, bidderId]),
  committee: (ctx: Context, projectId: string) => ctx.stub.createCompositeKey('committee', [projectId]),
  score: (ctx: Context, projectId: string, bidderId: string, evaluatorId: string) =>
    ctx.stub.createCompositeKey('score', [projectId, bidderId, evaluatorId]),
  record: (ctx: Context, projectId: string, seq: number) =>
    ctx.stub.createCompositeKey('record', [projectId, String(seq).padStart(SEQ_WIDTH, '0')]),
  terms: (ctx: Context, projectId: string) => ctx.stub.createCompositeKey('terms', [projectId]),
  /** A bidder chain's record: under the project's records (so a trail reads them), after the project chain's. */
  bidderRecord: (ctx: Context, projectId: string, bidderId: string, seq: number) =>
    ctx.stub.createCompositeKey('record', [projectId, 'b', bidderId, String(seq).padStart(SEQ_WIDTH, '0')]),
  standaloneRecord: (ctx: Context, recordId: string) => ctx.stub.createCompositeKey('evidence', [recordId]),
  recordById: (ctx: Context, recordId: string) => ctx.stub.createCompositeKey('recordId', [recordId]),
  /** A batch's hashes in order, from which its inclusion proofs are built (format: batch-store.ts). */
  batchLeaves: (ctx: Context, recordId: string) => ctx.stub.createCompositeKey('batchLeaves', [recordId]),
  /** A batch's bucket of fingerprints: the hashes whose first 6 bits are `bucket` (batch-store.ts). */
  batchBucket: (ctx: Context, bucket: string, recordId: string) => ctx.stub.createCompositeKey(BUCKET_INDEX, [bucket, recordId]),
  documentHash: (ctx: Context, sha256: string, recordId: string) => ctx.stub.createCompositeKey('hash', [sha256, recordId]),
  bidderProject: (ctx: Context, bidderId: string, projectId: string) => ctx.stub.createCompositeKey('bidderProject', [bidderId, projectId]),
};

const decoder = new TextDecoder();

export async function readJson<T>(ctx: Context, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key);
  if (!bytes || bytes.length === 0) {
    return undefined;
  }
  markFound(ctx, key);
  return JSON.parse(decoder.decode(bytes)) as T;
}

/**
 * The keys each transaction read and found. Each was created under its project's endorsement
 * policy, which a key keeps until deleted, so writing it again needs no new policy; and the read
 * is in the transaction's read set, so had the key gone since, the transaction would be invalid.
 */
const found = new WeakMap<Context, Set<string>>();

/** Adds `key` to this transaction's set in `keysOf` (found or written). */
function noteKey(keysOf: WeakMap<Context, Set<string>>, ctx: Context, key: string): void {
  let keysOfTx = keysOf.get(ctx);
  if (!keysOfTx) {
    keysOfTx = new Set();
    keysOf.set(ctx, keysOfTx);
  }
  keysOfTx.add(key);
}

function markFound(ctx: Context, key: string): void {
  noteKey(found, ctx, key);
}

/** Whether this transaction read `key` and found a value (see {@link found}). */
export function readAndFound(ctx: Context, key: string): boolean {
  return found.get(ctx)?.has(key) ?? false;
}

/** The keys each transaction has written so far: its project's endorsement policy goes on each new one (see endorsement.ts). */
const written = new WeakMap<Context, Set<string>>();

/** Every write of the contracts goes through here, so none escapes the key-level endorsement policy. */
export async function putState(ctx: Context, key: string, value: Uint8Array): Promise<void> {
  noteKey(written, ctx, key);
  await ctx.stub.putState(key, value);
}

/** The keys this transaction wrote, in the order first written. */
export function writtenKeys(ctx: Context): string[] {
  return [...(written.get(ctx) ?? [])];
}

export async function writeJson(ctx: Context, key: string, value: unknown): Promise<void> {
  await putState(ctx, key, Buffer.from(JSON.stringify(value)));
}

/** Every value under a partial composite key, in key order. */
export async function readAllJson<T>(ctx: Context, objectType: string, attributes: string[]): Promise<T[]> {
  const values: T[] = [];
  const iterator = await ctx.stub.getStateByPartialCompositeKey(objectType, attributes);
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      markFound(ctx, next.value.key);
      values.push(JSON.parse(decoder.decode(next.value.value)) as T);
    }
  } finally {
    await iterator.close();
  }
  return values;
}
