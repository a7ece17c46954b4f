import {
  formatPolicy,
  parsePolicy,
  verifyProof as verifyWith,
  type TlogPolicy,
  type VerifiedProof,
  type VerifyOptions,
} from '@tender-ledger/tlog';
import { nodeEd25519, useNodeCrypto } from '@tender-ledger/tlog/node';
// Re-exported as they are (the SDK's bundle carries its own copy of the domain: `instanceof`
// works against these exports, not against a separately installed domain package).
export { LedgerError, type ErrorCode } from '@tender-ledger/domain';
import { LedgerError, recordHash, type LedgerRecord, type UnsignedRecord } from '@tender-ledger/domain';
export type { TlogPolicy, VerifiedProof, VerifiedCheckpoint, VerifyOptions } from '@tender-ledger/tlog';

// The SDK runs in Node: OpenSSL's SHA-256 for Merkle paths (the browser keeps the pure-JS one).
useNodeCrypto();

const parsed = new Map<string, TlogPolicy>();

/**
 * Reads a transparency log policy (c2sp.org/tlog-policy text: `log`, `witness`, `group`,
 * `quorum` lines), with signatures checked by Node's OpenSSL. Throws TLOG_KEY_MALFORMED.
 *
 * @example
 * const policy = parseLogPolicy(`log ${logVkey}\nwitness a ${w1}\nwitness b ${w2}\nwitness c ${w3}\ngroup g 2 a b c\nquorum g\n`);
 */
export function parseLogPolicy(text: string): TlogPolicy {
  let policy = parsed.get(text);
  if (policy === undefined) {
    policy = parsePolicy(text, { ed25519: nodeEd25519 });
    if (parsed.size > 64) parsed.clear();
    parsed.set(text, policy);
  }
  return policy;
}

/**
 * The policy text for one log and k of n witnesses.
 *
 * @example logPolicy({ log: logVkey, witnesses: [w1, w2, w3], threshold: 2 })
 */
export function logPolicy(options: { log: string; witnesses: readonly string[]; threshold: number }): string {
  return formatPolicy({ logs: [options.log], witnesses: options.witnesses, threshold: options.threshold });
}

/** The fields a record's hash covers (RFC 8785 over every field but the hash; `blockNumber` and the like are the gateway's additions). */
function hashedFields(record: LedgerRecord): UnsignedRecord {
  const { recordId, projectId, bidderChain, step, seq, prevHash, payload, actor, txId, txTime } = record;
  return { recordId, projectId, ...(bidderChain !== undefined ? { bidderChain } : {}), step, seq, prevHash, payload, actor, txId, txTime };
}

/**
 * Verifies a `c2sp.org/tlog-proof@v1` bundle for a record offline: the record is the leaf the
 * bundle names, in the tree the checkpoint commits to; the log signed the checkpoint and a
 * quorum of witnesses cosigned it. Given the record itself, its hash is recomputed from its
 * content first (TLOG_RECORD_ALTERED when they differ), so the proof covers what you hold, not
 * only a hash someone told you; given only its hash (hex or bytes), the proof covers that hash.
 * Throws a LedgerError whose code names the part that failed (TLOG_PROOF_MALFORMED,
 * TLOG_NOTE_MALFORMED, TLOG_ORIGIN_UNKNOWN, TLOG_SIGNATURE_MISSING, TLOG_SIGNATURE_INVALID,
 * TLOG_COSIGNATURE_INVALID, TLOG_QUORUM_NOT_MET, TLOG_INCLUSION_INVALID, TLOG_RECORD_ALTERED).
 *
 * @example
 * const { checkpoint, index, cosignatures } = verifyProof(bundle, record, policyText);
 */
export function verifyProof(
  bundle: string | Uint8Array,
  record: LedgerRecord | string | Uint8Array,
  policy: TlogPolicy | string,
  options?: VerifyOptions,
): VerifiedProof {
  let leaf: string | Uint8Array;
  if (typeof record === 'string' || record instanceof Uint8Array) {
    leaf = record;
  } else {
    if ((record as { redacted?: unknown }).redacted === true) {
      throw new LedgerError(
        'INVALID_ARGUMENT',
        `record ${record.recordId} is the public's redacted view: its hash cannot be recomputed; pass record.hash`,
      );
    }
    if (recordHash(hashedFields(record)) !== record.hash) {
      throw new LedgerError(
        'TLOG_RECORD_ALTERED',
        `record ${record.recordId} does not hash to its hash ${record.hash}: its content was changed`,
      );
    }
    leaf = record.hash;
  }
  return verifyWith(bundle, leaf, typeof policy === 'string' ? parseLogPolicy(policy) : policy, options);
}
