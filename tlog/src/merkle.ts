import { sha256 } from '@noble/hashes/sha2';
import { bytesEqual, fail, toHex } from './bytes.js';

/**
 * RFC 9162 section 2.1 Merkle trees over SHA-256, with the domain separation that stops a
 * leaf from passing for an inner node (second-preimage attack): a leaf is hashed behind 0x00,
 * a node behind 0x01.
 *
 * Sizes and indexes are JavaScript numbers (exact to 2^53 - 1), so every step below uses
 * arithmetic, never 32-bit bitwise operators.
 */

export const HASH_SIZE = 32;

type Sha256 = (data: Uint8Array) => Uint8Array;
/** The pure-JS SHA-256 (@noble/hashes), the default. */
export const pureSha256: Sha256 = (data) => sha256(data);
let sha256Impl: Sha256 = pureSha256;

/**
 * Replaces the SHA-256 used for Merkle hashing (default: pure-JS @noble/hashes, which runs
 * anywhere). `useNodeCrypto()` from `@tender-ledger/tlog/node` installs Node's own, which is
 * faster on the server; results are identical.
 */
export function setMerkleSha256(fn: Sha256): void {
  sha256Impl = fn;
}

/** `SHA-256(0x00 || data)`. */
export function leafHash(data: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + data.length);
  input.set(data, 1);
  return sha256Impl(input);
}

// One buffer hashed in one call is the fastest form of @noble/hashes for 65 bytes.
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;

/** `SHA-256(0x01 || left || right)` of two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    const input = new Uint8Array(1 + left.length + right.length);
    input[0] = 0x01;
    input.set(left, 1);
    input.set(right, 1 + left.length);
    return sha256Impl(input);
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return sha256Impl(nodeInput);
}

/** The root of the empty tree, `SHA-256()` of nothing. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** A complete subtree: 2^level leaves starting at leaf `index * 2^level`. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const half = (x: number): number => Math.floor(x / 2);

/**
 * The complete subtrees that make up leaves [start, end), left to right, largest first. For
 * the ranges Merkle proofs use (start aligned to a power of two at least end - start), folding
 * them right to left with {@link nodeHash} gives exactly the RFC 9162 `MTH(D[start:end])`.
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  while (start < end) {
    let level = 0;
    let width = 1;
    while (start % (width * 2) === 0 && start + width * 2 <= end) {
      width *= 2;
      level += 1;
    }
    nodes.push({ level, index: start / width });
    start += width;
  }
  return nodes;
}

/** Hash of a range given its complete subtrees' hashes (as {@link rangeNodes} lists them). */
export function foldRange(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRoot();
  // From the right: the last hash, then each one before it hashed with what is folded so far.
  return hashes.reduceRight((acc, hash) => nodeHash(hash, acc));
}

/** What to read to compute the root of a tree of `size` leaves. */
export function rootPlan(size: number): NodeId[] {
  return rangeNodes(0, size);
}

/**
 * The nodes an inclusion proof of leaf `index` in a tree of `size` leaves is made of
 * (RFC 9162 section 2.1.3.1 `PATH`), in proof order (from the leaf's sibling up). Each entry
 * is one proof hash: one complete subtree, or several on the tree's ragged right edge.
 */
export function inclusionPlan(index: number, size: number): NodeId[][] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    fail('TLOG_PROOF_MALFORMED', `no leaf ${index} in a tree of size ${size}`);
  }
  const path: NodeId[][] = [];
  let offset = 0;
  let length = size;
  let m = index;
  while (length > 1) {
    const k = splitPoint(length);
    if (m < k) {
      path.push(rangeNodes(offset + k, offset + length));
      length = k;
    } else {
      path.push(rangeNodes(offset, offset + k));
      offset += k;
      m -= k;
      length -= k;
    }
  }
  return path.reverse();
}

/**
 * The nodes of a consistency proof from size1 to size2 (RFC 9162 section 2.1.4.1 `PROOF`),
 * in proof order. Empty when the sizes are equal; refused from the empty tree (any tree is
 * consistent with it, so such a proof proves nothing).
 */
export function consistencyPlan(size1: number, size2: number): NodeId[][] {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 1 || size1 > size2) {
    fail('TLOG_PROOF_MALFORMED', `no consistency proof from size ${size1} to size ${size2}`);
  }
  const proof: NodeId[][] = [];
  if (size1 === size2) return proof;
  let offset = 0;
  let length = size2;
  let m = size1;
  let complete = true; // the RFC's `b`: the old tree is a complete subtree seen so far
  for (;;) {
    if (m === length) {
      if (!complete) proof.push(rangeNodes(offset, offset + length));
      break;
    }
    const k = splitPoint(length);
    if (m <= k) {
      proof.push(rangeNodes(offset + k, offset + length));
      length = k;
    } else {
      proof.push(rangeNodes(offset, offset + k));
      offset += k;
      m -= k;
      length -= k;
      complete = false;
    }
  }
  return proof.reverse();
}

