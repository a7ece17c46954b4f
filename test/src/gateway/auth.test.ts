import { expect } from 'chai';
import { SignJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEV_ISSUER } from '@tender-ledger/client-sdk';
import { startTestGateway } from '../helpers/gateway.js';
import { doc } from '../helpers/tender.js';
import { onEachBackend } from '../helpers/http-tender.js';

onEachBackend((s) => {
  describe('bearer tokens on /v1 (GET /v1/projects/:projectId)', () => {
    async function status(token: string): Promise<{ status: number; code: string }> {
      const res = await fetch(`${s.t.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    }
    const devKey = async (): Promise<JWK> => JSON.parse(await readFile(path.join(s.t.dataDir, 'keys', 'dev-issuer.private.jwk.json'), 'utf8')) as JWK;
    const signed = async (claims: Record<string, unknown>, setup: (jwt: SignJWT) => SignJWT, key?: CryptoKey | Uint8Array) => {
      const jwk = await devKey();
      return setup(new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: jwk.kid as string })).sign(key ?? await importJWK(jwk, 'ES256') as CryptoKey);
    };

    it('accepts a good token (the project then is simply not found)', async () => {
      expect(await status(await s.t.token('platform', 'gz-etrading'))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
    });

    it('refuses a tampered token', async () => {
      const token = await s.t.token('platform', 'gz-etrading');
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, role: 'regulator' })).toString('base64url');
      expect(await status(`${header}.${forged}.${signature}`)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
      expect(await status(`${header}.${payload}.${flipped}`)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('refuses an expired token', async () => {
      const token = await signed({ role: 'platform' }, (j) => j.setIssuer(DEV_ISSUER).setAudience('tender-ledger').setSubject('p1').setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_600));
      expect(await status(token)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('refuses a token for another audience, from an unknown issuer, without a role or signed by another key', async () => {
      const good = (j: SignJWT) => j.setIssuer(DEV_ISSUER).setAudience('tender-ledger').setSubject('p1').setIssuedAt().setExpirationTime('5m');
      expect(await status(await signed({ role: 'platform' }, (j) => good(j).setAudience('another-service')))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await status(await signed({ role: 'platform' }, (j) => good(j).setIssuer('https://evil.example')))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await status(await signed({ role: 'superuser' }, good))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      const { privateKey } = await generateKeyPair('ES256');
      expect(await status(await signed({ role: 'platform' }, good, privateKey))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('refuses alg: none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ iss: DEV_ISSUER, aud: 'tender-ledger', sub: 'p1', role: 'regulator', iat: now, exp: now + 600 })).toString('base64url');
      expect(await status(`${header}.${payload}.`)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });
  });

  describe('the rate limit on /v1 (GET /v1/verify/:sha256)', () => {
    describe('past the limit', () => {
      it('answers 429 RATE_LIMITED with Retry-After', async () => {
        const limited = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '5' }, s.backend);
        try {
          const statuses: number[] = [];
          for (let i = 0; i < 7; i++) statuses.push((await fetch(`${limited.url}/v1/verify/${doc('x')}`)).status);
          expect(statuses.slice(0, 5)).to.deep.equal([200, 200, 200, 200, 200]);
          const res = await fetch(`${limited.url}/v1/verify/${doc('x')}`);
          expect(res.status).to.equal(429);
          expect(res.headers.get('retry-after')).to.equal('60');
          expect(((await res.json()) as { code: string }).code).to.equal('RATE_LIMITED');
        } finally {
          await limited.close();
        }
      });
    });
  });
});
