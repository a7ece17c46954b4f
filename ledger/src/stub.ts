import { COMPOSITE_KEY_NAMESPACE, MAX_UNICODE_RUNE, utf8Compare } from './keys.js';
import type { ChaincodeEvent } from './block.js';
import type { LedgerIdentity } from './identity.js';

export interface KV {
  key: string;
  value: Uint8Array;
}

export interface KeyModification {
  txId: string;
  value: Uint8Array;
  isDelete: boolean;
  timestamp: { seconds: number; nanos: number };
}

/** What a transaction reads: the world state as of the moment it runs. */
export interface StateView {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys in [start, end) in UTF-8 byte order, as a peer's state database returns them. */
  range(start: string, end: string): Promise<KV[]>;
  history(key: string): Promise<KeyModification[]>;
}

export interface StubInit {
  view: StateView;
  channelId: string;
  txId: string;
  timestamp: Date;
  creator: LedgerIdentity;
  fn: string;
  args: string[];
}

type AsyncIteratorResult<T> = Promise<{ next(): Promise<{ value: T; done: boolean }>; close(): Promise<void> }> & AsyncIterable<T>;

/** Results in the shape fabric-shim gives: awaitable to an iterator, and usable with `for await`. */
function iteratorOf<T>(load: () => Promise<T[]>): AsyncIteratorResult<T> {
  const items = load();
  const iterator = items.then((list) => {
    let index = 0;
    return {
      async next() {
        return index < list.length ? { value: list[index++] as T, done: false } : { value: undefined as T, done: true };
      },
      async close() {
        /* nothing held open */
      },
    };
  });
  return Object.assign(iterator, {
    async *[Symbol.asyncIterator]() {
      yield* await items;
    },
  });
}

function validateCompositeKeyPart(part: string): void {
  if (part.includes(COMPOSITE_KEY_NAMESPACE) || part.includes(MAX_UNICODE_RUNE)) {
    throw new Error('composite key attributes may not contain U+0000 or U+10FFFF');
  }
}

/**
 * The `ctx.stub` of the embedded ledger: the ChaincodeStub methods this contract family uses,
 * with a peer's semantics. Reads see the state before this transaction (a transaction never
 * reads its own writes, as on Fabric); writes are collected into a write set.
 */
export class EmbeddedStub {
  readonly #init: StubInit;
  readonly #writes = new Map<string, Uint8Array | null>();
  readonly #validationParameters = new Map<string, Uint8Array>();
  #event: ChaincodeEvent | undefined;

  constructor(init: StubInit) {
    this.#init = init;
  }

  /** The write set, sorted by key as Fabric's read-write sets are. */
  get writes(): [string, Uint8Array | null][] {
    return [...this.#writes.entries()].sort(([a], [b]) => utf8Compare(a, b));
  }

  /**
   * The key-level endorsement policies this transaction set, sorted by key. The ledger keeps
   * them in the block; it does not enforce them (one process endorses everything here).
   */
  get validationParameters(): [string, Uint8Array][] {
    return [...this.#validationParameters.entries()].sort(([a], [b]) => utf8Compare(a, b));
  }

  get event(): ChaincodeEvent | undefined {
    return this.#event;
  }

  getTxID(): string {
    return this.#init.txId;
  }
  getChannelID(): string {
    return this.#init.channelId;
  }
  getArgs(): string[] {
    return [this.#init.fn, ...this.#init.args];
  }
  getStringArgs(): string[] {
    return this.getArgs();
  }
  getBufferArgs(): Buffer[] {
    return this.getArgs().map((a) => Buffer.from(a));
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    return { fcn: this.#init.fn, params: [...this.#init.args] };
  }
  getCreator(): { mspid: string; idBytes: Uint8Array } {
    const { mspId, id, certificate } = this.#init.creator;
    return { mspid: mspId, idBytes: Buffer.from(certificate ?? id) };
  }
  getTransient(): Map<string, Uint8Array> {
    return new Map();
  }

  getDateTimestamp(): Date {
    return new Date(this.#init.timestamp.getTime());
  }

  getTxTimestamp(): { seconds: { low: number; high: number; toNumber(): number }; nanos: number } {
    const ms = this.#init.timestamp.getTime();
    const seconds = Math.floor(ms / 1000);
    return {
      seconds: { low: seconds | 0, high: Math.floor(seconds / 2 ** 32), toNumber: () => seconds },
      nanos: (ms - seconds * 1000) * 1_000_000,
    };
  }

  async getState(key: string): Promise<Uint8Array> {
    this.#validateKey(key);
    return (await this.#init.view.get(key)) ?? new Uint8Array(0);
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    this.#validateKey(key);
    this.#writes.set(key, Buffer.from(value));
  }

  async deleteState(key: string): Promise<void> {
    this.#validateKey(key);
    this.#writes.set(key, null);
  }

  async setStateValidationParameter(key: string, policy: Uint8Array): Promise<void> {
    this.#validateKey(key);
    this.#validationParameters.set(key, Buffer.from(policy));
  }

  /** Only what this transaction set: committed policies are kept in blocks, not in the state view. */
  async getStateValidationParameter(key: string): Promise<Uint8Array> {
    this.#validateKey(key);
    return this.#validationParameters.get(key) ?? new Uint8Array(0);
  }

  getStateByRange(startKey: string, endKey: string): AsyncIteratorResult<KV> {
    // As on a peer: an empty start key starts after the composite-key namespace.
    const start = startKey === '' ? '\u0001' : startKey;
    const end = endKey === '' ? MAX_UNICODE_RUNE : endKey;
    return iteratorOf(() => this.#init.view.range(start, end));
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): AsyncIteratorResult<KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    return iteratorOf(() => this.#init.view.range(prefix, prefix + MAX_UNICODE_RUNE));
  }

  getHistoryForKey(key: string): AsyncIteratorResult<KeyModification> {
    this.#validateKey(key);
    return iteratorOf(() => this.#init.view.history(key));
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    validateCompositeKeyPart(objectType);
    let key = COMPOSITE_KEY_NAMESPACE + objectType + COMPOSITE_KEY_NAMESPACE;
    for (const attribute of attributes) {
      validateCompositeKeyPart(attribute);
      key += attribute + COMPOSITE_KEY_NAMESPACE;
    }
    return key;
  }

  splitCompositeKey(compositeKey: string): { objectType: string | null; attributes: string[] } {
    if (!compositeKey.startsWith(COMPOSITE_KEY_NAMESPACE)) {
      return { objectType: null, attributes: [] };
    }
    const parts = compositeKey.slice(1, -1).split(COMPOSITE_KEY_NAMESPACE);
    return { objectType: parts[0] ?? null, attributes: parts.slice(1) };
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (!name) throw new Error('event name must be a non-empty string');
    // As on Fabric, a transaction carries one event: the last one set.
    this.#event = { name, payload: Buffer.from(payload).toString('utf8') };
  }

  async invokeChaincode(): Promise<never> {
    throw new Error('chaincode-to-chaincode calls are not supported by the embedded ledger');
  }

  #validateKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0) {
      throw new Error('key must be a non-empty string');
    }
  }
}
