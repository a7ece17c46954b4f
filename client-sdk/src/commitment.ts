import { randomBytes } from 'node:crypto';
import { bidCommitment, type SealedBid } from '@tender-ledger/domain';

export interface CommitBidInput {
  projectId: string;
  bidderId: string;
  /** SHA-256 of the bid file (see {@link sha256File}). */
  bidFileSha256: string;
  /** Integer fen. */
  price: number;
  /** Supply only to recompute an existing commitment; by default a fresh 256-bit salt is drawn. */
  salt?: string;
}

export interface CommittedBid {
  /** Send this to the ledger. */
  commitment: string;
  /** Keep this secret with the bid until opening: without it the bid cannot be opened. */
  reveal: SealedBid;
}

/**
 * Seals a bid on the bidder's side, exactly as the chaincode checks it at opening. Only the
 * commitment leaves the caller; price, bid file and salt stay with the bidder.
 *
 * @example
 * const { commitment, reveal } = commitBid({ projectId, bidderId, bidFileSha256, price: 98_500_000 });
 * await client.submitBid(projectId, { bidderId, commitment });
 * // keep `reveal` safe; send it at opening
 */
export function commitBid(input: CommitBidInput): CommittedBid {
  if (!Number.isSafeInteger(input.price) || input.price < 0) {
    throw new RangeError('price must be a non-negative integer number of fen');
  }
  const salt = input.salt ?? randomBytes(32).toString('hex');
  const reveal: SealedBid = { projectId: input.projectId, bidderId: input.bidderId, bidFileSha256: input.bidFileSha256, price: input.price, salt };
  return { commitment: bidCommitment(reveal), reveal };
}
