import { LedgerError, must } from '@tender-ledger/domain';
import {
  HASH_SIZE,
  addSignatures,
  bytesEqual,
  cosignText,
  emptyRoot,
  fromBase64,
  parseCheckpoint,
  parseNote,
  verifyConsistency,
  verifyNoteSignatures,
  type Ed25519Signer,
  type NoteVerifier,
} from '@tender-ledger/tlog';
import { CheckpointStore, KeyedLock } from './store.js';

/** The most consistency proof lines a request may carry (c2sp.org/tlog-witness). */
export const MAX_PROOF_LINES = 63;

export interface WitnessOptions {
  /** The witness's key name, e.g. `witness.regulator.example`. */
  readonly name: string;
  /** Its Ed25519 key; cosignatures are cosignature/v1 (type 0x04). */
  readonly signer: Ed25519Signer;
  /** The logs it witnesses: Ed25519 (0x01) verifier keys whose name is the log's origin. */
  readonly logs: readonly NoteVerifier[];
  readonly store: CheckpointStore;
  /** Seconds since the epoch; injected so tests control time. */
  readonly now?: () => number;
  /**
   * The log's tree as this witness holds it itself: another organisation's gateway, whose tree
   * is built from its own peer's blocks. A checkpoint is then cosigned only if it is the root of
   * that tree at its size, so a cosignature says the two organisations' ledgers agree.
   */
  readonly ownTree?: { readonly size: number; root(size: number): Uint8Array };
  /** How long a checkpoint waits for the own tree to reach its size (ms, default 5,000): the peers commit a block at slightly different times. */
  readonly catchUpMs?: number;
}

export type AddCheckpointResult =
  { readonly status: 200; readonly cosignatures: readonly string[] } | { readonly status: 409; readonly latestSize: number };

const malformed = (detail: string): never => {
  throw new LedgerError('TLOG_NOTE_MALFORMED', detail);
};

const badProof = (detail: string): never => {
  throw new LedgerError('TLOG_PROOF_MALFORMED', detail);
};

/**
 * A C2SP tlog-witness: cosigns a log's checkpoint only if it is signed by the log and extends
 * (by a verified consistency proof) the last checkpoint this witness cosigned for that log.
 * Refusals are LedgerErrors: TLOG_NOTE_MALFORMED (400), TLOG_ORIGIN_UNKNOWN (404),
 * TLOG_SIGNATURE_MISSING / TLOG_SIGNATURE_INVALID (403), TLOG_CONSISTENCY_INVALID (422); an old
 * size other than the latest cosigned one is answered 409 with that size.
 */
export class Witness {
  readonly #options: WitnessOptions;
  readonly #lock = new KeyedLock();

  constructor(options: WitnessOptions) {
    this.#options = options;
  }

  get name(): string {
    return this.#options.name;
  }

