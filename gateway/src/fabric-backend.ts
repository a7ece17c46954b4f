import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  GatewayError,
  StatusCode,
  type Contract,
  type Gateway,
  type Network,
  type Signer,
  type Transaction,
} from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { ActorSchema, BIDDER_ID_TRANSIENT, Identifier, parseLedgerError, schemaErrors, type Actor } from '@tender-ledger/domain';
import { callerKey, type Caller } from './auth.js';
import type { Committed, LedgerBackend, Reader, SubmitOptions, TxIntent } from './backend.js';
import { LedgerUnavailableError, OutcomeUnknownError, Problem } from './problem.js';
import { timePhase, type FabricObserver } from './metrics.js';
import { FabricLog } from './tlog/fabric-log.js';
import { NATIVE_SIGNER_HASH, newNativeSigner } from './fabric-signer.js';
import { blockHeaderHash } from './fabric-blocks.js';
import { CommitWatcher } from './fabric-commits.js';
import type { FabricConnection } from './fabric-connection.js';

/** The network description `network/network.sh deploy` writes (fabric-connection.json). */
export type { FabricConnection } from './fabric-connection.js';

export interface FabricBackendOptions {
  connection: FabricConnection;
  /** Platform identity key ({@link callerKey}: `<issuer>::<sub>`) → Fabric user of the platform MSP: each platform signs as itself. */
  platformIdentities: Record<string, string>;
  platformMspId: string;
  regulatorMspId: string;
  /** Regulator user that regulator reads go through. */
  regulatorIdentity: string;
  /** A platform-MSP user that owns nothing: public reads go through it. */
  publicIdentity: string;
  /**
   * The platform-MSP user bidders' reads go through, naming the bidder in transient data: the
   * chaincode must list it in TENDER_BIDDER_PROXIES (`<mspId>/<common name>`), else it reads publicly.
   */
  bidderIdentity: string;
  /** Told each write's endorse, submit and commit latency and each retry (the gateway's metrics). */
  observer?: FabricObserver;
  /** Build the transparency log from a peer's committed blocks (`FABRIC_TLOG=true`). */
  transparencyLog?: boolean;
  /** Whose peer the log follows: the platform organisation's (default) or the regulator's, each organisation's gateway its own. */
  logPeer?: 'platform' | 'regulator';
  /** Where the log follower's failures go (the gateway's JSON log; default console.warn). */
  warn?: (message: string) => void;
  /** Transactions in flight at once (default {@link MAX_IN_FLIGHT}); the rest wait their turn here. */
  maxInFlight?: number;
  /** How long one request keeps re-sending a transaction whose fate is unknown before answering that it is unknown (default 5 minutes). */
  resendForMs?: number;
}

