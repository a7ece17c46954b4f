import { sign as nodeSign, type KeyObject } from 'node:crypto';
import { hash, type Signer } from '@hyperledger/fabric-gateway';
import { derInteger, derSequence } from './der.js';

/** The order n of P-256's base point (SEC 2, secp256r1). */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = P256_ORDER >> 1n;

/**
 * A Fabric signer on OpenSSL: fabric-gateway's own (`signers.newPrivateKeySigner`) signs in pure
 * JavaScript, about 9 times slower, and a bid takes four signatures. Node cannot sign a digest
 * that is already hashed, so this signer is given the whole message ({@link NATIVE_SIGNER_HASH}
 * as the connection's `hash`) and hashes it with SHA-256 itself, as Fabric expects.
 *
 * @example
 * connect({ client, identity, signer: newNativeSigner(createPrivateKey(pem)), hash: NATIVE_SIGNER_HASH });
 */
export function newNativeSigner(key: KeyObject): Signer {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the native Fabric signer takes a P-256 private key');
  }
  return (message) => {
    const rs = nodeSign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
    return Promise.resolve(lowSDer(rs));
  };
}

/** The `hash` a {@link newNativeSigner} needs on the connection: the message unchanged. */
export const NATIVE_SIGNER_HASH = hash.none;

/**
 * An ECDSA P-256 signature r‖s (IEEE P1363, 64 bytes) as Fabric takes it: DER, with s in the
 * lower half of the order. (r, s) and (r, n − s) both verify, so Fabric accepts only the low one,
 * and a peer refuses the other as malleable.
 */
export function lowSDer(rs: Uint8Array): Uint8Array {
  if (rs.length !== 64) throw new Error(`an ECDSA P-256 signature is 64 bytes r‖s, not ${rs.length}`);
  const r = BigInt(`0x${Buffer.from(rs.subarray(0, 32)).toString('hex')}`);
  let s = BigInt(`0x${Buffer.from(rs.subarray(32)).toString('hex')}`);
  if (s > HALF_ORDER) s = P256_ORDER - s;
  return derSequence([derInteger(r), derInteger(s)]);
}
