import type { Context } from 'fabric-contract-api';
import {
  BIDDER_ID_ATTRIBUTE,
  LedgerError,
  documentHashes,
  isRegulatorMsp,
  type Actor,
  type LedgerRecord,
  type SealedRecord,
} from '@tender-ledger/domain';
import { keys, putState, readJson, writeJson } from './state.js';

// What every contract of this chaincode shares. Plain functions, not methods, so that none of
// them can be invoked as a transaction.

/** The clock-skew tolerance: TENDER_CLOCK_SKEW_SECONDS on the chaincode process, 30 s by default. */
export function clockSkewToleranceMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.TENDER_CLOCK_SKEW_SECONDS ?? 30);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

/**
 * On Fabric the submitting client picks the transaction timestamp and peers accept it within
 * 15 minutes, which would let a platform backdate a bid past the deadline. Every endorsing
 * peer therefore refuses a proposal too far from its own clock (DOMAIN rule 12). It can only
 * refuse, never change what is written, so endorsements still agree.
 */
export function refuseClockSkew(ctx: Context): void {
  // The embedded host stamps time itself; only a client-built proposal carries a client's clock.
  const peerNow = peerClock(ctx);
  if (peerNow === undefined) return;
  const skewMs = Math.abs(ctx.stub.getDateTimestamp().getTime() - peerNow);
  const toleranceMs = clockSkewToleranceMs();
  if (skewMs > toleranceMs) {
    throw new LedgerError(
      'CLOCK_SKEW',
      `proposal timestamp ${ctx.stub.getDateTimestamp().toISOString()} is ${Math.round(skewMs / 1000)} s from the endorsing peer's clock (tolerance ${toleranceMs / 1000} s)`,
    );
  }
}

/**
 * The endorsing peer's own clock, read only while a client-built proposal is endorsed (the
 * embedded host stamps time itself). Guards may use it only to refuse: endorsing peers' clocks
 * differ, so it must never decide what is written, or endorsements would disagree.
 */
export function peerClock(ctx: Context): number | undefined {
  if (!ctx.stub.getSignedProposal?.()) return undefined;
  return Date.now(); // refuse-only: the one local clock read (CLOCK_SKEW and deadline guards)
}

/** Ledger time: the transaction timestamp, the same on every endorsing peer. */
export function ledgerTime(ctx: Context): string {
  return ctx.stub.getDateTimestamp().toISOString();
}

export function actorOf(ctx: Context): Actor {
  return { mspId: ctx.clientIdentity.getMSPID(), clientId: ctx.clientIdentity.getID() };
}

/** The caller, if it may write at all: regulators and identities that speak for a bidder only read. */
export function writerOf(ctx: Context): Actor {
  const actor = actorOf(ctx);
  if (isRegulatorMsp(actor.mspId)) {
    throw new LedgerError('READ_ONLY_IDENTITY', `${actor.mspId} identities read and never write`);
  }
  // A bidder's steps are recorded by its platform; an identity issued to read for a bidder writes nothing.
  if (ctx.clientIdentity.getAttributeValue(BIDDER_ID_ATTRIBUTE) !== null) {
    throw new LedgerError('READ_ONLY_IDENTITY', 'an identity that speaks for a bidder reads and never writes');
  }
  return actor;
}

export async function recordById(ctx: Context, recordId: string): Promise<LedgerRecord | undefined> {
  const stateKey = await readJson<string>(ctx, keys.recordById(ctx, recordId));
  return stateKey === undefined ? undefined : readJson<LedgerRecord>(ctx, stateKey);
}

/**
 * Evidence is append-only (DOMAIN rule 11): a correction points at the record it corrects. It
 * may only name an earlier record of the same chain by the same writer (the same project's,
 * or the same actor's standalone record), so nobody can cast doubt on another's evidence.
 */
export async function refuseForeignCorrection(ctx: Context, recordId: string, projectId: string | null, actor: Actor): Promise<void> {
  const target = await recordById(ctx, recordId);
  if (!target) {
    throw new LedgerError('RECORD_NOT_FOUND', `no record ${recordId} to correct`);
  }
  if (target.projectId !== projectId) {
    throw new LedgerError(
      'CORRECTION_NOT_ALLOWED',
      `record ${recordId} is not ${projectId === null ? 'a standalone record' : `a record of project ${projectId}`}`,
    );
  }
  if (target.actor.mspId !== actor.mspId || target.actor.clientId !== actor.clientId) {
    throw new LedgerError('CORRECTION_NOT_ALLOWED', `record ${recordId} was written by another identity`);
  }
}

/**
 * Appends a record under a key that must be new: evidence is never overwritten. Stores and
 * announces the canonical JSON it was sealed with (not canonicalised again), and returns it.
 */
export async function storeRecord(ctx: Context, stateKey: string, sealed: SealedRecord): Promise<string> {
  const { record, json } = sealed;
  const existing = await ctx.stub.getState(stateKey);
  if (existing && existing.length > 0) {
    throw new LedgerError('EVIDENCE_EXISTS', `refusing to overwrite evidence at ${stateKey}`);
  }
  // One encoding for the state and the event: neither changes the bytes it is given.
  const bytes = Buffer.from(json);
  await putState(ctx, stateKey, bytes);
  await writeJson(ctx, keys.recordById(ctx, record.recordId), stateKey);
  for (const sha256 of documentHashes(record)) {
    await writeJson(ctx, keys.documentHash(ctx, sha256, record.recordId), stateKey);
  }
  ctx.stub.setEvent(record.step, bytes);
  return json;
}

/**
 * Whether the caller is a gateway identity this peer trusts to name, in transient data, the
 * bidder it reads for (Fabric, where bidders have no certificates of their own). Listed in the
 * chaincode process's TENDER_BIDDER_PROXIES as `<mspId>/<certificate common name>`, comma-separated.
 * Only queries honour it, and a query is answered by one peer from its own copy of the state,
 * which that peer's organisation can read in full anyway: whom it lets speak for bidders is that
 * organisation's decision, so a local setting is the right place, not the channel's.
 */
export function isBidderProxy(ctx: Context, env: NodeJS.ProcessEnv = process.env): boolean {
  const proxies = (env.TENDER_BIDDER_PROXIES ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (proxies.length === 0) return false;
  // fabric-shim's id: x509::<subject DN>::<issuer DN>, each as /K=V/K=V.
  const subject = ctx.clientIdentity.getID().split('::')[1] ?? '';
  const commonName = /\/CN=([^/]+)/.exec(subject)?.[1];
  return commonName !== undefined && proxies.includes(`${ctx.clientIdentity.getMSPID()}/${commonName}`);
}
