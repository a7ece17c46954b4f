export { toBase64, fromBase64, toHex, fromHex, bytesEqual } from './bytes.js';
export {
  HASH_SIZE, leafHash, nodeHash, emptyRoot, rangeNodes, foldRange, rootPlan, inclusionPlan, consistencyPlan, resolvePlan,
  rootFromInclusionProof, verifyInclusion, verifyConsistency, rootOfLeaves, type NodeId, type NodeSource,
} from './merkle.js';
export { MemoryTree } from './tree.js';