  /** Handles one `POST /add-checkpoint` body. */
  async addCheckpoint(body: Uint8Array): Promise<AddCheckpointResult> {
    const request = parseRequest(body);
    const { note, checkpoint } = request;
    const logs = this.#options.logs.filter((l) => l.name === checkpoint.origin);
    if (logs.length === 0) throw new LedgerError('TLOG_ORIGIN_UNKNOWN', `this witness does not witness ${checkpoint.origin}`);
    if (verifyNoteSignatures(note, logs).length === 0) {
      throw new LedgerError('TLOG_SIGNATURE_MISSING', `no signature by the log ${checkpoint.origin}`);
    }
    if (request.oldSize > checkpoint.size) malformed('the old size is larger than the checkpoint size');
    if (this.#options.ownTree) await this.#agreesWithOwnTree(this.#options.ownTree, checkpoint);

    // Check and persist under one lock per log: two requests racing from the same old size
    // must not both pass (the rollback race the spec describes).
    return this.#lock.run(checkpoint.origin, async () => {
      const stored = await this.#options.store.read(checkpoint.origin);
      const latest = stored === undefined ? undefined : parseCheckpoint(parseNote(stored).text);
      const latestSize = latest?.size ?? 0;
      if (request.oldSize !== latestSize) return { status: 409, latestSize };
      if (checkpoint.size === 0 && !bytesEqual(checkpoint.rootHash, emptyRoot())) {
        throw new LedgerError('TLOG_CONSISTENCY_INVALID', "a checkpoint of size 0 has the empty tree's root hash");
      }
      if (request.oldSize === 0) {
        if (request.proof.length > 0) throw new LedgerError('TLOG_CONSISTENCY_INVALID', 'from size 0 the proof is empty');
      } else {
        // The old root is the one this witness cosigned, never one the request names.
        // oldSize > 0 equals the stored size here, so a cosigned checkpoint is stored.
        verifyConsistency(
          request.oldSize,
          checkpoint.size,
          request.proof,
          must(latest, 'the cosigned checkpoint').rootHash,
          checkpoint.rootHash,
        );
      }
      const now = Math.floor((this.#options.now ?? (() => Date.now() / 1000))());
      const line = cosignText(note.text, this.#options.name, this.#options.signer, now);
      // Keep the log's own signature lines and this cosignature: what GET .../checkpoint serves.
      const logLines = note.signatures.filter((s) => logs.some((l) => l.name === s.name && l.keyId === s.keyId)).map((s) => s.line);
      await this.#options.store.write(checkpoint.origin, addSignatures(`${note.text}\n`, [...logLines, line]));
      return { status: 200, cosignatures: [line] };
    });
  }

  async #agreesWithOwnTree(own: NonNullable<WitnessOptions['ownTree']>, checkpoint: ReturnType<typeof parseCheckpoint>): Promise<void> {
    const until = Date.now() + (this.#options.catchUpMs ?? 5000);
    while (own.size < checkpoint.size && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    if (own.size < checkpoint.size) {
      // Not a disagreement yet: this side's peer has not committed those blocks; the log asks again.
      throw new LedgerError(
        'LEDGER_UNAVAILABLE',
        `this witness's own tree has ${own.size} leaves, the checkpoint ${checkpoint.size}: its peer is behind; retry later`,
      );
    }
    if (!bytesEqual(own.root(checkpoint.size), checkpoint.rootHash)) {
      throw new LedgerError(
        'TLOG_CONSISTENCY_INVALID',
        `at size ${checkpoint.size} the checkpoint's root is not this witness's own tree's: the two ledgers disagree`,
      );
    }
  }

  /** The latest cosigned checkpoint of the log whose origin hashes to `originHash`, if any. */
  latest(originHash: string): Promise<string | undefined> {
    return this.#options.store.readByHash(originHash);
  }
}

interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: Uint8Array[];
  readonly note: ReturnType<typeof parseNote>;
  readonly checkpoint: ReturnType<typeof parseCheckpoint>;
}

function parseRequest(body: Uint8Array): AddCheckpointRequest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return malformed('the body is not UTF-8');
  }
  const blank = text.indexOf('\n\n');
  if (blank < 0) malformed('no blank line before the checkpoint');
  const head = text.slice(0, blank).split('\n');
  const oldMatch = /^old (0|[1-9][0-9]{0,15})$/.exec(head[0] ?? '');
  const oldSize = oldMatch === null ? NaN : Number(oldMatch[1]);
  if (!Number.isSafeInteger(oldSize)) malformed('the first line is not "old <size>"');
  const proofLines = head.slice(1);
  if (proofLines.length > MAX_PROOF_LINES) badProof(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  const proof = proofLines.map((line, i) => {
    const h = fromBase64(line);
    return h !== undefined && h.length === HASH_SIZE ? h : badProof(`consistency proof line ${i + 1} is not a base64 SHA-256 hash`);
  });
  const note = parseNote(text.slice(blank + 2));
  const checkpoint = parseCheckpoint(note.text);
  return { oldSize, proof, note, checkpoint };
}
