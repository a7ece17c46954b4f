import {
  addSignatures,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  toBase64,
  verifyCheckpoint,
  verifyNoteSignatures,
  type Ed25519Signer,
  type NoteVerifier,
  type TlogPolicy,
} from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';
import type { WitnessEndpoint } from './config.js';

/** What the checkpointer reads: the log's durable size, roots and consistency proofs. */
export interface CheckpointSource {
  readonly size: number;
  root(size?: number): Uint8Array;
  consistencyProof(size1: number, size2?: number): Uint8Array[];
}

/** A checkpoint as published: the signed note with the cosignatures it gathered. */
export interface PublishedCheckpoint {
  readonly size: number;
  readonly note: string;
}

export interface CheckpointerOptions {
  readonly log: CheckpointSource;
  readonly origin: string;
  readonly signer: Ed25519Signer;
  readonly witnesses: readonly WitnessEndpoint[];
  /** The policy a published checkpoint must meet (this log's key and k of the witnesses). */
  readonly policy: TlogPolicy;
  readonly intervalMs?: number;
  readonly fetch?: typeof fetch;
  /** Where a witness's refusal is reported (default: console.warn, once per reason); the gateway passes its JSON log. */
  readonly warn?: (message: string) => void;
  /** Told of each checkpoint published (the gateway logs it at debug level). */
  readonly published?: (checkpoint: PublishedCheckpoint) => void;
  /** The clock of `publishedAt` (default Date.now). */
  readonly now?: () => number;
}

interface WitnessState {
  readonly endpoint: WitnessEndpoint;
  readonly verifier: NoteVerifier;
  /** The size it last cosigned, as far as this process knows (a 409 tells). */
  lastSize: number;
  lastError?: string;
}

/**
 * Signs a checkpoint whenever the log has grown (checked every `intervalMs`, so at most that
 * long after new leaves), sends it to every witness with a consistency proof from the size that
 * witness last cosigned (a 409 names it: the request is sent again from there), adds the
 * cosignatures it gets back, and publishes the checkpoint once they meet the policy. Proofs are
 * handed out only with a published checkpoint.
 */
export class Checkpointer {
  readonly #options: CheckpointerOptions;
  readonly #witnesses: WitnessState[];
  #latest: PublishedCheckpoint | undefined;
  #published: PublishedCheckpoint | undefined;
  #publishedAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  readonly #waiters = new Set<{ size: number; resolve: (c: PublishedCheckpoint) => void }>();
  readonly #warned = new Set<string>();

