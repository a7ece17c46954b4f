import { hostname } from 'node:os';
import { SIG_COSIGNATURE_V1, parseVerifierKey } from '@tender-ledger/tlog';

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
  /** On Fabric, build the log from the peer's blocks (`FABRIC_TLOG=true`; off by default: not yet run on a live network). */
  readonly fabric: boolean;
}

/**
 * Reads the log's configuration (part of the gateway's, read once at start), failing fast:
 * - `LOG_ORIGIN`: the origin line of every checkpoint (default `<hostname>/tender-ledger`).
 * - `WITNESSES`: a JSON list `[{"url": "https://w.regulator.example", "vkey": "w.regulator.example+1a2b3c4d+B..."}]`.
 * - `WITNESS_QUORUM`: k of those n must cosign (default n; 0 publishes checkpoints without witnesses).
 * - `CHECKPOINT_INTERVAL_MS`: how soon new leaves get a checkpoint (default 200, 10–1000).
 * - `FABRIC_TLOG`: `true` to build the log from the Fabric peer's blocks (default `false`).
 */
export function readTlogConfig(env: NodeJS.ProcessEnv, fail: (message: string) => never): TlogConfig {
  const origin = env.LOG_ORIGIN ?? `${hostname()}/tender-ledger`;
  // A checkpoint's origin is also the log key's name: no spaces, no '+', one line.
  if (!/^[\x21-\x7e]+$/.test(origin) || origin.includes('+')) fail(`LOG_ORIGIN must be printable ASCII without spaces or '+', not ${JSON.stringify(origin)}`);
  let witnesses: WitnessEndpoint[] = [];
  if (env.WITNESSES !== undefined && env.WITNESSES.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.WITNESSES);
    } catch {
      fail('WITNESSES must be a JSON list of {"url", "vkey"}');
    }
    if (!Array.isArray(parsed)) fail('WITNESSES must be a JSON list of {"url", "vkey"}');
    witnesses = parsed.map((w: unknown, i) => {
      const { url, vkey } = (w ?? {}) as { url?: unknown; vkey?: unknown };
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) fail(`WITNESSES[${i}].url must be an http(s) URL`);
      if (typeof vkey !== 'string') fail(`WITNESSES[${i}].vkey must be a verifier key`);
      try {
        if (parseVerifierKey(vkey).type !== SIG_COSIGNATURE_V1) fail(`WITNESSES[${i}].vkey must be a cosignature/v1 (0x04) key`);
      } catch (error) {
        fail(`WITNESSES[${i}].vkey: ${(error as Error).message}`);
      }
      return Object.freeze({ url: url.replace(/\/+$/, ''), vkey });
    });
  }
  const quorumText = env.WITNESS_QUORUM ?? String(witnesses.length);
  const quorum = /^(0|[1-9][0-9]*)$/.test(quorumText) ? Number(quorumText) : NaN;
  if (!(quorum >= 0 && quorum <= witnesses.length)) fail(`WITNESS_QUORUM must be 0-${witnesses.length} (the number of WITNESSES), not ${quorumText}`);
  const intervalText = env.CHECKPOINT_INTERVAL_MS ?? '200';
  const checkpointIntervalMs = Number(intervalText);
  if (!Number.isInteger(checkpointIntervalMs) || checkpointIntervalMs < 10 || checkpointIntervalMs > 1000) fail(`CHECKPOINT_INTERVAL_MS must be 10-1000, not ${intervalText}`);
  const fabricText = env.FABRIC_TLOG ?? 'false';
  if (fabricText !== 'true' && fabricText !== 'false') fail(`FABRIC_TLOG must be true or false, not ${fabricText}`);
  return Object.freeze({ origin, witnesses: Object.freeze(witnesses), quorum, checkpointIntervalMs, fabric: fabricText === 'true' });
}
