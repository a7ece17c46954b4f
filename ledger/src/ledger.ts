import { EventEmitter } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import type { Context, Contract } from 'fabric-contract-api';
import { contracts as tenderContracts } from '@tender-ledger/chaincode';
import { canonicalJson, must } from '@tender-ledger/domain';
import { BlockEncoder, type Block, type BlockTransaction, type StateWrite } from './block.js';
import { EmbeddedClientIdentity, type LedgerIdentity } from './identity.js';
import type { HeadFile } from './head.js';
import { blockKey, HEIGHT_KEY, historyKey, stateKey, txKey } from './keys.js';
import { openChecked } from './open.js';
import { LedgerDamagedError } from './integrity.js';
import { LedgerLog, type LoggedBlock } from './tlog.js';
import { EmbeddedStub } from './stub.js';
import { CommittedView, OverlayView, StateCache, type LedgerDb, type StoredHistoryEntry } from './views.js';

export type ContractClass = new () => Contract;

export interface EmbeddedLedgerOptions {
  /** The contract classes to host; the first is the default. Defaults to the tender chaincode. */
  contracts?: ContractClass[];
  /** Where transaction timestamps come from (tests pass a controllable clock). */
  clock?: () => Date;
  /** The most transactions one block takes. */
  maxBlockTxs?: number;
  channelId?: string;
  /**
   * How a transaction reaches the contract. `contract` (default) calls the hosted classes with
   * this ledger's context. `fabric-shim` goes through fabric-shim's own ChaincodeFromContract,
   * exactly as a peer's chaincode process does (string arguments, contract metadata, only the
   * error message crossing back); every identity then needs an X.509 certificate.
   */
  dispatch?: 'contract' | 'fabric-shim';
  /** How far back `open` checks blocks with their entries: this many blocks (default 64)… */
  startupCheckBlocks?: number;
  /** …or this many transactions (default 2048), whichever comes first. */
  startupCheckTransactions?: number;
  /**
   * Keep the transparency log (default true): each record's hash a leaf, written in its block's
   * batch. Off only to measure what it costs.
   */
  transparencyLog?: boolean;
}

/** A call of a contract function: `fn` may be `contract:function`, as on Fabric. */
export interface Invocation {
  fn: string;
  args: string[];
  identity: LedgerIdentity;
  /**
   * The transaction id, when the caller fixes it before submitting (as a Fabric client does):
   * a gateway records it durably first, so after a crash it can tell whether the transaction
   * landed. The ledger refuses an id already committed, as a Fabric peer invalidates a duplicate.
   */
  txId?: string;
}

/** What a submitted transaction returns once its block is durable. */
export interface CommittedTransaction {
  txId: string;
  blockNumber: number;
  blockHash: string;
  timestamp: string;
  result: string;
  /** The record's leaf in the transparency log, if it wrote one (and the log is on). */
  leafIndex?: number;
}

interface Hosted {
  instance: Contract;
  /** Transaction name → how many arguments it takes. */
  transactions: Map<string, number>;
}

interface ShimDispatcher {
  Invoke(stub: EmbeddedStub): Promise<{ status: number; message?: string; payload?: Uint8Array }>;
}

/** An executed transaction: its block form, and each write's value as the bytes the contract wrote. */
interface Executed {
  tx: BlockTransaction;
  /** The transaction's RFC 8785 text, as the block stores and hashes it. */
  text: string;
  /** Aligned with `tx.writes`: the same bytes go to the overlay, the batch and the cache, never copied again. */
  values: (Uint8Array | null)[];
  result: string;
}

interface Accepted {
  pending: Pending;
  txId: string;
  timestamp: string;
  result: string;
}

/** What an accepted transaction's caller is told of it once its block is sealed (and again once durable). */
function committedOf(
  { txId, timestamp, result }: Accepted,
  block: Pick<Block, 'number' | 'hash'>,
  logged: LoggedBlock | undefined,
): CommittedTransaction {
  const leafIndex = logged?.indices.get(txId);
  return { txId, blockNumber: block.number, blockHash: block.hash, timestamp, result, ...(leafIndex === undefined ? {} : { leafIndex }) };
}

