export { toBase64, fromBase64, toHex, fromHex, bytesEqual } from './bytes.js';
export {
  HASH_SIZE, setMerkleSha256, pureSha256, leafHash, nodeHash, emptyRoot, rangeNodes, foldRange, rootPlan, inclusionPlan, consistencyPlan, resolvePlan,
  rootFromInclusionProof, verifyInclusion, verifyConsistency, rootOfLeaves, commitmentsRoot, type NodeId, type NodeSource,
} from './merkle.js';
export { MemoryTree } from './tree.js';
export { pureEd25519, type Ed25519, type Ed25519Signer } from './ed25519.js';
export {
  SIG_ED25519, SIG_COSIGNATURE_V1, MAX_SIGNATURES, isKeyName, keyIdOf, formatVerifierKey, parseVerifierKey, cosignatureMessage,
  splitCosignature, parseNote, parseSignatureLine, formatSignatureLine, formatNote, verifyNoteSignatures, signNoteText, cosignText,
  type SignatureType, type NoteSignature, type SignedNote, type NoteVerifier,
} from './note.js';
export { parseCheckpoint, formatCheckpoint, signCheckpoint, addSignatures, type Checkpoint } from './checkpoint.js';
export { parsePolicy, formatPolicy, quorumMet, type TlogPolicy, type QuorumRule, type PolicyOptions } from './policy.js';
export {
  TLOG_PROOF_HEADER, MAX_PROOF_HASHES, formatProofBundle, parseProofBundle, verifyCheckpoint, verifyProof, recordHashBytes,
  type TlogProofBundle, type VerifiedCheckpoint, type VerifiedProof, type VerifyOptions,
} from './proof.js';
