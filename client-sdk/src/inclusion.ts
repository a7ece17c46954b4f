import { bidLeafData, recordHash, type BidderHead, type LedgerRecord, type ReceiptClaims } from '@tender-ledger/domain';
import { MemoryTree, fromHex, leafHash, toHex, verifyInclusion } from '@tender-ledger/tlog';

/**
 * What `GET /v1/projects/{id}/bids/{bidderId}/inclusion` answers: a bidder's completeness proof.
 *
 * @example
 * const proof: BidInclusionProof = await client.bidInclusion(projectId, bidderId);
 * console.log(`${proof.size} live commitments under ${proof.opening.payload.commitmentsRoot}`);
 */
export interface BidInclusionProof {
  projectId: string;
  bidderId: string;
  /** The opening record (BidsOpened, or TenderFailed): it names every bidder chain's head and the commitments root. */
  opening: LedgerRecord<'BidsOpened' | 'TenderFailed'>;
  head: BidderHead | null;
  leaf: { bidderId: string; recordHash: string } | null;
  index?: number;
  size: number;
  /** RFC 9162 inclusion proof, hex. */
  proof: string[];
}

/**
 * Why a bidder's last step is not (provably) in the opening.
 *
 * @example
 * const result = verifyBidInclusion(proof, claims, bidderId);
 * if (result.reason === 'COMMITMENT_LEFT_OUT') console.error('the opening dropped this bid:', result.detail);
 */
export type BidInclusionFailure =
  | 'NOT_AN_OPENING'
  | 'OPENING_ALTERED'
  | 'OTHER_PROJECT'
  | 'RECEIPT_AFTER_OPENING'
  | 'BIDDER_LEFT_OUT'
  | 'HEAD_DIFFERS'
  | 'COMMITMENT_LEFT_OUT';

/**
 * What `verifyBidInclusion` concludes: included or not, why not, and a line saying what was checked.
 *
 * @example
 * const { included, live, reason, detail } = verifyBidInclusion(proof, claims, bidderId);
 * console.log(included ? detail : `${reason}: ${detail}`, live ? '(a live bid)' : '');
 */
export interface BidInclusionResult {
  /** True when the opening fixed this receipt's record as the bidder's last step and, for a commitment, included it among the live ones. */
  included: boolean;
  /** Whether the receipt's record is a live commitment the opening included. */
  live: boolean;
  reason?: BidInclusionFailure;
  detail: string;
}

/**
 * The offline completeness check: given the receipt (its verified claims) of a bidder's *last*
 * step before the deadline, is that step what the opening recorded as the bidder's head, and
 * — for a commitment — is it a leaf of the opening's commitments root? Each `false` is evidence:
 * the signed receipt shows the step was recorded in time, the opening record (on the ledger,
 * hash-chained) shows what the opening took. Check the receipt's signature first
 * (`verifyReceipt`); the proof itself needs no trust in whoever served it.
 *
 * @example
 * const { claims } = await verifyReceipt(receipt, await client.jwks());
 * const result = verifyBidInclusion(await client.bidInclusion(projectId, bidderId), claims, bidderId);
 * if (!result.included) console.error(result.reason, result.detail);
 */
