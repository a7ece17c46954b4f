import { randomBytes } from 'node:crypto';
import { bidCommitment, schemaErrors, SealedBid, type Reveal } from '@tender-ledger/domain';
import { InvalidBidError } from './errors.js';

/**
 * What {@link commitBid} seals.
 *
 * @example
 * const input: CommitBidInput = { projectId: 'GZ-2026-0042', bidderId: 'B1', bidFileSha256: await sha256File('bid.pdf'), price: 98_500_000 };
 */
export interface CommitBidInput {
  projectId: string;
  bidderId: string;
  /** SHA-256 of the bid file (see {@link sha256File}), 64 lower-case hex characters. */
  bidFileSha256: string;
  /** Integer fen. */
  price: number;
  /** Supply only to recompute an existing commitment (at least 128 bits, lower-case hex); by default a fresh 256-bit salt is drawn. */
  salt?: string;
}

/**
 * A sealed bid: the commitment to send now, the reveal to keep until the opening.
 *
 * @example
 * const { commitment, reveal }: CommittedBid = commitBid(input);
 */
export interface CommittedBid {
  /** Send this to the ledger. */
  commitment: string;
  /** Keep this secret with the bid until opening, then send it as it is in `openBids`' `reveals`. */
  reveal: Reveal;
}

/**
 * Seals a bid on the bidder's side, exactly as the chaincode checks it at opening. Only the
 * commitment leaves the caller; price, bid file and salt stay with the bidder. The input is
 * checked against the domain's `SealedBid` schema first (salt of at least 128 bits in
 * lower-case hex, hashes of 64 lower-case hex characters, integer fen): a bid sealed with a
 * bad field could never be opened.
 *
 * @throws {InvalidBidError} naming every bad field.
 * @example
 * const { commitment, reveal } = commitBid({ projectId, bidderId, bidFileSha256, price: 98_500_000 });
 * await client.submitBid(projectId, { bidderId, commitment });
 * // keep `reveal` safe; at the opening: await client.openBids(projectId, { reveals: [reveal, ...] })
 */
export function commitBid(input: CommitBidInput): CommittedBid {
  const sealed = {
    projectId: input.projectId,
    bidderId: input.bidderId,
    bidFileSha256: input.bidFileSha256,
    price: input.price,
    salt: input.salt ?? randomBytes(32).toString('hex'),
  };
  const errors = schemaErrors(SealedBid, sealed);
  if (errors.length > 0) throw new InvalidBidError(errors);
  const { projectId: _inThePath, ...reveal } = sealed;
  return { commitment: bidCommitment(sealed), reveal };
}