/** Reads the hash of a complete subtree; the tree (or the ledger) behind it decides how. */
export interface NodeSource {
  node(level: number, index: number): Uint8Array;
}

/** Turns a plan into hashes, reading from a source of complete-subtree hashes. */
export function resolvePlan(plan: readonly NodeId[][], source: NodeSource): Uint8Array[] {
  return plan.map((nodes) => foldRange(nodes.map((n) => source.node(n.level, n.index))));
}

function checkHashes(proof: readonly Uint8Array[], code: 'TLOG_INCLUSION_INVALID' | 'TLOG_CONSISTENCY_INVALID'): void {
  proof.forEach((h, i) => {
    if (h.length !== HASH_SIZE) fail(code, `proof hash ${i} is ${h.length} bytes, not ${HASH_SIZE}`);
  });
}

/**
 * The root that an inclusion proof leads to (RFC 9162 section 2.1.3.2). Throws
 * TLOG_INCLUSION_INVALID when the proof cannot be one for this index and size.
 */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    fail('TLOG_INCLUSION_INVALID', `leaf index ${index} is not below the tree size ${size}`);
  }
  if (leaf.length !== HASH_SIZE) fail('TLOG_INCLUSION_INVALID', `leaf hash is ${leaf.length} bytes`);
  checkHashes(proof, 'TLOG_INCLUSION_INVALID');
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) fail('TLOG_INCLUSION_INVALID', 'the proof is longer than the path to the root');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('TLOG_INCLUSION_INVALID', 'the proof is shorter than the path to the root');
  return r;
}

/** Checks that `leaf` is leaf `index` of the tree of `size` leaves with `root`; throws TLOG_INCLUSION_INVALID. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  if (!bytesEqual(computed, root)) fail('TLOG_INCLUSION_INVALID', 'the proof leads to another root hash');
}

/**
 * Checks that the tree of size2 with root2 extends the tree of size1 with root1
 * (RFC 9162 section 2.1.4.2); throws TLOG_CONSISTENCY_INVALID. Equal sizes need equal roots
 * and an empty proof; a proof from the empty tree is refused as meaningless.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1) {
    fail('TLOG_CONSISTENCY_INVALID', `size ${size2} is smaller than size ${size1}`);
  }
  if (size1 === 0) fail('TLOG_CONSISTENCY_INVALID', 'a consistency proof from the empty tree proves nothing');
  if (size1 === size2) {
    if (proof.length > 0) fail('TLOG_CONSISTENCY_INVALID', 'equal sizes take an empty proof');
    if (!bytesEqual(root1, root2)) fail('TLOG_CONSISTENCY_INVALID', 'equal sizes with different root hashes');
    return;
  }
  if (proof.length === 0) fail('TLOG_CONSISTENCY_INVALID', 'the proof is empty');
  checkHashes(proof, 'TLOG_CONSISTENCY_INVALID');
  // When the old tree is a complete subtree its root is the first node of the path.
  let fn = size1 - 1;
  let sn = size2 - 1;
  let path = proof;
  let isPow2 = size1 > 0;
  for (let x = size1; x > 1; x = x / 2)
    if (x % 2 !== 0) {
      isPow2 = false;
      break;
    }
  if (isPow2) path = [root1, ...proof];
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  const [first, ...rest] = path;
  if (first === undefined) fail('TLOG_CONSISTENCY_INVALID', 'the proof is empty'); // checked above; this tells the types
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) fail('TLOG_CONSISTENCY_INVALID', 'the proof is longer than the path');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('TLOG_CONSISTENCY_INVALID', 'the proof is shorter than the path');
  if (!bytesEqual(fr, root1)) fail('TLOG_CONSISTENCY_INVALID', 'the proof does not lead to the old root hash');
  if (!bytesEqual(sr, root2)) fail('TLOG_CONSISTENCY_INVALID', 'the proof does not lead to the new root hash');
}

/** RFC 9162 `MTH` over leaf hashes, computed directly: the reference the tree is tested against. */
export function rootOfLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  const [first] = leaves;
  if (first === undefined) return emptyRoot();
  if (leaves.length === 1) return first;
  const k = splitPoint(leaves.length);
  return nodeHash(rootOfLeaves(leaves.slice(0, k)), rootOfLeaves(leaves.slice(k)));
}

/**
 * The RFC 9162 root over an opening's leaves (`bidLeafData` of each live commitment), hex: for `checkChain`.
 *
 * @example
 * const root = commitmentsRoot(liveCommitments.map((c) => bidLeafData({ bidderId: c.bidderId, recordHash: c.hash })));
 * root === opening.payload.commitmentsRoot; // the opening took exactly these
 */
export function commitmentsRoot(leaves: Uint8Array[]): string {
  return toHex(rootOfLeaves(leaves.map((l) => leafHash(l))));
}
