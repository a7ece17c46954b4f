import { expect } from 'chai';
import { SignJWT, generateKeyPair, type CryptoKey } from 'jose';
import { randomBytes } from 'node:crypto';
import { startTestGateway } from '../helpers/gateway.js';
import { doc } from '../helpers/tender.js';
import { onEachBackend } from '../helpers/http-suite.js';

onEachBackend((s) => {
  describe('bearer tokens on /v1 (GET /v1/projects/:projectId)', () => {
    async function status(token: string): Promise<{ status: number; code: string }> {
      const res = await fetch(`${s.t.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    }
    const signed = (claims: Record<string, unknown>, setup: (jwt: SignJWT) => SignJWT, key?: CryptoKey) => s.t.sign(claims, setup, key);

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
      const token = await signed({ role: 'platform' }, (j) =>
        j.setIssuer(s.t.issuer).setAudience('tender-ledger').setSubject('p1').setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_600),
      );
      expect(await status(token)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('refuses a token for another audience, from an unknown issuer, without a role or signed by another key', async () => {
      const good = (j: SignJWT) =>
        j.setIssuer(s.t.issuer).setAudience('tender-ledger').setSubject('p1').setIssuedAt().setExpirationTime('5m');
      expect(await status(await signed({ role: 'platform' }, (j) => good(j).setAudience('another-service')))).to.deep.equal({
        status: 401,
        code: 'UNAUTHENTICATED',
      });
      expect(await status(await signed({ role: 'platform' }, (j) => good(j).setIssuer('https://evil.example')))).to.deep.equal({
        status: 401,
        code: 'UNAUTHENTICATED',
      });
      expect(await status(await signed({ role: 'superuser' }, good))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      const { privateKey } = await generateKeyPair('ES256');
      expect(await status(await signed({ role: 'platform' }, good, privateKey))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('accepts the Bearer scheme in any case (RFC 7235), with one or more spaces', async () => {
      const token = await s.t.token('platform', 'gz-etrading');
      for (const scheme of ['bearer ', 'BEARER ', 'BeArEr  ']) {
        const res = await fetch(`${s.t.url}/v1/projects/NONE`, { headers: { authorization: `${scheme}${token}` } });
        expect({ scheme, status: res.status }).to.deep.equal({ scheme, status: 404 });
      }
      const res = await fetch(`${s.t.url}/v1/projects/NONE`, { headers: { authorization: `Basic ${token}` } });
      expect(res.status).to.equal(401);
    });

    describe('lifetimes', () => {
      const now = () => Math.floor(Date.now() / 1000);
      // A platform the Fabric suite maps to a Fabric user, so an accepted token reaches the ledger on either backend.
      const claims = (j: SignJWT) => j.setIssuer(s.t.issuer).setAudience('tender-ledger').setSubject('gz-etrading');

      it('refuses an iat in the future beyond the clock tolerance (iat in 2100), accepts one within it', async () => {
        const in2100 = Math.floor(Date.UTC(2100, 0, 1) / 1000);
        expect(
          await status(
            await signed({ role: 'platform' }, (j) =>
              claims(j)
                .setIssuedAt(in2100)
                .setExpirationTime(in2100 + 600),
            ),
          ),
        ).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(
          await status(
            await signed({ role: 'platform' }, (j) =>
              claims(j)
                .setIssuedAt(now() + 120)
                .setExpirationTime(now() + 600),
            ),
          ),
        ).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(
          await status(
            await signed({ role: 'platform' }, (j) =>
              claims(j)
                .setIssuedAt(now() + 10)
                .setExpirationTime(now() + 600),
            ),
          ),
        ).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
      });

      it('refuses a lifetime (exp - iat) longer than 24 h by default (exp in 9999), accepts 24 h', async () => {
        const year9999 = Math.floor(Date.UTC(9999, 0, 1) / 1000);
        expect(
          await status(await signed({ role: 'platform' }, (j) => claims(j).setIssuedAt(now()).setExpirationTime(year9999))),
        ).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(
          await status(
            await signed({ role: 'platform' }, (j) =>
              claims(j)
                .setIssuedAt(now())
                .setExpirationTime(now() + 86_401),
            ),
          ),
        ).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(
          await status(
            await signed({ role: 'platform' }, (j) =>
              claims(j)
                .setIssuedAt(now())
                .setExpirationTime(now() + 86_400),
            ),
          ),
        ).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
      });

      it('without iat, refuses an exp more than the maximum lifetime from now', async () => {
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setExpirationTime(now() + 90_000)))).to.deep.equal({
          status: 401,
          code: 'UNAUTHENTICATED',
        });
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setExpirationTime(now() + 3_600)))).to.deep.equal({
          status: 404,
          code: 'PROJECT_NOT_FOUND',
        });
      });

      it('takes the maximum from AUTH_MAX_TOKEN_LIFETIME_SECONDS', async () => {
        const short = await startTestGateway({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '600' }, s.backend);
        try {
          const at = async (token: string) =>
            (await fetch(`${short.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${token}` } })).status;
          expect(await at(await short.token('platform', 'gz-etrading', 601))).to.equal(401);
          expect(await at(await short.token('platform', 'gz-etrading', 600))).to.equal(404);
        } finally {
          await short.close();
        }
      });
    });

    it('refuses alg: none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(
        JSON.stringify({ iss: s.t.issuer, aud: 'tender-ledger', sub: 'p1', role: 'regulator', iat: now, exp: now + 600 }),
      ).toString('base64url');
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

    describe('with many made-up bearer strings from one address', () => {
      it('limits them: made-up tokens do not each get a fresh count', async () => {
        const limited = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '5' }, s.backend);
        try {
          const statuses: number[] = [];
          for (let i = 0; i < 8; i++) {
            const made = `${Buffer.from(randomBytes(12)).toString('base64url')}.${Buffer.from(randomBytes(24)).toString('base64url')}.${Buffer.from(randomBytes(32)).toString('base64url')}`;
            statuses.push((await fetch(`${limited.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${made}` } })).status);
          }
          expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429, 429, 429]);
        } finally {
          await limited.close();
        }
      });
    });

    describe('for a verified caller', () => {
      it('limits it by (issuer, sub), whichever of its tokens it sends, and not by the address it shares', async () => {
        const limited = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '5' }, s.backend);
        try {
          const get = async (token: string) =>
            (await fetch(`${limited.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${token}` } })).status;
          const statuses: number[] = [];
          // A fresh token per request (lifetimes differ, so the tokens do).
          for (let i = 0; i < 7; i++) statuses.push(await get(await limited.token('platform', 'gz-etrading', 600 + i)));
          expect(statuses).to.deep.equal([404, 404, 404, 404, 404, 429, 429]);
          // Another platform from the same address still has its own allowance.
          expect(await get(await limited.token('platform', 'zunyi-etrading'))).to.equal(404);
        } finally {
          await limited.close();
        }
      });
    });
  });
});
