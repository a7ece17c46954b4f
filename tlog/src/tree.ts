import { fail } from './bytes.js';
import {
  HASH_SIZE,
  consistencyPlan,
  emptyRoot,
  foldRange,
  inclusionPlan,
  leafHash,
  nodeHash,
  resolvePlan,
  rootPlan,
  type NodeSource,
} from './merkle.js';

/**
 * An append-only Merkle tree kept in memory as the hashes of its complete subtrees, level by
 * level (level 0: leaf hashes; level l, index i: the subtree of leaves [i*2^l, (i+1)*2^l)).
 * That is the layout of C2SP tlog-tiles and of a key-value store keyed by (level, index), so
 * the ledger can keep the same nodes on disk. Each level is one contiguous buffer.
 *
 * An append writes one leaf and at most log2(n) parents; a root, an inclusion proof or a
 * consistency proof reads O(log n) nodes.
 *
 * @example
 * const tree = new MemoryTree();
 * tree.appendData(recordHashBytes);
 * const proof = tree.inclusionProof(0);
 */
export class MemoryTree implements NodeSource {
  #levels: Uint8Array[] = [];
  #counts: number[] = [];
  #size = 0;

  /** Number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** Appends the leaf `SHA-256(0x00 || data)`; returns its index. */
  appendData(data: Uint8Array): number {
    return this.append(leafHash(data));
  }

  /** Appends a leaf hash; returns its index. */
  append(leaf: Uint8Array): number {
    if (leaf.length !== HASH_SIZE) throw new RangeError(`a leaf hash is ${HASH_SIZE} bytes`);
    const index = this.#size;
    let level = 0;
    let i = index;
    let hash = leaf;
    for (;;) {
      this.#put(level, i, hash);
      if (i % 2 === 0) break;
      hash = nodeHash(this.node(level, i - 1), hash);
      level += 1;
      i = (i - 1) / 2;
    }
    this.#size += 1;
    return index;
  }

  /** The hash of a complete subtree; throws if that subtree is not complete yet. */
  node(level: number, index: number): Uint8Array {
    const count = this.#counts[level] ?? 0;
    const nodes = this.#levels[level];
    if (nodes === undefined || !(index >= 0 && index < count)) throw new RangeError(`no complete node at level ${level}, index ${index}`);
    const start = index * HASH_SIZE;
    return nodes.subarray(start, start + HASH_SIZE);
  }

  /** Root hash of the tree as it was at `size` leaves (default: now). */
  root(size = this.#size): Uint8Array {
    this.#checkSize(size);
    if (size === 0) return emptyRoot();
    return foldRange(rootPlan(size).map((n) => this.node(n.level, n.index)));
  }

  /** Inclusion proof of leaf `index` in the tree at `size` leaves (default: now). */
  inclusionProof(index: number, size = this.#size): Uint8Array[] {
    this.#checkSize(size);
    return resolvePlan(inclusionPlan(index, size), this);
  }

  /** Consistency proof from `size1` leaves to `size2` (default: now). */
  consistencyProof(size1: number, size2 = this.#size): Uint8Array[] {
    this.#checkSize(size2);
    return resolvePlan(consistencyPlan(size1, size2), this);
  }

  #checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.#size) {
      fail('TLOG_PROOF_MALFORMED', `the tree has ${this.#size} leaves, not ${size}`);
    }
  }

  #put(level: number, index: number, hash: Uint8Array): void {
    let buffer = this.#levels[level];
    const count = this.#counts[level] ?? 0;
    if (index !== count) throw new Error(`internal: level ${level} expected index ${count}, got ${index}`);
    if (buffer === undefined || (count + 1) * HASH_SIZE > buffer.length) {
      const grown = new Uint8Array(Math.max(64, (count + 1) * 2) * HASH_SIZE);
      if (buffer !== undefined) grown.set(buffer);
      buffer = grown;
      this.#levels[level] = buffer;
    }
    buffer.set(hash, count * HASH_SIZE);
    this.#counts[level] = count + 1;
  }
}
