import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { LedgerError, REGULATOR_MSP_IDS } from '@tender-ledger/domain';
import { readAndFound, writtenKeys } from './state.js';

/**
 * Key-level (state-based) endorsement: every key a project's steps write needs the peers of the
 * organisation that registered the project AND of the regulator, whatever the chaincode-wide
 * policy allows. On a province network (one organisation per city trading centre) another
 * city's peer then cannot endorse a change to a project it does not own.
 *
 * Why every key, bidder chains' too: a policy binds the keys that carry it. A key a step
 * creates is checked against the chaincode-wide policy, so each new key gets the project's
 * policy in the transaction that creates it, and from then on nobody else can rewrite it. A key
 * keeps its policy when rewritten, so a key the step read and found is not given it again: each
 * policy set is one more metadata write that both peers validate and commit.
 */
const owners = new WeakMap<Context, string>();

/** Names the organisation whose project this transaction writes; called where a step finds its owner. */
export function bindProjectOwner(ctx: Context, ownerMspId: string): void {
  const bound = owners.get(ctx);
  if (bound !== undefined && bound !== ownerMspId) {
    // One transaction writes one project: two owners would mean a key left under the wrong policy.
    throw new LedgerError('INTERNAL', `a transaction writes projects of ${bound} and ${ownerMspId}`);
  }
  owners.set(ctx, ownerMspId);
}

/** Each owner's policy bytes, built once: encoding one (protobuf) was a twentieth of a bid's CPU time. */
const policies = new Map<string, Uint8Array>();

/** The policy of a project registered by `ownerMspId`: its peer and the regulator's, both required. */
export function projectEndorsementPolicy(ownerMspId: string): Uint8Array {
  let policy = policies.get(ownerMspId);
  if (policy === undefined) {
    const built = new KeyEndorsementPolicy();
    built.addOrgs('PEER', ...new Set([ownerMspId, ...REGULATOR_MSP_IDS]));
    policy = built.getPolicy();
    // Owners are a channel's organisations, few; the bound only keeps a misuse from growing it.
    if (policies.size >= 1024) policies.clear();
    policies.set(ownerMspId, policy);
  }
  // A copy: the caller may keep or change it.
  return policy.slice();
}

/** Puts the project's policy on every key this transaction created (at the end of each transaction). */
export async function protectProjectWrites(ctx: Context): Promise<void> {
  const written = writtenKeys(ctx);
  if (written.length === 0) return;
  const owner = owners.get(ctx);
  if (owner === undefined) {
    // Fail closed: a project write whose owner nobody named would be guarded by the chaincode-wide policy only.
    throw new LedgerError('INTERNAL', 'a project transaction wrote keys without naming the project owner');
  }
  const policy = projectEndorsementPolicy(owner);
  for (const key of written) {
    if (!readAndFound(ctx, key)) await ctx.stub.setStateValidationParameter(key, policy);
  }
}