// Of numbers: a GatewayError's code is a plain number, compared with these statuses.
const GRPC_UNAVAILABLE = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);
// A transaction that lost a read conflict was not applied: it is safe to run again.
const RETRYABLE_STATUS = new Set<number>([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);
const MAX_ATTEMPTS = 8;
/** Bidding steps extend the bidder's own chain, not the project's (see TenderContract.commitBid). */
const BIDDER_CHAIN_FNS = new Set(['registerBidder', 'commitBid', 'withdrawBid']);
/**
 * The two organisations' peers endorse at their own heights: one a block behind reads an older
 * value and their answers differ. Nothing was sent, so a new proposal is safe.
 */
const ENDORSEMENT_MISMATCH = /ProposalResponsePayloads do not match/i;
/**
 * A peer answers at most peer.limits.concurrency.gatewayService (500 by default) gateway calls at
 * once and refuses the next one outright; a transaction holds one while it is endorsed and while
 * it is submitted (its commit comes from the block stream, see CommitWatcher). A deadline crunch
 * (1,000 bids in 15 s) could pass that, so the gateway keeps its own transactions below it,
 * leaving room for reads.
 */
export const MAX_IN_FLIGHT = 256;
const PEER_BUSY = /exceeding concurrency limit/i;

/** The lane a write waits in: a project's own chain, or (bidding steps) one bidder's chain. */
export function laneOf(fn: string, args: readonly string[], projectId: string): string {
  if (!BIDDER_CHAIN_FNS.has(fn)) return projectId;
  // The request's bidder, if it names one the contract would take: an id it refuses (one holding
  // the lane's separator, say) waits in the project's shared bidder lane, and is refused there.
  const bidderId = fn === 'withdrawBid' ? args[1] : bidderOf(args[1]);
  return `${projectId}\u0000bidder\u0000${schemaErrors(Identifier, bidderId).length === 0 ? (bidderId as string) : ''}`;
}

/** The contract's whoAmI answer, checked: a peer's answer of another shape is the gateway's failure (500), never an owner's identity. */
function whoAmI(answer: string): Actor {
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch {
    value = undefined;
  }
  const errors = schemaErrors(ActorSchema, value);
  if (errors.length > 0)
    throw new Problem('INTERNAL', `the peer answered whoAmI with no identity: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  return value as Actor;
}

/** The `bidderId` of a step's JSON argument, unchecked; undefined when it is not JSON. */
function bidderOf(argument: string | undefined): unknown {
  try {
    const value: unknown = JSON.parse(argument ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>).bidderId : undefined;
  } catch {
    return undefined;
  }
}
// Re-sends of a transaction whose fate is unknown: 0.5 s, doubling, at most 8 s apart.
const RESEND_FIRST_PAUSE_MS = 500;
const RESEND_MAX_PAUSE_MS = 8_000;
const RESEND_FOR_MS = 300_000;
/**
 * How long a sent transaction's block (its commit status) is awaited before the ledger is asked
 * and the envelope sent again: an orderer that died holding it never orders it, and a re-send is
 * harmless (a second copy of a transaction id is invalidated). A Raft leader acknowledges a transaction once
 * it is in its block cutter, before any block holds it: killed within BatchTimeout (100 ms) of that,
 * it loses the transaction without a word, and only this wait notices. At 20 s it was the 21 s first
 * write after a leader kill (network/PROVINCE.md): the 4 writes in flight were lost, and each writer
 * waited it out before its next. 5 s: no shorter than the longest Raft election (2 × ElectionTick ×
 * TickInterval, 5 s at the province's 250 ms tick), so the one re-send finds a new leader; and well
 * above a healthy commit status, measured on CITIES=5 with 2 cores: 0.8 s at most with 64 writers
 * (68 transactions/s), 1.8 s with 256 (60/s, saturated). A slower one costs only an invalid copy.
 */
const COMMIT_STATUS_WAIT_MS = 5_000;

/** An invalidated transaction: its id and the peer's validation code (fabric-gateway's StatusCode). */
interface Invalid {
  transactionId: string;
  code: number;
}

interface Signed {
  /** The organisation of this identity, and so of the peer the gateway endorses through first. */
  mspId: string;
  gateway: Gateway;
  network: Network;
  contract: Contract;
  qscc: Contract;
  /** Signs a transaction's digest (with the native signer, its whole payload) as this identity (the envelope is signed before it is kept). */
  sign: Signer;
}

/**
 * The gateway's Fabric backend, through @hyperledger/fabric-gateway. Each platform's steps are
 * endorsed under that platform's own Fabric identity and regulator reads under the regulator's,
 * so the contract's access rules hold exactly as on the embedded ledger. A peer or orderer that
 * cannot be reached is a LedgerUnavailableError (503); gRPC reconnects on its own when it is back.
 */
export class FabricBackend implements LedgerBackend {
  readonly kind = 'fabric';
  readonly #options: FabricBackendOptions;
  readonly #clients: grpc.Client[] = [];
  readonly #signed = new Map<string, Signed>();
  readonly #byClientId = new Map<string, string>();
  /** Each organisation's commit watcher, started at its first write (see CommitWatcher). */
  readonly #watchers = new Map<string, Promise<CommitWatcher>>();
  readonly #lanes = new Map<string, Promise<void>>();
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];
  #log: FabricLog | undefined;
  readonly #logStop = new AbortController();
  /** Aborted on close or interrupt: re-send loops stop and leave the outcome unknown. */
  readonly #closing = new AbortController();
  readonly #resendForMs: number;

  private constructor(options: FabricBackendOptions) {
    this.#options = options;
    this.#resendForMs = options.resendForMs ?? RESEND_FOR_MS;
  }

  static async open(options: FabricBackendOptions): Promise<FabricBackend> {
    const backend = new FabricBackend(options);
    backend.#connectAll();
    if (options.transparencyLog) backend.#followLog();
    return backend;
  }

  /** The transparency log of this organisation's peer's committed blocks, when followed. */
  get log(): FabricLog | undefined {
    return this.#log;
  }

  /** Follows the peer's blocks from block 0 into the log, resuming after a broken stream. */
  #followLog(): void {
    const o = this.#options;
    const signed =
      o.logPeer === 'regulator' ? this.#identity(o.regulatorMspId, o.regulatorIdentity) : this.#identity(o.platformMspId, o.publicIdentity);
    const log = new FabricLog();
    this.#log = log;
    const stop = this.#logStop.signal;
    void (async () => {
      while (!stop.aborted) {
        try {
          await log.follow(signed.network, stop);
        } catch (error) {
          if (stop.aborted) return;
          (this.#options.warn ?? console.warn)(
            `transparency log: following the peer's blocks failed at block ${log.nextBlock}: ${(error as Error).message}; again in 1 s`,
          );
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })();
  }

  /**
   * Steps of one project extend one hash chain, so two in the same block conflict and one is
   * invalidated. The gateway therefore sends a project's steps one after another; different
   * projects still go in parallel. Bidding steps extend only their bidder's chain, so they wait
   * only for that bidder's earlier steps: different bidders never wait for each other.
   * Conflicts from elsewhere (another gateway) are retried.
   */
  submit(caller: Caller, fn: string, args: string[], projectId?: string, options: SubmitOptions = {}): Promise<Committed> {
    // async, so a caller without a Fabric identity is a rejection like any other failure.
    const send = async () => this.#slot(() => this.#submit(this.#forCaller(caller, true), fn, args, options));
    return projectId === undefined ? send() : this.#inLane(laneOf(fn, args, projectId), send);
  }

  submitAsOwner(owner: Actor, fn: string, args: string[], projectId: string): Promise<Committed> {
    return this.#inLane(projectId, async () => {
      const signed = await this.#forOwner(owner);
      return this.#slot(() => this.#submit(signed, fn, args, {}));
    });
  }

  /** Runs a transaction once fewer than maxInFlight are under way (see {@link MAX_IN_FLIGHT}). */
  async #slot(send: () => Promise<Committed>): Promise<Committed> {
    if (this.#inFlight >= (this.#options.maxInFlight ?? MAX_IN_FLIGHT)) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#inFlight++;
    }
    try {
      return await send();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#inFlight--;
    }
  }

  #inLane(projectId: string, send: () => Promise<Committed>): Promise<Committed> {
    const previous = this.#lanes.get(projectId) ?? Promise.resolve();
    const mine = previous.then(send, send);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.#lanes.set(projectId, settled);
    void settled.then(() => {
      if (this.#lanes.get(projectId) === settled) this.#lanes.delete(projectId);
    });
    return mine;
  }

  /**
   * fabric-gateway fixes the transaction id at the proposal. Each endorsed transaction is signed
   * here and handed to `beforeSend` (id and the signed envelope, which the gateway keeps synced)
   * before it goes to the orderer. While its fate is unknown (the orderer refused or was gone,
   * the commit status did not come) the very same signed envelope is sent again, with backoff,
   * until it is committed or definitely invalid: a peer invalidates any second copy of a
   * transaction id (DUPLICATE_TXID), so at most one copy lands. Only once it is final may a new
   * transaction follow. If the fate is still unknown after `resendForMs` (or on close), this is an
   * OutcomeUnknownError; resuming with the envelope (after a restart too) re-sends it again.
   */
  async #submit(signed: Signed, fn: string, args: string[], options: SubmitOptions): Promise<Committed> {
    let resume = options.resume?.envelope ? options.resume : undefined;
    // Before anything is endorsed: a peer that cannot be asked its height fails the write unsent.
    const watcher = await this.#watcher(signed);
    for (let attempt = 1; ; attempt++) {
      let transaction: Transaction;
      try {
        if (resume?.envelope) {
          transaction = signed.gateway.newTransaction(Buffer.from(resume.envelope, 'base64'));
        } else {
          const endorsed = await timePhase(this.#options.observer, 'endorse', () =>
            signed.contract.newProposal(fn, { arguments: args }).endorse(),
          );
          // Signed before it is kept, so every re-send is byte for byte the same envelope.
          transaction = signed.gateway.newSignedTransaction(endorsed.getBytes(), await signed.sign(endorsed.getDigest()));
          await options.beforeSend?.(intentOf(transaction));
        }
      } catch (error) {
        // Nothing was sent for these, so a new proposal is safe.
        const cause =
          resume || attempt >= MAX_ATTEMPTS
            ? undefined
            : isPeerBusy(error)
              ? 'PEER_BUSY'
              : isEndorsementMismatch(error) || isRefusedOnlyElsewhere(error, signed.mspId)
                ? 'ENDORSEMENT_MISMATCH'
                : undefined;
        if (cause) {
          await this.#pauseToRetry(cause, attempt);
          continue;
        }
        throw translate(error); // not sent: nothing can land
      }
      const intent = intentOf(transaction);
      resume = undefined;
      const outcome = await this.#untilFinal(watcher, transaction, intent);
      if ('committed' in outcome) return outcome.committed;
      const { status } = outcome;
      // Invalidated (the first copy too, for DUPLICATE_TXID): final, so a new transaction may follow.
      if ((RETRYABLE_STATUS.has(status.code) || status.code === StatusCode.DUPLICATE_TXID) && attempt < MAX_ATTEMPTS) {
        // Another step of the same project won the block: retry after a short, spread-out pause.
        await this.#pauseToRetry(String(status.code), attempt);
        continue;
      }
      throw new LedgerUnavailableError(`transaction ${status.transactionId} was not committed: validation code ${status.code}`);
    }
  }

  /**
   * Sends the envelope until the ledger has a final answer for its transaction id: committed
   * (also as the first copy of a re-send), or invalid. Between sends the ledger is asked, since
   * an earlier copy may have landed while its commit status was lost.
   */
  /** Counts a retry by its cause (/metrics) and waits a short pause, spread out so racers part. */
  async #pauseToRetry(cause: string, attempt: number): Promise<void> {
    this.#options.observer?.retry(cause);
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100 * attempt));
  }

  async #untilFinal(
    watcher: CommitWatcher,
    transaction: Transaction,
    intent: TxIntent,
  ): Promise<{ committed: Committed } | { status: Invalid }> {
    const started = Date.now();
    for (let round = 0; ; round++) {
      let lost: unknown;
      // Waiting before the send: the block cannot pass before the watcher looks for the id.
      const landing = watcher.wait(intent.txId, COMMIT_STATUS_WAIT_MS);
      try {
        await timePhase(this.#options.observer, 'submit', () => transaction.submit());
        const commit = await timePhase(this.#options.observer, 'commit', () => landing);
        if (commit === undefined) throw new Error(`no block held it within ${COMMIT_STATUS_WAIT_MS / 1000} s`);
        if (commit.code === StatusCode.VALID) {
          return {
            committed: { result: resultOf(transaction), txId: commit.txId, blockNumber: commit.blockNumber, blockHash: commit.blockHash },
          };
        }
        if (commit.code !== StatusCode.DUPLICATE_TXID) return { status: { transactionId: commit.txId, code: commit.code } };
        // A re-sent copy: the first copy's fate is the answer.
        const landed = await this.transaction(commit.txId);
        if (landed) return { committed: { result: resultOf(transaction), txId: commit.txId, ...landed } };
        return { status: { transactionId: commit.txId, code: commit.code } };
      } catch (error) {
        lost = error;
      } finally {
        watcher.forget(intent.txId);
      }
      // Sent or not, its fate is unknown: an earlier copy may be on the ledger.
      const landed = await this.transaction(intent.txId).catch(() => undefined);
      if (landed) return { committed: { result: resultOf(transaction), txId: intent.txId, ...landed } };
      const elapsed = Date.now() - started;
      if (this.#closing.signal.aborted || elapsed >= this.#resendForMs) {
        throw new OutcomeUnknownError(
          intent,
          `transaction ${intent.txId} was sent; its outcome is not known yet (${translate(lost).message})`,
          { cause: lost },
        );
      }
      const pause = Math.min(RESEND_MAX_PAUSE_MS, RESEND_FIRST_PAUSE_MS * 2 ** round, this.#resendForMs - elapsed);
      const signal = this.#closing.signal;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, pause);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  async evaluate(reader: Reader, fn: string, args: string[]): Promise<string> {
    const signed = this.#forReader(reader);
    // A bidder has no Fabric identity: the bidder proxy names it in transient data, which the
    // contract honours only from an identity its peer lists in TENDER_BIDDER_PROXIES.
    const bidder = reader.kind === 'caller' && reader.caller.role === 'bidder' ? reader.caller.sub : undefined;
    try {
      const options = { arguments: args, ...(bidder !== undefined ? { transientData: { [BIDDER_ID_TRANSIENT]: bidder } } : {}) };
      return Buffer.from(await signed.contract.evaluate(fn, options)).toString('utf8');
    } catch (error) {
      throw translate(error);
    }
  }

  async transaction(txId: string): Promise<{ blockNumber: number; blockHash: string } | undefined> {
    const signed = this.#identity(this.#options.platformMspId, this.#options.publicIdentity);
    let processed: peer.ProcessedTransaction;
    try {
      processed = peer.ProcessedTransaction.deserializeBinary(
        await signed.qscc.evaluateTransaction('GetTransactionByID', this.#options.connection.channel, txId),
      );
    } catch (error) {
      // qscc answers an error for an unknown transaction id; only an unreachable peer is an outage.
      if (!(error instanceof GatewayError) || GRPC_UNAVAILABLE.has(error.code)) throw translate(error);
      return undefined;
    }
    if (processed.getValidationcode() !== StatusCode.VALID) return undefined;
    try {
      const block = common.Block.deserializeBinary(
        await signed.qscc.evaluateTransaction('GetBlockByTxID', this.#options.connection.channel, txId),
      );
      const header = block.getHeader();
      if (!header) return undefined;
      const blockNumber = header.getNumber();
      return { blockNumber, blockHash: blockHeaderHash(header) };
    } catch (error) {
      throw translate(error);
    }
  }

  async health(): Promise<{ height: number }> {
    const signed = this.#identity(this.#options.platformMspId, this.#options.publicIdentity);
    try {
      const info = common.BlockchainInfo.deserializeBinary(
        await signed.qscc.evaluateTransaction('GetChainInfo', this.#options.connection.channel),
      );
      return { height: info.getHeight() };
    } catch (error) {
      throw translate(error);
    }
  }

  /** Stops re-sending: writes whose fate is unknown end as OutcomeUnknownError (their envelope is kept for a retry). */
  interrupt(): void {
    this.#closing.abort();
  }

  async close(): Promise<void> {
    this.#closing.abort();
    this.#logStop.abort();
    for (const watcher of this.#watchers.values())
      void watcher.then(
        (w) => {
          w.close();
        },
        () => undefined,
      );
    for (const signed of this.#signed.values()) signed.gateway.close();
    for (const client of this.#clients) client.close();
  }

  #connectAll(): void {
    const { connection } = this.#options;
    const clients = new Map<string, grpc.Client>();
    for (const [mspId, peerInfo] of Object.entries(connection.peers)) {
      const client = new grpc.Client(peerInfo.endpoint, grpc.credentials.createSsl(readFileSync(peerInfo.tlsCACert)), {
        'grpc.ssl_target_name_override': peerInfo.hostAlias,
      });
      clients.set(mspId, client);
      this.#clients.push(client);
    }
    for (const [mspId, users] of Object.entries(connection.identities)) {
      const client = clients.get(mspId);
      if (!client) continue;
      for (const [name, files] of Object.entries(users)) {
        const sign = newNativeSigner(createPrivateKey(readFileSync(files.key)));
        const gateway = connect({
          client,
          identity: { mspId, credentials: readFileSync(files.cert) },
          signer: sign,
          hash: NATIVE_SIGNER_HASH,
          evaluateOptions: () => ({ deadline: Date.now() + 5_000 }),
          endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
          submitOptions: () => ({ deadline: Date.now() + 5_000 }),
        });
        const network = gateway.getNetwork(connection.channel);
        this.#signed.set(`${mspId}\u0000${name}`, {
          mspId,
          gateway,
          network,
          contract: network.getContract(connection.chaincode),
          qscc: network.getContract('qscc'),
          sign,
        });
      }
    }
  }

  #identity(mspId: string, name: string): Signed {
    const signed = this.#signed.get(`${mspId}\u0000${name}`);
    if (!signed) throw new Error(`no Fabric identity ${name} of ${mspId} in the connection file`);
    return signed;
  }

  #forCaller(caller: Caller, writing: boolean): Signed {
    const o = this.#options;
    if (caller.role === 'regulator') return this.#identity(o.regulatorMspId, o.regulatorIdentity);
    if (caller.role === 'platform') {
      // Keyed by issuer and subject: a subject alone would let any trusted issuer act as this platform.
      const name = Object.hasOwn(o.platformIdentities, callerKey(caller)) ? o.platformIdentities[callerKey(caller)] : undefined;
      if (!name) throw new Problem('FORBIDDEN', `platform ${caller.sub} of ${caller.issuer} has no Fabric identity on this gateway`);
      return this.#identity(o.platformMspId, name);
    }
    if (writing) throw new Problem('FORBIDDEN', 'bidders have no Fabric identity');
    return this.#identity(o.platformMspId, o.bidderIdentity);
  }

  #forReader(reader: Reader): Signed {
    if (reader.kind === 'caller') return this.#forCaller(reader.caller, false);
    return this.#identity(this.#options.platformMspId, this.#options.publicIdentity);
  }

  /**
   * The identity whose client id the contract recorded as a project's owner: the gateway writes
   * a step as that platform only for a step it sends on the platform's behalf (closing bidding).
   */
  async #forOwner(owner: Actor): Promise<Signed> {
    if (this.#byClientId.size === 0) {
      for (const [key, signed] of this.#signed) {
        const me = whoAmI(Buffer.from(await signed.contract.evaluateTransaction('whoAmI')).toString('utf8'));
        this.#byClientId.set(`${me.mspId}\u0000${me.clientId}`, key);
      }
    }
    const key = this.#byClientId.get(`${owner.mspId}\u0000${owner.clientId}`);
    const signed = key ? this.#signed.get(key) : undefined;
    if (!signed) throw new Problem('FORBIDDEN', "the project's platform has no identity on this gateway");
    return signed;
  }

  /**
   * The commit watcher of the signer's organisation, following its own peer (as the commit status
   * did): a 201 means that peer has the block, so the caller's next read through it sees the write.
   */
  #watcher(signed: Signed): Promise<CommitWatcher> {
    let watcher = this.#watchers.get(signed.mspId);
    if (!watcher) {
      watcher = (async () => {
        let height: number;
        try {
          height = common.BlockchainInfo.deserializeBinary(
            await signed.qscc.evaluateTransaction('GetChainInfo', this.#options.connection.channel),
          ).getHeight();
        } catch (error) {
          throw translate(error);
        }
        return CommitWatcher.start(signed.network, height, this.#options.warn ?? console.warn);
      })();
      this.#watchers.set(signed.mspId, watcher);
      // A failed start is not kept: the next write tries again.
      watcher.catch(() => {
        if (this.#watchers.get(signed.mspId) === watcher) this.#watchers.delete(signed.mspId);
      });
    }
    return watcher;
  }
}

function resultOf(transaction: Transaction): string {
  return Buffer.from(transaction.getResult()).toString('utf8');
}

/** The error's message and each endorsing peer's, where a chaincode refusal or the cause is told. */
function errorTexts(error: unknown): string[] {
  if (!(error instanceof Error)) return [];
  return [error.message, ...(error instanceof GatewayError ? error.details.map((d) => d.message) : [])];
}

/** The transaction id and the signed envelope, as kept before the first send and re-sent as is. */
function intentOf(transaction: Transaction): TxIntent {
  return { txId: transaction.getTransactionId(), envelope: Buffer.from(transaction.getBytes()).toString('base64') };
}

/** The peer refused the call for too many at once: nothing was endorsed, so a new proposal is safe. */
function isPeerBusy(error: unknown): boolean {
  return errorTexts(error).some((t) => PEER_BUSY.test(t));
}

/**
 * A chaincode refusal from the other organisation's peers only. The Fabric gateway endorses on its
 * own organisation's peer first and asks the others only when that succeeded, so our peer
 * accepted what theirs refused: the two are at different heights (theirs has not yet committed
 * the block our last answer came from, e.g. the bid a withdrawal names). Endorsed again after a
 * pause, it meets the same rule on a peer that caught up; a refusal both share is final.
 */
function isRefusedOnlyElsewhere(error: unknown, ownMspId: string): boolean {
  if (!(error instanceof GatewayError) || error.details.length === 0) return false;
  return error.details.every((d) => d.mspId !== ownMspId) && error.details.some((d) => parseLedgerError(d.message) !== undefined);
}

/** An endorsement whose peers' answers differ: no chaincode refusal, just heights apart. */
function isEndorsementMismatch(error: unknown): boolean {
  const texts = errorTexts(error);
  return texts.some((t) => ENDORSEMENT_MISMATCH.test(t)) && !texts.some((t) => parseLedgerError(t) !== undefined);
}

/**
 * A chaincode refusal keeps its ledger code (it reaches us inside the peer's error details);
 * any other failure to endorse, order or commit means the network is not there: 503.
 */
function translate(error: unknown): Error {
  if (error instanceof Problem || error instanceof LedgerUnavailableError) return error;
  if (error instanceof GatewayError) {
    const texts = errorTexts(error);
    for (const text of texts) {
      const parsed = parseLedgerError(text);
      if (parsed) return parsed;
    }
    return new LedgerUnavailableError(`${GRPC_UNAVAILABLE.has(error.code) ? 'ledger unreachable' : 'ledger error'}: ${texts.join('; ')}`);
  }
  const parsed = error instanceof Error ? parseLedgerError(error.message) : undefined;
  return parsed ?? new LedgerUnavailableError(`ledger error: ${(error as Error).message}`);
}