/** What the caller of `submit` may be told before the transaction is durable. */
export interface SubmitHooks {
  /**
   * Called once the transaction's block is sealed (its number, hash and the log's leaf index
   * fixed), while the block is still being written: for work that may start early, such as
   * signing a receipt. Nothing may be acknowledged from here: the block is not durable yet,
   * and it may never be (then `submit` rejects).
   */
  onSealed?: (sealed: CommittedTransaction) => void;
}

interface Pending {
  invocation: Invocation;
  hooks: SubmitHooks | undefined;
  resolve: (value: CommittedTransaction) => void;
  reject: (error: unknown) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Raised for a function the hosted contracts do not offer or a wrong argument count, as a peer's dispatcher would. */
export class InvocationError extends Error {
  override name = 'InvocationError';
}

/**
 * An embedded ledger that hosts Fabric contracts in-process over LevelDB. Transactions run one
 * at a time against the state they see; those waiting together form one block, hash-chained to
 * the one before and written with one synced LevelDB batch (group commit). `submit` resolves only
 * once the transaction's block is durable.
 */
export class EmbeddedLedger extends EventEmitter {
  readonly #db: LedgerDb;
  readonly #headFile: HeadFile;
  readonly #log: LedgerLog | undefined;
  readonly #hosted = new Map<string, Hosted>();
  readonly #defaultContract: string;
  readonly #clock: () => Date;
  readonly #maxBlockTxs: number;
  readonly #channelId: string;
  readonly #shim: ShimDispatcher | undefined;
  /** Durable height and hash: what a restart would find. */
  #height: number;
  #lastHash: string;
  /**
   * The last transaction timestamp handed out (ms). Timestamps never go down, even when the clock
   * steps back (NTP, a restart on another machine): at restart it is read from the last block.
   */
  #lastTime: number;
  /** The next block's number and the hash it links to, counting a block still being written. */
  #tip: { number: number; hash: string };
  #inFlight:
    | { overlay: ReadonlyMap<string, Uint8Array | null>; written: Promise<void>; durable: Promise<void>; before: Promise<void> | undefined }
    | undefined;
  readonly #cache = new StateCache();
  readonly #encoder = new BlockEncoder();
  #queue: Pending[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;
  #failure: Error | undefined;

  private constructor(
    db: LedgerDb,
    headFile: HeadFile,
    height: number,
    lastHash: string,
    lastTime: number,
    options: EmbeddedLedgerOptions,
    log?: LedgerLog,
  ) {
    super();
    this.#db = db;
    this.#headFile = headFile;
    this.#log = log;
    this.#height = height;
    this.#lastHash = lastHash;
    this.#lastTime = lastTime;
    this.#tip = { number: height, hash: lastHash };
    this.#clock = options.clock ?? (() => new Date());
    this.#maxBlockTxs = options.maxBlockTxs ?? 1000;
    this.#channelId = options.channelId ?? 'embedded';
    const classes = options.contracts ?? tenderContracts;
    for (const ContractType of classes) {
      const instance = new ContractType();
      const transactions = new Map<string, number>();
      const described = (Reflect as unknown as { getMetadata(key: string, target: object): unknown }).getMetadata(
        'fabric:transactions',
        ContractType.prototype as object,
      ) as { name: string; parameters?: unknown[] }[] | undefined;
      for (const tx of described ?? []) {
        transactions.set(tx.name, tx.parameters?.length ?? 0);
      }
      this.#hosted.set(instance.getName(), { instance, transactions });
    }
    // As on a peer, the first contract answers functions named without a contract prefix.
    this.#defaultContract = this.#hosted.keys().next().value ?? '';
    this.#shim = options.dispatch === 'fabric-shim' ? createShimDispatcher(classes) : undefined;
  }