  constructor(options: CheckpointerOptions) {
    this.#options = options;
    this.#witnesses = options.witnesses.map((endpoint) => ({
      endpoint,
      verifier: parseVerifierKey(endpoint.vkey, nodeEd25519),
      lastSize: 0,
    }));
  }

  /** The newest signed checkpoint, with whatever cosignatures it has so far: `GET /checkpoint`. */
  get latest(): PublishedCheckpoint | undefined {
    return this.#latest;
  }

  /** The newest checkpoint that meets the policy: the one proofs are handed out with. */
  get published(): PublishedCheckpoint | undefined {
    return this.#published;
  }

  /** When the newest published checkpoint was published (ms since the epoch, by `now`). */
  get publishedAt(): number | undefined {
    return this.#publishedAt;
  }

  /** Each witness's last refusal or failure, if its last attempt failed. */
  witnessErrors(): Record<string, string> {
    return Object.fromEntries(
      this.#witnesses.flatMap((w): [string, string][] => (w.lastError === undefined ? [] : [[w.endpoint.url, w.lastError]])),
    );
  }

  start(): void {
    const loop = (): void => {
      if (this.#stopped) return;
      this.#running = this.tick()
        .catch((error: unknown) => {
          this.#warn(`checkpoint: ${(error as Error).message}`);
        })
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#options.intervalMs ?? 200);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Resolves with the first published checkpoint covering `size` leaves; rejects after `timeoutMs`. */
  waitFor(size: number, timeoutMs: number): Promise<PublishedCheckpoint> {
    const published = this.#published;
    if (published !== undefined && published.size >= size) return Promise.resolve(published);
    return new Promise((resolve, reject) => {
      const waiter = {
        size,
        resolve: (c: PublishedCheckpoint) => {
          clearTimeout(timer);
          resolve(c);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no checkpoint meeting the witness policy covers ${size} leaves after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** One round: sign if the log grew, gather missing cosignatures, publish if the policy is met. */
  async tick(): Promise<void> {
    const size = this.#options.log.size;
    if (this.#latest === undefined || size > this.#latest.size) {
      const note = signCheckpoint(
        { origin: this.#options.origin, size, rootHash: this.#options.log.root(size), extensions: [] },
        this.#options.signer,
      );
      this.#latest = { size, note };
    }
    const latest = this.#latest;
    if (this.#published === latest) return;
    const logNote = latest.note;
    const signed = parseNote(logNote);
    const have = new Set(parseNote(latest.note).signatures.map((s) => `${s.name}+${s.keyId}`));
    const lines = await Promise.all(
      this.#witnesses.map(async (w) => {
        if (have.has(`${w.verifier.name}+${w.verifier.keyId}`)) return [];
        try {
          const got = await this.#send(w, logNote, latest.size);
          // Only a cosignature that verifies is kept: one bad line would spoil the whole note.
          const candidate = parseNote(addSignatures(`${signed.text}\n`, got));
          if (verifyNoteSignatures(candidate, [w.verifier]).length === 0)
            throw new Error('its answer holds no valid cosignature of this checkpoint');
          w.lastSize = latest.size;
          delete w.lastError;
          return got.filter((l) => l.startsWith(`— ${w.verifier.name} `));
        } catch (error) {
          w.lastError = (error as Error).message;
          this.#warn(`witness ${w.endpoint.url} did not cosign size ${latest.size}: ${w.lastError}`);
          return [];
        }
      }),
    );
    if (this.#latest !== latest) return;
    const note = addSignatures(latest.note, lines.flat());
    this.#latest = { size: latest.size, note };
    try {
      verifyCheckpoint(note, this.#options.policy, { cache: false });
    } catch {
      return; // not enough cosignatures yet: the next round asks the witnesses that failed again
    }
    this.#published = this.#latest;
    this.#publishedAt = (this.#options.now ?? Date.now)();
    this.#options.published?.(this.#published);
    for (const waiter of this.#waiters) {
      if (waiter.size <= latest.size) {
        this.#waiters.delete(waiter);
        waiter.resolve(this.#latest);
      }
    }
  }

  /** POST /add-checkpoint (c2sp.org/tlog-witness); on 409, once more from the size it names. */
  async #send(w: WitnessState, note: string, size: number): Promise<string[]> {
    const doFetch = this.#options.fetch ?? fetch;
    for (let attempt = 0; attempt < 2; attempt++) {
      const old = w.lastSize;
      if (old > size) throw new Error(`it has cosigned size ${old}, beyond this log's ${size}`);
      const proof = old === 0 ? [] : this.#options.log.consistencyProof(old, size);
      const body = `old ${old}\n${proof.map((h) => `${toBase64(h)}\n`).join('')}\n${note}`;
      const response = await doFetch(`${w.endpoint.url}/add-checkpoint`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        signal: AbortSignal.timeout(5000),
      });
      const text = await response.text();
      if (response.status === 200) return text.split('\n').filter((l) => l !== '');
      if (response.status === 409 && attempt === 0) {
        const named = /^(0|[1-9][0-9]{0,15})\n?$/.exec(text);
        if (!named) throw new Error(`409 without a size: ${text.trim()}`);
        // Its latest, perhaps from before a restart of this gateway; from the same size the proof is empty.
        w.lastSize = Number(named[1]);
        continue;
      }
      throw new Error(`${response.status} ${text.trim()}`);
    }
    throw new Error('it keeps answering 409');
  }

  #warn(message: string): void {
    if (this.#warned.has(message)) return;
    if (this.#warned.size > 100) this.#warned.clear();
    this.#warned.add(message);
    (this.#options.warn ?? console.warn)(message);
  }
}

/** The checkpoint text's size, for callers holding only a note. */
export function checkpointSize(note: string): number {
  return parseCheckpoint(parseNote(note).text).size;
}
