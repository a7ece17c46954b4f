import type { Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { blockHeaderHash, openEnvelope } from './fabric-blocks.js';

/** A sent transaction's fate as its block tells it: where it landed and the peer's validation code. */
export interface BlockCommit {
  txId: string;
  blockNumber: number;
  blockHash: string;
  /** peer.TxValidationCode (fabric-gateway's StatusCode): 0 is VALID. */
  code: number;
}

interface Waiter {
  resolve: (commit: BlockCommit | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * The commit of every transaction the gateway sends, from one stream of the peer's committed
 * blocks. Asking the peer for each transaction's commit status signs a request and makes a gRPC
 * call per transaction, and a receipt's block hash took a ledger query per block: on 2 cores that
 * was a fifth of the gateway's CPU per bid. One block arrives once for all its transactions.
 *
 * Blocks come in order from where the last stream stopped, so a broken stream loses none: the
 * next one resumes at the block after the last seen. A waiter registers before its transaction
 * is sent (its id is known then), so its block cannot pass unseen.
 */
export class CommitWatcher {
  readonly #waiting = new Map<string, Waiter>();
  readonly #stop = new AbortController();
  #next: bigint;

  private constructor(next: bigint) {
    this.#next = next;
  }

  /**
   * Starts following at `height` (the chain's height now): every transaction sent after this
   * lands in that block or a later one.
   */
  static start(network: Network, height: number, warn: (message: string) => void): CommitWatcher {
    const watcher = new CommitWatcher(BigInt(height));
    void watcher.#follow(network, warn);
    return watcher;
  }

  /**
   * Resolves with the transaction's commit once a block holds it, or with undefined after
   * `timeoutMs` (its fate is then unknown here: the caller asks the ledger). Call before sending.
   */
  wait(txId: string, timeoutMs: number): Promise<BlockCommit | undefined> {
    this.#waiting.get(txId)?.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#settle(txId, undefined);
      }, timeoutMs);
      this.#waiting.set(txId, { resolve, timer });
    });
  }

  /** Stops waiting for a transaction that was not sent after all. */
  forget(txId: string): void {
    this.#settle(txId, undefined);
  }

  close(): void {
    this.#stop.abort();
    for (const txId of [...this.#waiting.keys()]) this.#settle(txId, undefined);
  }

  #settle(txId: string, commit: BlockCommit | undefined): void {
    const waiter = this.#waiting.get(txId);
    if (!waiter) return;
    this.#waiting.delete(txId);
    clearTimeout(waiter.timer);
    waiter.resolve(commit);
  }

  async #follow(network: Network, warn: (message: string) => void): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        const blocks = await network.getBlockEvents({ startBlock: this.#next });
        const close = () => {
          blocks.close();
        };
        signal.addEventListener('abort', close, { once: true });
        try {
          for await (const block of blocks) {
            this.#apply(block);
            if (signal.aborted) break;
          }
        } finally {
          signal.removeEventListener('abort', close);
          blocks.close();
        }
      } catch (error) {
        if (signal.aborted) return;
        warn(`commit watcher: the peer's block stream failed at block ${this.#next}: ${(error as Error).message}; again in 1 s`);
      }
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  #apply(block: common.Block): void {
    const header = block.getHeader();
    if (!header) return;
    const number = BigInt(header.getNumber());
    // A resumed stream repeats nothing, but a block below the next expected is passed over all the same.
    if (number < this.#next) return;
    this.#next = number + 1n;
    if (this.#waiting.size === 0) return;
    const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array(0);
    let blockHash: string | undefined;
    block
      .getData()
      ?.getDataList_asU8()
      .forEach((envelope, i) => {
        const txId = txIdOf(envelope);
        // The first copy of an id decides; a later copy in the same block is a DUPLICATE_TXID.
        if (txId === undefined || !this.#waiting.has(txId)) return;
        blockHash ??= blockHeaderHash(header);
        this.#settle(txId, { txId, blockNumber: Number(number), blockHash, code: filter[i] ?? -1 });
      });
  }
}

/** The transaction id in an envelope's channel header; undefined if the envelope cannot be read. */
function txIdOf(envelope: Uint8Array): string | undefined {
  try {
    return openEnvelope(envelope).channelHeader.getTxId() || undefined;
  } catch {
    return undefined;
  }
}