  /**
   * Opens (or creates) the ledger in `directory`. Throws LedgerDamagedError (LEDGER_DAMAGED)
   * when the store no longer holds what was acknowledged (see openChecked).
   */
  static async open(directory: string, options: EmbeddedLedgerOptions = {}): Promise<EmbeddedLedger> {
    const { db, headFile, height, lastHash } = await openChecked(directory, {
      blocks: options.startupCheckBlocks ?? 64,
      transactions: options.startupCheckTransactions ?? 2048,
    });
    let lastTime = Number.NEGATIVE_INFINITY;
    if (height > 0) {
      // The last block holds the latest timestamp: transactions are stamped in block order.
      const last = await db.get(blockKey(height - 1));
      const block = last ? (JSON.parse(last.toString('utf8')) as Block) : undefined;
      for (const tx of block?.txs ?? []) lastTime = Math.max(lastTime, Date.parse(tx.timestamp));
    }
    // The log's leaves against the last blocks' records, in the same bounded window.
    const loaded =
      options.transparencyLog === false
        ? undefined
        : await LedgerLog.load(db, height, options.startupCheckBlocks ?? 64, options.startupCheckTransactions ?? 2048);
    if (loaded && loaded.problems.length > 0) {
      await db.close();
      await headFile.close();
      throw new LedgerDamagedError(loaded.problems, directory);
    }
    return new EmbeddedLedger(db, headFile, height, lastHash, lastTime, options, loaded?.log);
  }

  /** The transparency log (undefined when opened with `transparencyLog: false`). */
  get log(): LedgerLog | undefined {
    return this.#log;
  }

  /** Number of committed blocks. */
  get height(): number {
    return this.#height;
  }

  get lastBlockHash(): string {
    return this.#lastHash;
  }

