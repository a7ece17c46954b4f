import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ROLES, type Role } from '@tender-ledger/client-sdk';
import { Problem } from './problem.js';

/** Who is calling, from a verified bearer token. */
export interface Caller {
  role: Role;
  sub: string;
  issuer: string;
}

export interface TrustedIssuer {
  issuer: string;
  keys: JWTVerifyGetKey;
}

export async function trustedIssuer(config: { issuer: string; jwksUri?: string; jwksFile?: string }): Promise<TrustedIssuer> {
  if (config.jwksUri) {
    return { issuer: config.issuer, keys: createRemoteJWKSet(new URL(config.jwksUri)) };
  }
  const jwks = JSON.parse(await readFile(config.jwksFile as string, 'utf8')) as Parameters<typeof createLocalJWKSet>[0];
  return { issuer: config.issuer, keys: createLocalJWKSet(jwks) };
}

const CACHE_LIMIT = 10_000;

/**
 * Verifies bearer JWTs against the configured issuers: algorithm pinned, issuer, audience,
 * expiry and subject required, role one of platform | regulator | bidder. A verified token is
 * remembered until it expires, so a busy platform pays for one signature check, not one per call.
 */
export class Authenticator {
  readonly #issuers: Map<string, JWTVerifyGetKey>;
  readonly #audience: string;
  readonly #algorithms: string[];
  readonly #cache = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(issuers: TrustedIssuer[], options: { audience: string; algorithms: string[] }) {
    this.#issuers = new Map(issuers.map((i) => [i.issuer, i.keys]));
    this.#audience = options.audience;
    this.#algorithms = options.algorithms;
  }

  /** The caller of a request, or a 401 problem. */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const token = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw unauthenticated('a Bearer token is required');
    const cached = this.#cache.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.caller;

    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw unauthenticated('the token is not a JWT');
    }
    const keys = issuer === undefined ? undefined : this.#issuers.get(issuer);
    if (!keys || issuer === undefined) throw unauthenticated('the token\'s issuer is not trusted');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer,
        audience: this.#audience,
        algorithms: this.#algorithms,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw unauthenticated(describe(error));
    }
    const role = payload.role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw unauthenticated(`the token's role must be one of ${ROLES.join(', ')}`);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 128) {
      throw unauthenticated('the token\'s subject must be 1-128 characters');
    }
    const caller: Caller = { role: role as Role, sub: payload.sub, issuer };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(token, { caller, expiresAt: (payload.exp as number) * 1000 });
    return caller;
  }
}

function unauthenticated(detail: string): Problem {
  return new Problem('UNAUTHENTICATED', detail, { headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"` } });
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token\'s algorithm is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token\'s signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  return 'the token is not valid';
}
