import { createHash } from 'node:crypto';
import {
  MemoryTree,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  addSignatures,
  cosignText,
  formatProofBundle,
  formatPolicy,
  parseNote,
  signCheckpoint,
} from '@tender-ledger/tlog';
import { generateSignerKey, parseSignerKey, type NamedKey } from '@tender-ledger/tlog/node';

/** The 32-byte hash standing for record i (hex). */
export function recordHashOf(i: number): string {
  return createHash('sha256').update(`record-${i}`).digest('hex');
}

/** A log with real keys, a tree of records, and witnesses that cosign whatever they are given. */
export class TestLog {
  readonly tree = new MemoryTree();
  readonly logKey: NamedKey;
  readonly witnesses: NamedKey[];

  /** Pass the `logKey` of another TestLog to make a fork signed by the same log. */
  constructor(
    readonly origin = 'tender-ledger.test/log',
    witnessCount = 3,
    logKey?: NamedKey,
  ) {
    this.logKey = logKey ?? parseSignerKey(generateSignerKey(origin, SIG_ED25519));
    this.witnesses = Array.from({ length: witnessCount }, (_, i) =>
      parseSignerKey(generateSignerKey(`witness${i + 1}.test`, SIG_COSIGNATURE_V1)),
    );
  }

  /** Appends records recordHashOf(size) .. up to `size` leaves. */
  grow(size: number): this {
    for (let i = this.tree.size; i < size; i++) this.tree.appendData(Buffer.from(recordHashOf(i), 'hex'));
    return this;
  }

  /** The log-signed checkpoint at `size` leaves. */
  checkpoint(size = this.tree.size, extensions: string[] = []): string {
    return signCheckpoint({ origin: this.origin, size, rootHash: this.tree.root(size), extensions }, this.logKey.signer);
  }

  /** The checkpoint cosigned by the first `count` witnesses. */
  cosigned(size = this.tree.size, count = this.witnesses.length, time = 1_790_000_000): string {
    const note = this.checkpoint(size);
    const { text } = parseNote(note);
    return addSignatures(
      note,
      this.witnesses.slice(0, count).map((w) => cosignText(text, w.name, w.signer, time)),
    );
  }

  bundle(index: number, size = this.tree.size, checkpoint = this.cosigned(size)): string {
    return formatProofBundle({ index, inclusionProof: this.tree.inclusionProof(index, size), checkpoint });
  }

  /** k of the witnesses, as a tlog-policy text. */
  policy(threshold = this.witnesses.length): string {
    return formatPolicy({ logs: [this.logKey.vkey], witnesses: this.witnesses.map((w) => w.vkey), threshold });
  }
}
