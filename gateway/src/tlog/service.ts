import { proofExtra } from '@tender-ledger/domain';
import { SIG_ED25519, formatPolicy, formatProofBundle, parsePolicy, type TlogPolicy } from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';
import { Checkpointer, type PublishedCheckpoint } from './checkpointer.js';
import type { TlogConfig } from './config.js';
import { loadOrCreateLogKey } from './log-key.js';
import type { TileSource } from './tiles.js';
import type { Logger } from '../logging.js';

/** The log as the gateway serves it, on either ledger: durable leaves, nodes, proofs. */
export interface GatewayLog extends TileSource {
  root(size?: number): Uint8Array;
  inclusionProof(index: number, size?: number): Uint8Array[];
  consistencyProof(size1: number, size2?: number): Uint8Array[];
  /** The leaf of a transaction's record, once durable. */
  leafIndexOf(txId: string): Promise<number | undefined>;
}

export interface TlogServiceOptions {
  fetch?: typeof fetch;
  /** The gateway's JSON log: witness refusals (warn) and published checkpoints (debug). Witness URLs only, never the log key. */
  logger?: Pick<Logger, 'warn' | 'debug'>;
}

/**
 * The transparency log's serving side: its key, the checkpointer that signs and gets
 * checkpoints witnessed, the policy verifiers use, and proof bundles.
 */
export class TlogService {
  readonly log: GatewayLog;
  readonly checkpointer: Checkpointer;
  /** The tlog-policy text a verifier of this log's bundles uses (`GET /log/policy`). */
  readonly policyText: string;
  readonly policy: TlogPolicy;
  readonly vkey: string;

  private constructor(log: GatewayLog, checkpointer: Checkpointer, policyText: string, vkey: string) {
    this.log = log;
    this.checkpointer = checkpointer;
    this.policyText = policyText;
    this.policy = parsePolicy(policyText, { ed25519: nodeEd25519 });
    this.vkey = vkey;
  }

  /** Loads (or creates) the log key in `DATA_DIR/keys/log` and starts signing checkpoints. */
  static async start(log: GatewayLog, config: TlogConfig, dataDir: string, options: TlogServiceOptions = {}): Promise<TlogService> {
    const key = await loadOrCreateLogKey(dataDir, config.origin);
    if (key.type !== SIG_ED25519) throw new Error('the log key is not Ed25519');
    const policyText = formatPolicy({ logs: [key.vkey], witnesses: config.witnesses.map((w) => w.vkey), threshold: config.quorum });
    const policy = parsePolicy(policyText, { ed25519: nodeEd25519 });
    const checkpointer = new Checkpointer({
      log,
      origin: config.origin,
      signer: key.signer,
      witnesses: config.witnesses,
      policy,
      intervalMs: config.checkpointIntervalMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.logger
        ? {
            warn: (message: string) => options.logger?.warn({ component: 'tlog' }, message),
            published: (c: PublishedCheckpoint) =>
              options.logger?.debug({ component: 'tlog', size: c.size }, `checkpoint of size ${c.size} published`),
          }
        : {}),
    });
    checkpointer.start();
    return new TlogService(log, checkpointer, policyText, key.vkey);
  }

  /**
   * The tlog-proof bundle of a record: its leaf, the inclusion proof, and the newest checkpoint
   * meeting the witness policy that covers it (waiting up to `waitMs` for one). Undefined if the
   * record has no leaf; throws if no such checkpoint comes in time.
   */
  async bundle(
    recordId: string,
    recordHash: string,
    waitMs: number,
  ): Promise<{ text: string; index: number; checkpoint: PublishedCheckpoint } | undefined> {
    const index = await this.log.leafIndexOf(recordId);
    if (index === undefined) return undefined;
    const checkpoint = await this.checkpointer.waitFor(index + 1, waitMs);
    // Unauthenticated (verifyProof never trusts it): which record the holder meant, for people and tools.
    const extra = proofExtra(recordId, recordHash);
    const text = formatProofBundle({
      extra,
      index,
      inclusionProof: this.log.inclusionProof(index, checkpoint.size),
      checkpoint: checkpoint.note,
    });
    return { text, index, checkpoint };
  }

  stop(): Promise<void> {
    return this.checkpointer.stop();
  }
}
