import path from 'node:path';
import { EmbeddedLedger, LedgerDamagedError, freshTxId, type LedgerIdentity, type LedgerLog } from '@tender-ledger/embedded-ledger';
import { BIDDER_ID_ATTRIBUTE, type Actor } from '@tender-ledger/domain';
import { callerKey, type Caller } from './auth.js';
import type { Committed, LedgerBackend, Reader, SubmitOptions } from './backend.js';

/** The identity anyone without a privileged role reads as: it owns nothing. */
const PUBLIC_READER_ID = 'gateway::public';

/**
 * The embedded ledger in `${dataDir}/ledger`. Callers become ledger identities the way a
 * Fabric deployment would issue them: each platform its own client identity in the trading
 * centre's MSP, regulators in the regulator's MSP.
 */
export class EmbeddedBackend implements LedgerBackend {
  readonly kind = 'embedded';
  readonly #open: EmbeddedLedger | LedgerDamagedError;
  readonly #msp: { platform: string; regulator: string };

  private constructor(ledger: EmbeddedLedger | LedgerDamagedError, msp: { platform: string; regulator: string }) {
    this.#open = ledger;
    this.#msp = msp;
  }

  /**
   * A damaged store does not stop the gateway from starting: it then answers every ledger call
   * and /healthz with 503 LEDGER_DAMAGED saying why, rather than 404s for acknowledged records.
   */
  static async open(
    dataDir: string,
    msp: { platform: string; regulator: string },
    clock?: () => Date,
    log: (message: string) => void = console.error,
  ): Promise<EmbeddedBackend> {
    try {
      return new EmbeddedBackend(await EmbeddedLedger.open(path.join(dataDir, 'ledger'), clock ? { clock } : {}), msp);
    } catch (error) {
      if (!(error instanceof LedgerDamagedError)) throw error;
      log(`THE LEDGER IS DAMAGED; serving nothing from it until an operator acts: ${error.message}`);
      return new EmbeddedBackend(error, msp);
    }
  }

  /** The ledger itself, for tools that need blocks. */
  get ledger(): EmbeddedLedger {
    return this.#ledger;
  }

  /** Every ledger call goes through here: on a damaged store it throws LEDGER_DAMAGED (503). */
  get #ledger(): EmbeddedLedger {
    if (this.#open instanceof LedgerDamagedError) throw this.#open;
    return this.#open;
  }

  /**
   * The transaction id is fixed here, before the ledger sees the transaction, so the gateway can
   * record it first. A resumed id is one the gateway found recorded but not on the ledger: the
   * process that sent it is gone (its block never became durable, so it was never acknowledged),
   * so running it again under the same id is its first and only landing.
   */
  async submit(caller: Caller, fn: string, args: string[], _projectId?: string, options: SubmitOptions = {}): Promise<Committed> {
    const id = options.resume?.txId ?? freshTxId();
    if (!options.resume) await options.beforeSend?.({ txId: id });
    const { onSealed } = options;
    const { result, txId, blockNumber, blockHash, leafIndex } = await this.#ledger.submit(
      { identity: this.#identityOf(caller), fn, args, txId: id },
      onSealed
        ? {
            onSealed: (sealed) => {
              onSealed({
                result: sealed.result,
                txId: sealed.txId,
                blockNumber: sealed.blockNumber,
                blockHash: sealed.blockHash,
                ...(sealed.leafIndex === undefined ? {} : { leafIndex: sealed.leafIndex }),
              });
            },
          }
        : undefined,
    );
    return { result, txId, blockNumber, blockHash, ...(leafIndex === undefined ? {} : { leafIndex }) };
  }

  async submitAsOwner(owner: Actor, fn: string, args: string[]): Promise<Committed> {
    const { result, txId, blockNumber, blockHash, leafIndex } = await this.#ledger.submit({
      identity: { mspId: owner.mspId, id: owner.clientId },
      fn,
      args,
    });
    return { result, txId, blockNumber, blockHash, ...(leafIndex === undefined ? {} : { leafIndex }) };
  }

  async evaluate(reader: Reader, fn: string, args: string[]): Promise<string> {
    return this.#ledger.evaluate({ identity: this.#readerIdentity(reader), fn, args });
  }

  async transaction(txId: string): Promise<{ blockNumber: number; blockHash: string; leafIndex?: number } | undefined> {
    const blockNumber = await this.#ledger.blockNumberOf(txId);
    if (blockNumber === undefined) return undefined;
    const block = await this.#ledger.getBlock(blockNumber);
    const leafIndex = await this.log?.leafIndexOf(txId);
    return block ? { blockNumber, blockHash: block.hash, ...(leafIndex === undefined ? {} : { leafIndex }) } : undefined;
  }

  /** The transparency log (none on a damaged store: nothing is served from it). */
  get log(): LedgerLog | undefined {
    return this.#open instanceof EmbeddedLedger ? this.#open.log : undefined;
  }

  async health(): Promise<{ height: number }> {
    return { height: this.#ledger.height };
  }

  async close(): Promise<void> {
    if (this.#open instanceof EmbeddedLedger) await this.#open.close();
  }

  /**
   * A bidder reads as an identity of the platform organisation carrying the bidder id as a
   * certificate attribute, as the trading centre's CA would issue it: that organisation vouches
   * for the bidders its platforms register, and the contract honours the attribute only on its
   * projects. Such an identity reads; the contract refuses it any write.
   */
  #identityOf(caller: Caller): LedgerIdentity {
    switch (caller.role) {
      case 'platform':
        return { mspId: this.#msp.platform, id: `platform::${callerKey(caller)}` };
      case 'regulator':
        return { mspId: this.#msp.regulator, id: `regulator::${callerKey(caller)}` };
      case 'bidder':
        return { mspId: this.#msp.platform, id: `bidder::${callerKey(caller)}`, attributes: { [BIDDER_ID_ATTRIBUTE]: caller.sub } };
    }
  }

  #readerIdentity(reader: Reader): LedgerIdentity {
    return reader.kind === 'caller' ? this.#identityOf(reader.caller) : { mspId: this.#msp.platform, id: PUBLIC_READER_ID };
  }
}
