import { ed25519 } from '@noble/curves/ed25519';

/**
 * Ed25519 verification, injected so the same verify path runs anywhere: the default is the
 * audited pure-JS @noble/curves (browser and Node alike); Node callers pass the much faster
 * `nodeEd25519` from `@tender-ledger/tlog/node`.
 */
export interface Ed25519 {
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** Pure-JS Ed25519 with RFC 8032 rules (not the laxer ZIP-215 ones), the same as OpenSSL's. */
export const pureEd25519: Ed25519 = {
  verify(publicKey, message, signature) {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

/** Something that signs with an Ed25519 private key; the key never leaves it. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}
