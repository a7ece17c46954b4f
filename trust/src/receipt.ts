import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { RECEIPT_TYPE, ReceiptClaims, schemaErrors } from '@tender-ledger/domain';
import { ReceiptVerificationError } from './errors.js';

// Importing keys is the costly part of a verification: do it once per key set.
const keySets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();
function keySetOf(jwks: JSONWebKeySet): ReturnType<typeof createLocalJWKSet> {
  let keySet = keySets.get(jwks);
  if (!keySet) {
    keySet = createLocalJWKSet(jwks);
    keySets.set(jwks, keySet);
  }
  return keySet;
}

/**
 * A receipt whose signature holds: its claims and the key that signed it.
 *
 * @example
 * const { claims, kid }: VerifiedReceipt = await verifyReceipt(receipt, jwks);
 */
export interface VerifiedReceipt {
  /** What the gateway signed: record id and hash, project, step, tx id, block, ledger time. */
  claims: ReceiptClaims;
  /** The key that signed it. */
  kid: string;
}

/**
 * Verifies a receipt fully offline against the gateway's published keys (its JWKS): the
 * signature, the algorithm (ES256 only), the type, and the claims' form. Throws
 * {@link ReceiptVerificationError} with a code saying what failed.
 *
 * @example
 * const jwks = await client.jwks(); // fetch once, keep it
 * const { claims } = await verifyReceipt(receipt, jwks);
 */
export async function verifyReceipt(receipt: string, jwks: JSONWebKeySet): Promise<VerifiedReceipt> {
  if (typeof receipt !== 'string' || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(receipt.trim())) {
    throw new ReceiptVerificationError('RECEIPT_MALFORMED', 'a receipt is a compact JWS: three base64url parts');
  }
  const compact = receipt.trim();
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(compact);
  } catch (cause) {
    throw new ReceiptVerificationError('RECEIPT_MALFORMED', 'the receipt header is not readable', { cause });
  }
  if (header.typ !== RECEIPT_TYPE || header.alg !== 'ES256' || typeof header.kid !== 'string') {
    throw new ReceiptVerificationError(
      'RECEIPT_MALFORMED',
      `not an evidence receipt (typ ${String(header.typ)}, alg ${String(header.alg)})`,
    );
  }
  if (!jwks.keys.some((key) => key.kid === header.kid)) {
    throw new ReceiptVerificationError('RECEIPT_UNKNOWN_KEY', `no published key has kid ${header.kid}`);
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(compact, keySetOf(jwks), { algorithms: ['ES256'] }));
  } catch (cause) {
    throw new ReceiptVerificationError('RECEIPT_BAD_SIGNATURE', 'the signature does not verify', { cause });
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch (cause) {
    throw new ReceiptVerificationError('RECEIPT_BAD_CLAIMS', 'the signed payload is not JSON', { cause });
  }
  const errors = schemaErrors(ReceiptClaims, claims);
  if (errors.length > 0) {
    throw new ReceiptVerificationError('RECEIPT_BAD_CLAIMS', `claims: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  }
  return { claims: claims as ReceiptClaims, kid: header.kid };
}
