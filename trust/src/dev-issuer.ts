import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JSONWebKeySet } from 'jose';
import { DEFAULT_AUDIENCE, DEV_ISSUER, Es256PrivateJwkSchema, parseChecked, type Role } from '@tender-ledger/domain';

const keyFile = (dataDir: string) => path.join(dataDir, 'keys', 'dev-issuer.private.jwk.json');

/**
 * The development issuer's private key, created on first use in `${dataDir}/keys` (mode 0600).
 * Two processes racing to create it end up with the same key.
 *
 * @example const jwk = await loadOrCreateDevIssuerKey('data');
 */
export async function loadOrCreateDevIssuerKey(dataDir: string): Promise<JWK> {
  const file = keyFile(dataDir);
  try {
    return parseChecked(Es256PrivateJwkSchema, await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const stored: JWK = { ...jwk, kid, alg: 'ES256', use: 'sig' };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, JSON.stringify(stored), { flag: 'wx', mode: 0o600 });
    return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseChecked(Es256PrivateJwkSchema, await readFile(file, 'utf8'), file);
  }
}

/**
 * The public half, as a JWKS the gateway trusts for {@link DEV_ISSUER}.
 *
 * @example const jwks = await devIssuerJwks('data');
 */
export async function devIssuerJwks(dataDir: string): Promise<JSONWebKeySet> {
  const { d: _private, ...publicJwk } = await loadOrCreateDevIssuerKey(dataDir);
  return { keys: [publicJwk] };
}

/**
 * What {@link mintDevToken} puts in a token.
 *
 * @example const options: DevTokenOptions = { role: 'bidder', sub: 'B1', ttlSeconds: 600 };
 */
export interface DevTokenOptions {
  role: Role;
  sub: string;
  /** Lifetime in seconds (default one hour). */
  ttlSeconds?: number;
  audience?: string;
}

/**
 * Mints a token the embedded-default gateway accepts. For development and tests only: in
 * production tokens come from the configured issuers.
 *
 * @example const token = await mintDevToken('data', { role: 'platform', sub: 'gz-etrading' });
 */
export async function mintDevToken(dataDir: string, options: DevTokenOptions): Promise<string> {
  const jwk = await loadOrCreateDevIssuerKey(dataDir);
  const key = await importJWK(jwk, 'ES256');
  return new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(options.audience ?? DEFAULT_AUDIENCE)
    .setSubject(options.sub)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`)
    .sign(key);
}
