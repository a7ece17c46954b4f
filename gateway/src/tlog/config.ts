import { hostname } from 'node:os';
import { SIG_COSIGNATURE_V1, SIG_ED25519, parseVerifierKey } from '@tender-ledger/tlog';

/** One witness the gateway sends its checkpoints to. */
export interface WitnessEndpoint {
  /** Its tlog-witness base URL; checkpoints go to `<url>/add-checkpoint`. */
  readonly url: string;
  /** Its cosignature/v1 verifier key (`<name>+<key id>+<base64>`). */
  readonly vkey: string;
}

export interface TlogConfig {
  /** The log's origin, also its key name: `LOG_ORIGIN`, default `<host>/tender-ledger`. */
  readonly origin: string;
  readonly witnesses: readonly WitnessEndpoint[];
  /** How many of them must cosign before a checkpoint is published with proofs (k of n). */
  readonly quorum: number;
  /** How often the log looks for new leaves to sign (ms); at most 1,000. */
  readonly checkpointIntervalMs: number;
  /** On Fabric, build the log from the peer's blocks (`FABRIC_TLOG=true`). */
  readonly fabric: boolean;
  /** On Fabric, whose peer's blocks: `platform` (the platform MSP's peer, default) or `regulator` (`FABRIC_TLOG_PEER`). */
  readonly fabricPeer: 'platform' | 'regulator';
  /**
   * The other organisations' logs this gateway witnesses (`TLOG_WITNESS_FOR`, their Ed25519 note
   * verifier keys): it cosigns their checkpoints at `POST /witness/add-checkpoint` only if each is
   * the root of its own tree at that size. Needs `FABRIC_TLOG=true`.
   */
  readonly witnessFor: readonly string[];
}

/**
 * Reads the log's configuration (part of the gateway's, read once at start), failing fast:
 * - `LOG_ORIGIN`: the origin line of every checkpoint (default `<hostname>/tender-ledger`).
 * - `WITNESSES`: a JSON list `[{"url": "https://w.regulator.example", "vkey": "w.regulator.example+1a2b3c4d+B..."}]`.
 * - `WITNESS_QUORUM`: k of those n must cosign (default n; 0 publishes checkpoints without witnesses).
 * - `CHECKPOINT_INTERVAL_MS`: how soon new leaves get a checkpoint (default 200, 10–1000).
 * - `FABRIC_TLOG`: `true` to build the log from the Fabric peer's blocks (default `false`).
 * - `FABRIC_TLOG_PEER`: `platform` (default) or `regulator`: whose organisation's peer the log follows.
 * - `TLOG_WITNESS_FOR`: a JSON list of the log verifier keys (Ed25519, 0x01) of the logs this gateway witnesses.
 */
export function readTlogConfig(env: NodeJS.ProcessEnv, fail: (message: string) => never): TlogConfig {
  const origin = env.LOG_ORIGIN ?? `${hostname()}/tender-ledger`;
  // A checkpoint's origin is also the log key's name: no spaces, no '+', one line.
  if (!/^[\x21-\x7e]+$/.test(origin) || origin.includes('+'))
    fail(`LOG_ORIGIN must be printable ASCII without spaces or '+', not ${JSON.stringify(origin)}`);
  const witnesses: WitnessEndpoint[] = jsonList(env.WITNESSES, 'WITNESSES must be a JSON list of {"url", "vkey"}', fail).map(
    (w: unknown, i) => {
      const { url, vkey } = (w ?? {}) as { url?: unknown; vkey?: unknown };
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) fail(`WITNESSES[${i}].url must be an http(s) URL`);
      if (typeof vkey !== 'string') fail(`WITNESSES[${i}].vkey must be a verifier key`);
      try {
        if (parseVerifierKey(vkey).type !== SIG_COSIGNATURE_V1) fail(`WITNESSES[${i}].vkey must be a cosignature/v1 (0x04) key`);
      } catch (error) {
        fail(`WITNESSES[${i}].vkey: ${(error as Error).message}`);
      }
      return Object.freeze({ url: url.replace(/\/+$/, ''), vkey });
    },
  );
  const quorumText = env.WITNESS_QUORUM ?? String(witnesses.length);
  const quorum = /^(0|[1-9][0-9]*)$/.test(quorumText) ? Number(quorumText) : NaN;
  if (!(quorum >= 0 && quorum <= witnesses.length))
    fail(`WITNESS_QUORUM must be 0-${witnesses.length} (the number of WITNESSES), not ${quorumText}`);
  const intervalText = env.CHECKPOINT_INTERVAL_MS ?? '200';
  const checkpointIntervalMs = Number(intervalText);
  if (!Number.isInteger(checkpointIntervalMs) || checkpointIntervalMs < 10 || checkpointIntervalMs > 1000)
    fail(`CHECKPOINT_INTERVAL_MS must be 10-1000, not ${intervalText}`);
  const fabricText = env.FABRIC_TLOG ?? 'false';
  if (fabricText !== 'true' && fabricText !== 'false') fail(`FABRIC_TLOG must be true or false, not ${fabricText}`);
  const fabricPeer = env.FABRIC_TLOG_PEER ?? 'platform';
  if (fabricPeer !== 'platform' && fabricPeer !== 'regulator') fail(`FABRIC_TLOG_PEER must be platform or regulator, not ${fabricPeer}`);
  const witnessFor = jsonList(env.TLOG_WITNESS_FOR, 'TLOG_WITNESS_FOR must be a JSON list of log verifier keys', fail).map((vkey, i) => {
    if (typeof vkey !== 'string') fail(`TLOG_WITNESS_FOR[${i}] must be a log verifier key`);
    try {
      if (parseVerifierKey(vkey).type !== SIG_ED25519) fail(`TLOG_WITNESS_FOR[${i}] must be a log's Ed25519 (0x01) key`);
    } catch (error) {
      fail(`TLOG_WITNESS_FOR[${i}]: ${(error as Error).message}`);
    }
    return vkey;
  });
  // Only a tree of its own makes the cosignature mean the ledgers agree.
  if (witnessFor.length > 0 && fabricText !== 'true')
    fail("TLOG_WITNESS_FOR needs FABRIC_TLOG=true: the gateway cosigns against its own peer's tree");
  return Object.freeze({
    origin,
    witnesses: Object.freeze(witnesses),
    quorum,
    checkpointIntervalMs,
    fabric: fabricText === 'true',
    fabricPeer,
    witnessFor: Object.freeze(witnessFor),
  });
}

/** A JSON list from an environment variable (empty when unset or blank). */
function jsonList(text: string | undefined, message: string, fail: (message: string) => never): unknown[] {
  if (text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail(message);
  }
  if (!Array.isArray(parsed)) fail(message);
  return parsed;
}
