import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { JwksFileSchema, ROLES, parseChecked, type Role } from '@tender-ledger/domain';
import type { IssuerConfig } from './config.js';
import { Problem } from './problem.js';

/** Who is calling, from a verified bearer token. */
export interface Caller {
  role: Role;
  sub: string;
  issuer: string;
}

/**
 * The one key of a caller's ledger identity: issuer and subject together, so one trusted
 * issuer can never act as another issuer's platform. Both backends (the embedded client id,
 * Fabric's FABRIC_PLATFORM_IDENTITIES), the idempotency store and the rate limiter use it.
 * Configured issuers may not contain "::", so the key splits one way only.
 *
 * @example callerKey({ issuer: 'https://id.gz.example', sub: 'gz-etrading' }) // 'https://id.gz.example::gz-etrading'
 */
export function callerKey(caller: Pick<Caller, 'issuer' | 'sub'>): string {
  return `${caller.issuer}::${caller.sub}`;
}

/** An issuer the gateway trusts: its keys, and which roles (for which subjects) it may grant. */
export interface TrustedIssuer {
  issuer: string;
  keys: JWTVerifyGetKey;
  roles: readonly Role[];
  subjects?: readonly string[];
  subjectPattern?: string;
}

export async function trustedIssuer(config: IssuerConfig): Promise<TrustedIssuer> {
  const grants = {
    roles: config.roles,
    ...(config.subjects ? { subjects: config.subjects } : {}),
    ...(config.subjectPattern !== undefined ? { subjectPattern: config.subjectPattern } : {}),
  };
  if (config.jwksUri) {
    return { issuer: config.issuer, keys: createRemoteJWKSet(new URL(config.jwksUri)), ...grants };
  }
  const jwks: Parameters<typeof createLocalJWKSet>[0] = parseChecked(
    JwksFileSchema,
    await readFile(config.jwksFile as string, 'utf8'),
    config.jwksFile as string,
  );
  return { issuer: config.issuer, keys: createLocalJWKSet(jwks), ...grants };
}

interface Issuer {
  keys: JWTVerifyGetKey;
  /** Why this issuer may not grant `role` to `sub`, or undefined when it may. */
  refuses(role: Role, sub: string): string | undefined;
}

function compile(trusted: TrustedIssuer): Issuer {
  const pattern = trusted.subjectPattern === undefined ? undefined : new RegExp(`^(?:${trusted.subjectPattern})$`, 'u');
  const subjects = trusted.subjects ? new Set(trusted.subjects) : undefined;
  return {
    keys: trusted.keys,
    refuses(role, sub) {
      if (!trusted.roles.includes(role)) return `issuer ${trusted.issuer} may not grant the ${role} role`;
      if (subjects && !subjects.has(sub)) return `issuer ${trusted.issuer} may not vouch for subject ${sub}`;
      if (pattern && !pattern.test(sub)) return `issuer ${trusted.issuer} may not vouch for subject ${sub}`;
      return undefined;
    },
  };
}

export interface AuthenticatorOptions {
  audience: string;
  algorithms: string[];
  /** Seconds of clock difference allowed on exp, nbf and iat (default 30). */
  clockToleranceSeconds?: number;
  /** The longest lifetime accepted, exp − iat, or exp − now without iat (default 24 h). */
  maxTokenLifetimeSeconds?: number;
}

const CACHE_LIMIT = 10_000;

/**
 * Verifies bearer JWTs against the configured issuers: algorithm pinned, issuer, audience,
 * expiry and subject required, role one of platform | regulator | bidder and one the issuer may
 * grant, a sane lifetime. A verified token is remembered until it expires, so a busy platform
 * pays for one signature check, not one per call.
 */
export class Authenticator {
  readonly #issuers: Map<string, Issuer>;
  readonly #audience: string;
  readonly #algorithms: string[];
  readonly #tolerance: number;
  readonly #maxLifetime: number;
  readonly #cache = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(issuers: TrustedIssuer[], options: AuthenticatorOptions) {
    this.#issuers = new Map(issuers.map((i) => [i.issuer, compile(i)]));
    this.#audience = options.audience;
    this.#algorithms = options.algorithms;
    this.#tolerance = options.clockToleranceSeconds ?? 30;
    this.#maxLifetime = options.maxTokenLifetimeSeconds ?? 86_400;
  }

  /** The caller of a request, or a 401 problem (403 ISSUER_NOT_AUTHORISED for a role its issuer may not grant). */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    // RFC 7235: the auth-scheme is case-insensitive, followed by one or more spaces.
    const token = /^bearer +([A-Za-z0-9_\-.]+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw unauthenticated('a Bearer token is required');
    const cached = this.#cache.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.caller;

    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw unauthenticated('the token is not a JWT');
    }
    const trusted = issuer === undefined ? undefined : this.#issuers.get(issuer);
    if (!trusted || issuer === undefined) throw unauthenticated("the token's issuer is not trusted");
    let payload;
    try {
      ({ payload } = await jwtVerify(token, trusted.keys, {
        issuer,
        audience: this.#audience,
        algorithms: this.#algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.#tolerance,
      }));
    } catch (error) {
      throw unauthenticated(describe(error));
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp as number;
    // A token stamped in the future, or living for years, is a stolen key's best friend.
    if (payload.iat !== undefined && payload.iat > now + this.#tolerance) {
      throw unauthenticated("the token's iat claim is in the future");
    }
    if (exp - (payload.iat ?? now) > this.#maxLifetime) {
      throw unauthenticated(`the token's lifetime exceeds ${this.#maxLifetime} seconds`);
    }
    const role = payload.role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw unauthenticated(`the token's role must be one of ${ROLES.join(', ')}`);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 128) {
      throw unauthenticated("the token's subject must be 1-128 characters");
    }
    const refused = trusted.refuses(role as Role, payload.sub);
    if (refused) throw new Problem('ISSUER_NOT_AUTHORISED', refused);
    const caller: Caller = { role: role as Role, sub: payload.sub, issuer };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(token, { caller, expiresAt: exp * 1000 });
    return caller;
  }
}

function unauthenticated(detail: string): Problem {
  return new Problem('UNAUTHENTICATED', detail, {
    headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"` },
  });
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not allowed";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  return 'the token is not valid';
}
