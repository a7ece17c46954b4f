import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import { signers } from '@hyperledger/fabric-gateway';
import { lowSDer, NATIVE_SIGNER_HASH, newNativeSigner } from '@tender-ledger/gateway';

interface NobleSignature {
  r: bigint;
  s: bigint;
  toDERRawBytes(): Uint8Array;
}
interface NobleP256 {
  CURVE: { n: bigint };
  Signature: { new (r: bigint, s: bigint): NobleSignature; fromDER(der: Uint8Array): NobleSignature };
  verify(signature: NobleSignature, digest: Uint8Array, publicKey: Uint8Array, options: { lowS: boolean }): boolean;
}
// The curve code fabric-gateway signs with itself, as it resolves it: the reference verifier here.
const { p256 } = createRequire(require.resolve('@hyperledger/fabric-gateway'))('@noble/curves/nist') as { p256: NobleP256 };
const N = p256.CURVE.n;

function publicKeyBytes(key: KeyObject): Uint8Array {
  const { x, y } = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(x as string, 'base64url'), Buffer.from(y as string, 'base64url')]);
}

const p1363 = (r: bigint, s: bigint) => Buffer.from(r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0'), 'hex');
const sha256 = (message: Uint8Array) => createHash('sha256').update(message).digest();

describe("newNativeSigner (the Fabric backend's signer)", () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sign = newNativeSigner(privateKey);

  it('is given the whole message: the connection hashes nothing', () => {
    const message = randomBytes(100);
    expect(Buffer.from(NATIVE_SIGNER_HASH(message))).to.deep.equal(message);
  });

  describe('for many messages', () => {
    const messages = Array.from({ length: 64 }, (_, i) => randomBytes(50 + i));

    it("signs SHA-256 of the message, in DER, as the library's verifier takes it only with a low s", async () => {
      for (const message of messages) {
        const signature = p256.Signature.fromDER(await sign(message));
        expect(signature.s <= N / 2n, 'low s').to.equal(true);
        expect(p256.verify(signature, sha256(message), publicKeyBytes(publicKey), { lowS: true })).to.equal(true);
      }
    });

    it("signs what fabric-gateway's own signer signs: both verify under the same key", async () => {
      const theirs = signers.newPrivateKeySigner(privateKey);
      const message = messages[0] as Uint8Array;
      const ours = p256.Signature.fromDER(await sign(message));
      const library = p256.Signature.fromDER(await theirs(sha256(message)));
      for (const signature of [ours, library]) {
        expect(p256.verify(signature, sha256(message), publicKeyBytes(publicKey), { lowS: true })).to.equal(true);
      }
    });
  });

  it('refuses a key that is not P-256', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    const ed = generateKeyPairSync('ed25519').privateKey;
    expect(() => newNativeSigner(p384)).to.throw(/P-256/);
    expect(() => newNativeSigner(ed)).to.throw(/P-256/);
    expect(() => newNativeSigner(createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })))).not.to.throw();
  });
});

describe('lowSDer', () => {
  describe('when s is in the upper half of the order', () => {
    it("encodes n − s instead, which the library's low-s verifier accepts", async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const digest = sha256(Buffer.from('high s'));
      // A real signature (the library's, low s), turned high: the low-s rule refuses it.
      const real = p256.Signature.fromDER(await signers.newPrivateKeySigner(privateKey)(digest));
      const high = new p256.Signature(real.r, N - real.s);
      expect(high.s > N / 2n).to.equal(true);
      expect(p256.verify(high, digest, publicKeyBytes(publicKey), { lowS: true })).to.equal(false);
      const fixed = p256.Signature.fromDER(lowSDer(p1363(high.r, high.s)));
      expect(fixed.r).to.equal(real.r);
      expect(fixed.s).to.equal(real.s);
      expect(p256.verify(fixed, digest, publicKeyBytes(publicKey), { lowS: true })).to.equal(true);
    });

    it('turns s = (n + 1) / 2 into (n − 1) / 2 and keeps s = (n − 1) / 2', () => {
      expect(p256.Signature.fromDER(lowSDer(p1363(7n, (N + 1n) / 2n))).s).to.equal((N - 1n) / 2n);
      expect(p256.Signature.fromDER(lowSDer(p1363(7n, (N - 1n) / 2n))).s).to.equal((N - 1n) / 2n);
    });
  });

  describe('the DER encoding', () => {
    const cases: [string, bigint, bigint][] = [
      ['r and s with their top bit set get a leading zero byte', 0x80n << 248n, N / 2n],
      ['leading zero bytes are dropped', 0xffn, 0x1234n],
      ['r of one byte, s of 32', 1n, (N / 2n) >> 1n],
    ];
    for (const [title, r, s] of cases) {
      it(`is the library's: ${title}`, () => {
        expect(Buffer.from(lowSDer(p1363(r, s))).toString('hex')).to.equal(
          Buffer.from(new p256.Signature(r, s).toDERRawBytes()).toString('hex'),
        );
      });
    }
  });

  it('refuses anything but 64 bytes', () => {
    expect(() => lowSDer(new Uint8Array(63))).to.throw(/64 bytes/);
    expect(() => lowSDer(new Uint8Array(72))).to.throw(/64 bytes/);
  });
});
