import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { Role } from '@tender-ledger/client-sdk';

/** A token issuer of the tests' own, configured through AUTH_ISSUERS like a production one. */
export interface TestIssuer {
  issuer: string;
  jwksFile: string;
  /** An AUTH_ISSUERS entry for it; `grants` narrows what it may grant (default every role). */
  config(grants?: { roles?: Role[]; subjects?: string[]; subjectPattern?: string }): Record<string, unknown>;
  /** A token with the usual claims (aud tender-ledger, iat now, exp now + ttl). */
  mint: (role: Role, sub: string, ttlSeconds?: number) => Promise<string>;
  /** A token with the claims `setup` sets, signed with this issuer's key (or `key`). */
  sign: (claims: Record<string, unknown>, setup: (jwt: SignJWT) => SignJWT, key?: CryptoKey) => Promise<string>;
}

export async function createTestIssuer(dir: string, issuer: string): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const jwksFile = path.join(dir, `issuer-${kid}.jwks.json`);
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] }));
  const sign: TestIssuer['sign'] = (claims, setup, key) =>
    setup(new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })).sign(key ?? privateKey);
  return {
    issuer,
    jwksFile,
    config: (grants = {}) => ({ issuer, jwksFile, roles: grants.roles ?? ['platform', 'regulator', 'bidder'], ...grants }),
    mint: (role, sub, ttlSeconds = 3600) =>
      sign({ role }, (j) =>
        j.setIssuer(issuer).setAudience('tender-ledger').setSubject(sub).setIssuedAt().setExpirationTime(`${ttlSeconds}s`),
      ),
    sign,
  };
}