  /** Records a transaction; resolves once its block is durable, rejects with the contract's error. */
  submit(invocation: Invocation, hooks?: SubmitHooks): Promise<CommittedTransaction> {
    if (this.#closed) return Promise.reject(new Error('ledger is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ invocation, hooks, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Runs a query against the committed state; nothing it writes is kept. */
  async evaluate(invocation: Invocation): Promise<string> {
    if (this.#closed) throw new Error('ledger is closed');
    const snapshot = this.#db.snapshot();
    try {
      const { result } = await this.#execute(invocation, new CommittedView(this.#db, snapshot), this.#clock());
      return result;
    } finally {
      await snapshot.close();
    }
  }

  async getBlock(number: number): Promise<Block | undefined> {
    const bytes = await this.#db.get(blockKey(number));
    return bytes ? (JSON.parse(bytes.toString('utf8')) as Block) : undefined;
  }

  /** The number of the block holding a transaction, if it was committed. */
  async blockNumberOf(txId: string): Promise<number | undefined> {
    const bytes = await this.#db.get(txKey(txId));
    return bytes ? Number(bytes.toString('utf8')) : undefined;
  }

  /** Waits for queued transactions, then closes the store. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#draining;
    await this.#inFlight?.durable;
    await this.#db.close();
    await this.#headFile.close();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBlockTxs);
        await this.#buildBlock(batch);
      }
    } finally {
      this.#draining = undefined;
    }
  }

  /**
   * Executes a batch into the next block and starts writing it. The write of the block before
   * may still be syncing: this block's transactions read through its writes, and this block's
   * batch starts only once that one's batch is synced (its head write may still be going on),
   * so blocks become durable strictly in order.
   */
  async #buildBlock(batch: Pending[]): Promise<void> {
    const inFlight = this.#inFlight;
    const committed = new CommittedView(this.#db, undefined, this.#cache);
    const overlay = new Map<string, Uint8Array | null>();
    const view = new OverlayView(inFlight ? new OverlayView(committed, inFlight.overlay) : committed, overlay);
    const txs: BlockTransaction[] = [];
    const texts: string[] = [];
    const values: (Uint8Array | null)[][] = [];
    const accepted: Accepted[] = [];
    for (const pending of batch) {
      try {
        const executed = await this.#execute(pending.invocation, view, this.#nextTimestamp());
        executed.tx.writes.forEach((write, i) => overlay.set(write.key, executed.values[i] ?? null));
        txs.push(executed.tx);
        texts.push(executed.text);
        values.push(executed.values);
        accepted.push({ pending, txId: executed.tx.txId, timestamp: executed.tx.timestamp, result: executed.result });
      } catch (error) {
        // Refused at "endorsement": nothing is recorded, as on Fabric.
        pending.reject(error);
      }
    }
    // The block before's batch synced, and the head named the block before that: the store is
    // never more than two blocks ahead of the durable head.
    if (inFlight) await Promise.all([inFlight.written, inFlight.before]);
    if (this.#failure) {
      for (const { pending } of accepted) pending.reject(this.#failure);
      return;
    }
    if (txs.length === 0) return;
    // The bytes are the encoder's until the next block: #writeBlock puts them into its batch before it first awaits.
    const { block, bytes } = this.#encoder.seal(this.#tip.number, this.#tip.hash, txs, texts);
    this.#tip = { number: block.number + 1, hash: block.hash };
    const logged = this.#log?.append(block);
    let written: () => void = () => undefined;
    const batchWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    const durable = this.#writeBlock(block, bytes, values, accepted, written, inFlight?.durable, logged);
    this.#inFlight = { overlay, written: batchWritten, durable, before: inFlight?.durable };
    // After the batch is handed to LevelDB (#writeBlock's synchronous part), so hooks never delay the fsync.
    for (const entry of accepted) {
      if (!entry.pending.hooks?.onSealed) continue;
      try {
        entry.pending.hooks.onSealed(committedOf(entry, block, logged));
      } catch {
        // A hook's failure is its own: the transaction is recorded all the same.
      }
    }
    void durable.then(() => {
      if (this.#inFlight?.durable === durable) this.#inFlight = undefined;
    });
  }

  /**
   * One atomic, fsynced batch: a block is all there or not there at all. Then the durable head
   * (one more synchronous write per block, overlapping the next block's batch), so a restart can
   * tell if LevelDB lost the batch. Acknowledges after both.
   */
  async #writeBlock(
    block: Block,
    bytes: Buffer,
    values: (Uint8Array | null)[][],
    accepted: Accepted[],
    written: () => void,
    before: Promise<void> | undefined,
    logged?: LoggedBlock,
  ): Promise<void> {
    try {
      try {
        const syncing = performance.now();
        await this.#batchOf(block, bytes, values, logged).write({ sync: true });
        // Timing for operators (the gateway's fsync histogram): the block's synced batch.
        this.emit('sync', { what: 'batch', seconds: (performance.now() - syncing) / 1000 });
        this.#cache.committed(block.txs, values);
      } finally {
        written();
      }
      // Heads are written in block order: this one only after the block before is named.
      await before;
      if (this.#failure) throw this.#failure;
      const heading = performance.now();
      await this.#headFile.write({ height: block.number + 1, hash: block.hash });
      this.emit('sync', { what: 'head', seconds: (performance.now() - heading) / 1000 });
    } catch (cause) {
      this.#failure ??= new Error('the ledger could not write a block; it accepts no more transactions', { cause });
      for (const { pending } of accepted) pending.reject(this.#failure);
      for (const pending of this.#queue.splice(0)) pending.reject(this.#failure);
      return;
    }
    this.#height = block.number + 1;
    this.#lastHash = block.hash;
    if (logged) this.#log?.durable(logged.size);
    for (const entry of accepted) entry.pending.resolve(committedOf(entry, block, logged));
    this.emit('block', block);
  }

  /**
   * The block's LevelDB batch (layout in keys.ts). A chained batch: each put goes straight into
   * LevelDB's own write batch (which copies the bytes), where an array batch would first clone and
   * re-encode every operation in abstract-level (a fifth of a bid's CPU time). So one Buffer can
   * serve several puts.
   */
  #batchOf(block: Block, bytes: Buffer, values: (Uint8Array | null)[][], logged?: LoggedBlock): ReturnType<LedgerDb['batch']> {
    const batch = this.#db.batch();
    try {
      batch.put(blockKey(block.number), bytes);
      batch.put(HEIGHT_KEY, Buffer.from(String(block.number + 1)));
      const blockNumber = Buffer.from(String(block.number));
      block.txs.forEach((tx, index) => {
        batch.put(txKey(tx.txId), blockNumber);
        // A transaction's history entries differ only in isDelete: two Buffers serve all its writes.
        let put: Buffer | undefined;
        let del: Buffer | undefined;
        tx.writes.forEach((write, w) => {
          const value = values[index]?.[w] ?? null;
          const isDelete = value === null;
          if (isDelete) batch.del(stateKey(write.key));
          else batch.put(stateKey(write.key), value as Buffer);
          const entry = isDelete ? (del ??= historyEntry(tx, true)) : (put ??= historyEntry(tx, false));
          batch.put(historyKey(write.key, block.number, index), entry);
        });
      });
      // The records' leaves in the block's own batch: never one without the other.
      for (const op of logged?.ops ?? []) batch.put(op.key, op.value);
      return batch;
    } catch (error) {
      void batch.close();
      throw error;
    }
  }

  /**
   * Ledger time for the next transaction: the clock's, never before the previous one's.
   * Transactions within one millisecond share it: stamping each a millisecond after the last ran
   * ledger time ahead of the clock under more than 1,000 transactions a second (33 s ahead after
   * `npm run bench`'s 30 s of bids and notarisations), and a bid sent in time was refused as late.
   */
  #nextTimestamp(): Date {
    this.#lastTime = Math.max(this.#clock().getTime(), this.#lastTime);
    return new Date(this.#lastTime);
  }

  async #execute(invocation: Invocation, view: CommittedView | OverlayView, timestamp: Date): Promise<Executed> {
    const { identity } = invocation;
    if (!identity?.mspId || !identity.id) {
      throw new InvocationError('an identity with an MSP id and a client id is required');
    }
    const separator = invocation.fn.lastIndexOf(':');
    const contractName = separator >= 0 ? invocation.fn.slice(0, separator) : this.#defaultContract;
    const fn = separator >= 0 ? invocation.fn.slice(separator + 1) : invocation.fn;
    const hosted = this.#hosted.get(contractName);
    // Through fabric-shim its dispatcher makes these checks itself (and knows its system contract).
    if (!this.#shim) {
      if (!hosted) throw new InvocationError(`Contract name is not known: ${contractName}`);
      const parameters = hosted.transactions.get(fn);
      if (parameters === undefined) throw new InvocationError(`You've asked to invoke a function that does not exist: ${fn}`);
      if (parameters !== invocation.args.length) {
        throw new InvocationError(`Expected ${parameters} parameters, but ${invocation.args.length} have been supplied`);
      }
    }
    const txId = invocation.txId ?? createHash('sha256').update(nonce()).update(identity.mspId).update(identity.id).digest('hex');
    // Synchronous: a point read is microseconds, and this runs for each transaction of the block in
    // turn, where an async read would wait its turn in the thread pool behind the fsyncs.
    if (invocation.txId !== undefined && this.#db.getSync(txKey(txId)) !== undefined) {
      throw new InvocationError(`DUPLICATE_TXID: transaction ${txId} is already on the ledger`);
    }
    const stub = new EmbeddedStub({
      view,
      channelId: this.#channelId,
      txId,
      timestamp,
      creator: identity,
      fn: invocation.fn,
      args: invocation.args,
    });
    const returned = this.#shim
      ? await this.#invokeThroughShim(this.#shim, stub)
      : await this.#invokeContract((hosted as Hosted).instance, stub, identity, fn, invocation.args);
    const written = stub.writes;
    const policies = stub.validationParameters;
    const writes: StateWrite[] = written.map(([key, value]) => ({ key, value: value === null ? null : utf8.decode(value) }));
    // Members in RFC 8785 order (and creator's, event's, each write's): the block's canonical
    // JSON is then JSON.stringify's text (see canonicalJson), not a walk in JavaScript.
    const tx: BlockTransaction = {
      args: invocation.args,
      contract: contractName,
      creator: { id: identity.id, mspId: identity.mspId },
      ...(stub.event ? { event: stub.event } : {}),
      fn,
      timestamp: timestamp.toISOString(),
      txId,
      ...(policies.length > 0 ? { validationParameters: policiesBase64(policies) } : {}),
      writes,
    };
    // Built so, it is JSON.stringify's text unless a caller's argument, identity or id is no string
    // or a policy's key sorts apart (an array index, or around surrogates): checked here from
    // what could differ, not by canonicalJson's walk over the whole transaction.
    const text = builtCanonical(invocation.args, identity, txId, policies) ? JSON.stringify(tx) : canonicalJson(tx);
    return {
      tx,
      text,
      values: written.map(([, value]) => value),
      result: typeof returned === 'string' ? returned : returned === undefined ? '' : JSON.stringify(returned),
    };
  }

  async #invokeContract(contract: Contract, stub: EmbeddedStub, identity: LedgerIdentity, fn: string, args: string[]): Promise<unknown> {
    const ctx = contract.createContext();
    ctx.stub = stub as unknown as Context['stub'];
    ctx.clientIdentity = new EmbeddedClientIdentity(identity);
    await contract.beforeTransaction(ctx);
    const returned: unknown = await (
      contract as unknown as { aroundTransaction(ctx: Context, fn: string, args: string[]): Promise<unknown> }
    ).aroundTransaction(ctx, fn, args);
    await contract.afterTransaction(ctx, returned);
    return returned;
  }

  async #invokeThroughShim(shim: ShimDispatcher, stub: EmbeddedStub): Promise<string> {
    const response = await shim.Invoke(stub);
    if (response.status !== 200) {
      // Only the message crosses the boundary, as from a peer.
      throw new Error(response.message ?? `chaincode answered status ${response.status}`);
    }
    return Buffer.from(response.payload ?? new Uint8Array(0)).toString('utf8');
  }
}

const NONCE_SIZE = 24;
const POOL_SIZE = 8192;
let pool = Buffer.alloc(0);
let poolAt = 0;

/**
 * `size` fresh random bytes, cut from a pool filled 8 KiB at a time: one randomBytes call per
 * transaction cost as much as a tenth of the contract's own work. Each slice is used once; the
 * pool is replaced, never refilled in place, so a slice stays as drawn.
 */
function freshBytes(size: number): Buffer {
  if (poolAt + size > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  poolAt += size;
  return pool.subarray(poolAt - size, poolAt);
}

/** 24 fresh random bytes for a transaction id the ledger makes itself. */
function nonce(): Buffer {
  return freshBytes(NONCE_SIZE);
}

/** A fresh random transaction id (32 bytes, hex), for a host that fixes the id before it submits (the gateway). */
export function freshTxId(): string {
  return freshBytes(32).toString('hex');
}

/** Key-level policies as the block keeps them; one policy set on several keys is encoded once. */
function policiesBase64(policies: [string, Uint8Array][]): Record<string, string> {
  // Without a prototype the object starts as a dictionary: with one, V8 made a hidden class for
  // every new key (each transaction's keys are new), a twentieth of a bid's CPU time.
  const encoded = Object.create(null) as Record<string, string>;
  let last: Uint8Array | undefined;
  let lastBase64 = '';
  for (const [key, policy] of policies) {
    if (last === undefined || Buffer.compare(last, policy) !== 0) {
      last = policy;
      lastBase64 = Buffer.from(policy.buffer, policy.byteOffset, policy.byteLength).toString('base64');
    }
    encoded[key] = lastBase64;
  }
  return encoded;
}

/**
 * Whether JSON.stringify writes a transaction #execute built in RFC 8785 member order exactly as
 * canonicalJson would: the caller's arguments, identity and transaction id are strings, and the policies' keys
 * (in UTF-8 order) are in UTF-16 order too and none is an array index (an object lists those first).
 */
function builtCanonical(
  args: unknown,
  identity: { id: unknown; mspId: unknown },
  txId: unknown,
  policies: [string, Uint8Array][],
): boolean {
  if (!Array.isArray(args) || typeof identity.id !== 'string' || typeof identity.mspId !== 'string' || typeof txId !== 'string')
    return false;
  for (const arg of args as unknown[]) if (typeof arg !== 'string') return false;
  for (let i = 0; i < policies.length; i++) {
    const key = must(policies[i], 'a policy')[0];
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) return false;
    if (i > 0 && !(must(policies[i - 1], 'a policy')[0] < key)) return false;
  }
  return true;
}

/** A history entry's stored form (StoredHistoryEntry as JSON, members in this order). */
function historyEntry(tx: BlockTransaction, isDelete: boolean): Buffer {
  const entry: StoredHistoryEntry = { txId: tx.txId, timestamp: tx.timestamp, isDelete };
  return Buffer.from(JSON.stringify(entry));
}

/** fabric-shim's contract dispatcher, the code a peer's chaincode process runs for every call. */
function createShimDispatcher(classes: ContractClass[]): ShimDispatcher {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deep file of fabric-shim, not in its exports map for import
  const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as new (
    classes: ContractClass[],
    serializers: unknown,
    metadata: object,
    title: string,
    version: string,
  ) => ShimDispatcher;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded beside the shim dispatcher above, from the same CommonJS package
  const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  // The dispatcher appends its system contract to the list it is given: give it a copy.
  return new ChaincodeFromContract([...classes], serializers, {}, 'embedded', '0');
}