export function verifyBidInclusion(
  proof: BidInclusionProof,
  claims: Pick<ReceiptClaims, 'recordHash' | 'projectId' | 'step' | 'ledgerTime'>,
  bidderId: string,
): BidInclusionResult {
  const fail = (reason: BidInclusionFailure, detail: string): BidInclusionResult => ({ included: false, live: false, reason, detail });
  const { opening } = proof;
  if (opening.step !== 'BidsOpened' && opening.step !== 'TenderFailed')
    return fail('NOT_AN_OPENING', `record ${opening.recordId} is a ${String(opening.step)}`);
  if (recordHash(opening) !== opening.hash) return fail('OPENING_ALTERED', `record ${opening.recordId} does not match its hash`);
  if (opening.projectId !== claims.projectId)
    return fail('OTHER_PROJECT', `the receipt is for ${String(claims.projectId)}, the opening for ${String(opening.projectId)}`);
  if (Date.parse(claims.ledgerTime) >= Date.parse(opening.txTime))
    return fail('RECEIPT_AFTER_OPENING', `the receipt's step (${claims.ledgerTime}) is not before the opening (${opening.txTime})`);
  const head = opening.payload.bidderHeads.find((h) => h.bidderId === bidderId);
  if (!head) return fail('BIDDER_LEFT_OUT', `the opening names no chain of bidder ${bidderId}`);
  if (head.hash !== claims.recordHash) {
    return fail(
      'HEAD_DIFFERS',
      `the opening took record ${head.hash} (seq ${head.seq}) as the bidder's last step, not this receipt's ${claims.recordHash}: unless the bidder made a later step, its last one was left out`,
    );
  }
  if (claims.step !== 'BidCommitted')
    return { included: true, live: false, detail: `the opening took this ${claims.step} as the bidder's last step (no live bid)` };
  const leaf = leafHash(bidLeafData({ bidderId, recordHash: claims.recordHash }));
  const index = proof.index ?? -1;
  try {
    if (proof.size !== opening.payload.commitmentCount)
      throw new Error(`the proof is for ${proof.size} leaves, the opening has ${opening.payload.commitmentCount}`);
    const hex = (h: string): Uint8Array => {
      const bytes = fromHex(h);
      if (bytes?.length !== 32) throw new Error(`${h} is not a SHA-256 hash in hex`);
      return bytes;
    };
    verifyInclusion(index, proof.size, leaf, proof.proof.map(hex), hex(opening.payload.commitmentsRoot));
  } catch (error) {
    return fail('COMMITMENT_LEFT_OUT', `the commitment is not in the opening's commitments root: ${(error as Error).message}`);
  }
  return {
    included: true,
    live: true,
    detail: `commitment ${claims.recordHash} is leaf ${index} of ${proof.size} under root ${opening.payload.commitmentsRoot}`,
  };
}

/**
 * A hash's place in a batch notarisation and its RFC 9162 inclusion proof (hex).
 *
 * @example
 * const { index, size, proof }: BatchInclusion = batchInclusion(hashes, hashes[7]); // 7, hashes.length, …
 */
export interface BatchInclusion {
  index: number;
  size: number;
  proof: string[];
}

const leafOfHash = (sha256: string): Uint8Array => leafHash(fromHex(sha256) ?? new Uint8Array(0));

/**
 * The inclusion proof of `sha256` in a batch of `hashes` (in the order sent), computed locally.
 *
 * @example
 * const inclusion = batchInclusion(hashes, sha256OfMyFile);
 * verifyBatchInclusion(sha256OfMyFile, inclusion, record.payload.merkleRoot); // true
 */
export function batchInclusion(hashes: readonly string[], sha256: string): BatchInclusion {
  const tree = new MemoryTree();
  for (const hash of hashes) tree.append(leafOfHash(hash));
  const index = hashes.indexOf(sha256);
  if (index < 0) throw new RangeError(`${sha256} is not in the batch`);
  return { index, size: tree.size, proof: tree.inclusionProof(index).map(toHex) };
}

/**
 * Whether `sha256` is in the batch whose record holds `merkleRoot` (and `count`): true or false,
 * offline.
 *
 * @example
 * const { record } = await client.notariseBatch({ hashes, kind: 'archive' });
 * verifyBatchInclusion(hashes[7], batchInclusion(hashes, hashes[7]), record.payload.merkleRoot); // true
 */
export function verifyBatchInclusion(sha256: string, inclusion: BatchInclusion, merkleRoot: string): boolean {
  const root = fromHex(merkleRoot);
  const proof = inclusion.proof.map((h) => fromHex(h));
  if (root?.length !== 32 || proof.some((p) => p?.length !== 32)) return false;
  try {
    verifyInclusion(inclusion.index, inclusion.size, leafOfHash(sha256), proof as Uint8Array[], root);
    return true;
  } catch {
    return false;
  }
}
