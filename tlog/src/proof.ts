import { LedgerError, must } from '@tender-ledger/domain';
import { fail, fromBase64, fromHex, fromUtf8, parseDecimal, toBase64 } from './bytes.js';
import { parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { HASH_SIZE, leafHash, verifyInclusion } from './merkle.js';
import { SIG_COSIGNATURE_V1, parseNote, splitCosignature, verifyNoteSignatures, type NoteVerifier } from './note.js';
import { quorumMet, type TlogPolicy } from './policy.js';

/**
 * C2SP tlog-proof bundles (`c2sp.org/tlog-proof@v1`): a leaf index, its inclusion proof and the
 * (cosigned) checkpoint, verifiable offline against a policy.
 */

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** A tree of 2^53 leaves has paths of 53 hashes; more is never a proof. */
export const MAX_PROOF_HASHES = 63;

export interface TlogProofBundle {
  /** Unauthenticated application data; never trusted by the verifier. */
  readonly extra?: Uint8Array;
  readonly index: number;
  readonly inclusionProof: readonly Uint8Array[];
  /** The checkpoint signed note, verbatim. */
  readonly checkpoint: string;
}

/** The bundle text. */
export function formatProofBundle(bundle: TlogProofBundle): string {
  const lines = [TLOG_PROOF_HEADER];
  if (bundle.extra !== undefined) lines.push(`extra ${toBase64(bundle.extra)}`);
  lines.push(`index ${bundle.index}`, ...bundle.inclusionProof.map(toBase64), '');
  return `${lines.join('\n')}\n${bundle.checkpoint}`;
}

/**
 * Parses a bundle; refuses (TLOG_PROOF_MALFORMED) a wrong header, a bad `extra` or `index`
 * line, a proof line that is not 32 bytes of canonical base64, too many proof lines, or a
 * missing blank line or checkpoint. The checkpoint itself is parsed when verified.
 */
export function parseProofBundle(input: string | Uint8Array): TlogProofBundle {
  const text = typeof input === 'string' ? input : decodeBundle(input);
  const blank = text.indexOf('\n\n');
  if (blank < 0) fail('TLOG_PROOF_MALFORMED', 'no blank line before the checkpoint');
  const head = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (checkpoint === '') fail('TLOG_PROOF_MALFORMED', 'no checkpoint');
  if (head.shift() !== TLOG_PROOF_HEADER) fail('TLOG_PROOF_MALFORMED', `the first line is not ${TLOG_PROOF_HEADER}`);
  let extra: Uint8Array | undefined;
  const extraLine = head[0];
  if (extraLine?.startsWith('extra ')) {
    head.shift();
    extra = fromBase64(extraLine.slice('extra '.length)) ?? fail('TLOG_PROOF_MALFORMED', 'the extra line is not base64');
  }
  const indexLine = head.shift() ?? '';
  const index = indexLine.startsWith('index ') ? parseDecimal(indexLine.slice('index '.length)) : undefined;
  if (index === undefined) fail('TLOG_PROOF_MALFORMED', 'the index line is not "index <decimal>"');
  if (head.length > MAX_PROOF_HASHES) fail('TLOG_PROOF_MALFORMED', 'too many inclusion proof lines');
  const inclusionProof = head.map((line, i) => {
    const h = fromBase64(line);
    if (h === undefined || h.length !== HASH_SIZE)
      fail('TLOG_PROOF_MALFORMED', `inclusion proof line ${i + 1} is not a base64 SHA-256 hash`);
    return h;
  });
  return extra === undefined ? { index, inclusionProof, checkpoint } : { extra, index, inclusionProof, checkpoint };
}

/** Decodes the proof part and the checkpoint part apart, so bad UTF-8 is blamed on the right one. */
function decodeBundle(bytes: Uint8Array): string {
  let blank = -1;
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) {
      blank = i;
      break;
    }
  }
  if (blank < 0) fail('TLOG_PROOF_MALFORMED', 'no blank line before the checkpoint');
  const head = fromUtf8(bytes.subarray(0, blank)) ?? fail('TLOG_PROOF_MALFORMED', 'the proof lines are not UTF-8');
  const checkpoint = fromUtf8(bytes.subarray(blank + 2)) ?? fail('TLOG_NOTE_MALFORMED', 'the checkpoint is not UTF-8');
  return `${head}\n\n${checkpoint}`;
}

/**
 * A checkpoint whose log signature and witness quorum verified under a policy.
 *
 * @example const { checkpoint, cosignatures } = verifyCheckpoint(note, policy);
 */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note text that was signed. */
  readonly text: string;
  /** The log key that signed it. */
  readonly log: NoteVerifier;
  /** Policy names of the witnesses whose cosignatures verified, with their cosigning times. */
  readonly cosignatures: readonly { readonly witness: string; readonly timestamp: number }[];
}

/**
 * Options of a verification.
 *
 * @example verifyProof(bundle, recordHash, policy, { cache: false });
 */
export interface VerifyOptions {
  /**
   * Reuse the outcome of verifying the very same checkpoint note (text and signature lines,
   * byte for byte) under the same policy: the signatures are the costly part, and one
   * checkpoint covers many records. Default true.
   */
  readonly cache?: boolean;
}

const CACHE_LIMIT = 1024;
const checkpointCache = new WeakMap<TlogPolicy, Map<string, VerifiedCheckpoint>>();

