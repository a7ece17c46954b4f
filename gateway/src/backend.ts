import type { Actor } from '@tender-ledger/domain';
import type { Caller } from './auth.js';
import type { GatewayLog } from './tlog/service.js';

/** Where a committed transaction landed. */
export interface Committed {
  result: string;
  txId: string;
  blockNumber: number;
  blockHash: string;
  /** The record's leaf in the transparency log. */
  leafIndex?: number;
}

/**
 * A transaction as recorded before it may reach the ledger: enough to find it later and, on
 * Fabric, to send the very same transaction again rather than a new one.
 */
export interface TxIntent {
  txId: string;
  /** Fabric: the endorsed, signed transaction (base64 of fabric-gateway's `Transaction.getBytes()`), re-sent byte for byte. */
  envelope?: string;
}

export interface SubmitOptions {
  /** Called with each transaction before it is sent; the backend sends it only once this resolves (the intent is durable). */
  beforeSend?: (intent: TxIntent) => Promise<void>;
  /** An earlier transaction of the same request that is not on the ledger: resume it (same id) instead of making a new one. */
  resume?: TxIntent;
  /**
   * Called when the backend knows where the transaction will land (the embedded ledger: its block
   * is sealed and being written) but before it is durable, so work such as signing the receipt
   * can overlap the fsync. Nothing may be sent from here. A backend may never call it (Fabric).
   */
  onSealed?: (landing: Committed) => void;
}

/**
 * Whose identity a ledger call runs under. The contract decides what each may do and see, so
 * the gateway presents the real caller: a platform as itself, a regulator as a regulator, a
 * bidder as an identity the contract recognises as speaking for that bidder (see each backend),
 * anyone else as an identity that owns nothing. It never reads as someone else to filter for a caller.
 */
export type Reader = { kind: 'caller'; caller: Caller } | { kind: 'public' };

/** The ledger behind the gateway: the embedded ledger or a Fabric network. */
export interface LedgerBackend {
  readonly kind: 'embedded' | 'fabric';
  /** The transparency log of the committed records, when this backend keeps one. */
  readonly log?: GatewayLog | undefined;
  /**
   * Records a step as the calling platform; resolves once the transaction is committed.
   * `projectId` names the hash chain the step extends, so a backend can order steps of one project.
   * Rejects with `OutcomeUnknownError` when the transaction was sent and its fate is not known.
   */
  submit(caller: Caller, fn: string, args: string[], projectId?: string, options?: SubmitOptions): Promise<Committed>;
  /**
   * Records a step as the platform that registered the project (the recorded owner), for steps
   * the gateway sends on that platform's behalf: closing bidding at the deadline.
   */
  submitAsOwner(owner: Actor, fn: string, args: string[], projectId: string): Promise<Committed>;
  evaluate(reader: Reader, fn: string, args: string[]): Promise<string>;
  /** The block a transaction is in, if it is on the ledger. */
  transaction(txId: string): Promise<{ blockNumber: number; blockHash: string; leafIndex?: number } | undefined>;
  health(): Promise<{ height?: number }>;
  /**
   * Stops waiting for transactions whose fate is unknown (a draining gateway out of time): their
   * writes end as OutcomeUnknownError, kept as sent, and a retry after the restart resumes them.
   */
  interrupt?(): void;
  close(): Promise<void>;
}
