import { canonicalHash } from './canonical.js';
import type { SealedBid } from './schemas.js';

/**
 * The bid commitment: `sha256(JCS({bidFileSha256, bidderId, price, projectId, salt}))`, lowercase hex.
 * The salt keeps a price from being guessed by hashing candidate prices.
 *
 * @example bidCommitment({ projectId: 'P1', bidderId: 'B1', bidFileSha256: 'ab…', price: 1200000, salt: '00…' })
 */
export function bidCommitment(bid: SealedBid): string {
  const { bidFileSha256, bidderId, price, projectId, salt } = bid;
  return canonicalHash({ bidFileSha256, bidderId, price, projectId, salt });
}