/**
 * Verifies a checkpoint signed note under a policy: the origin is a trusted log
 * (TLOG_ORIGIN_UNKNOWN), the log's signature is there (TLOG_SIGNATURE_MISSING) and verifies
 * (TLOG_SIGNATURE_INVALID), every cosignature by a known witness verifies
 * (TLOG_COSIGNATURE_INVALID), and the verified ones meet the quorum (TLOG_QUORUM_NOT_MET).
 * Signature lines by unknown keys are ignored.
 */
export function verifyCheckpoint(note: string | Uint8Array, policy: TlogPolicy, options: VerifyOptions = {}): VerifiedCheckpoint {
  const useCache = options.cache ?? true;
  const key = typeof note === 'string' ? note : undefined;
  let cache = checkpointCache.get(policy);
  if (useCache && key !== undefined) {
    const hit = cache?.get(key);
    if (hit !== undefined) return hit;
  }
  const parsed = parseNote(note);
  const checkpoint = parseCheckpoint(parsed.text);
  const logs = policy.logs.filter((l) => l.name === checkpoint.origin);
  if (logs.length === 0) fail('TLOG_ORIGIN_UNKNOWN', `no trusted log has the origin ${checkpoint.origin}`);
  const byVerifier = new Map<NoteVerifier, string>();
  for (const [name, v] of policy.witnesses) byVerifier.set(v, name);
  // The log's signature first, so a bad one is reported as the log's.
  const [log] = verifyNoteSignatures(parsed, logs);
  if (log === undefined) fail('TLOG_SIGNATURE_MISSING', `no signature by the log ${checkpoint.origin}`);
  const cosigners = verifyNoteSignatures(parsed, [...byVerifier.keys()]);
  const cosignatures = cosigners.map((v) => {
    // v verified one of the note's lines, a cosignature, and came from byVerifier's keys.
    const line = must(
      parsed.signatures.find((s) => s.name === v.name && s.keyId === v.keyId && v.type === SIG_COSIGNATURE_V1),
      'the verified cosignature line',
    );
    const { timestamp } = must(splitCosignature(line.signature), 'the verified cosignature');
    return { witness: must(byVerifier.get(v), "the cosigner's witness name"), timestamp };
  });
  if (!quorumMet(policy.quorum, new Set(cosignatures.map((c) => c.witness)))) {
    fail('TLOG_QUORUM_NOT_MET', `${cosignatures.length} witness cosignature(s) verified; the policy's quorum is not met`);
  }
  const result: VerifiedCheckpoint = { checkpoint, text: parsed.text, log, cosignatures };
  if (useCache && key !== undefined) {
    if (cache === undefined) {
      cache = new Map();
      checkpointCache.set(policy, cache);
    }
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, result);
  }
  return result;
}

/**
 * A verified tlog-proof bundle: the checkpoint as {@link VerifiedCheckpoint}, and the record's index in the log.
 *
 * @example const { checkpoint, index, cosignatures } = verifyProof(bundle, recordHash, policy);
 */
export interface VerifiedProof extends VerifiedCheckpoint {
  readonly index: number;
  readonly extra?: Uint8Array;
}

/** A record hash as the 32 bytes the log's leaf is made of (`SHA-256(0x00 || bytes)`). */
export function recordHashBytes(recordHash: string | Uint8Array): Uint8Array {
  const bytes = typeof recordHash === 'string' ? (/^[0-9a-f]{64}$/.test(recordHash) ? fromHex(recordHash) : undefined) : recordHash;
  if (bytes === undefined || bytes.length !== HASH_SIZE) {
    throw new LedgerError('INVALID_ARGUMENT', 'a record hash is 32 bytes (64 lowercase hex characters)');
  }
  return bytes;
}

/**
 * Verifies a tlog-proof bundle offline: that the record with this hash is leaf `index` of the
 * tree the checkpoint commits to, and that the checkpoint is signed by a trusted log and
 * cosigned by a quorum of the policy's witnesses. Throws a LedgerError whose code names what
 * failed: TLOG_PROOF_MALFORMED (the bundle), TLOG_NOTE_MALFORMED (the checkpoint or a
 * signature line), TLOG_ORIGIN_UNKNOWN, TLOG_SIGNATURE_MISSING, TLOG_SIGNATURE_INVALID (the
 * log's signature), TLOG_COSIGNATURE_INVALID, TLOG_QUORUM_NOT_MET (the witnesses), or
 * TLOG_INCLUSION_INVALID (the record is not that leaf).
 *
 * @example
 * const policy = parsePolicy(policyText);
 * const { checkpoint, cosignatures } = verifyProof(bundleText, record.hash, policy);
 */
export function verifyProof(
  bundle: string | Uint8Array,
  recordHash: string | Uint8Array,
  policy: TlogPolicy,
  options: VerifyOptions = {},
): VerifiedProof {
  const leaf = leafHash(recordHashBytes(recordHash));
  const parsed = parseProofBundle(bundle);
  const verified = verifyCheckpoint(parsed.checkpoint, policy, options);
  verifyInclusion(parsed.index, verified.checkpoint.size, leaf, parsed.inclusionProof, verified.checkpoint.rootHash);
  return parsed.extra === undefined ? { ...verified, index: parsed.index } : { ...verified, index: parsed.index, extra: parsed.extra };
}
