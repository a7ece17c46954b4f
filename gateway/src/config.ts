import path from 'node:path';
import { ROLES, type Role } from '@tender-ledger/domain';
import { LOG_LEVELS, type LogLevel } from './logging.js';
import { addressList } from './metrics.js';
import { readTlogConfig, type TlogConfig } from './tlog/config.js';
import { partyDirectory, type PartyDirectory } from './party-directory.js';

export interface IssuerConfig {
  issuer: string;
  /** Where the issuer publishes its keys (https). */
  jwksUri?: string;
  /** Or a local JWKS file. */
  jwksFile?: string;
  /** The roles this issuer may grant: a token of another role from it is refused. */
  roles: Role[];
  /** Only these subjects (exact), when given. */
  subjects?: string[];
  /** Only subjects matching this regular expression (whole subject), when given. */
  subjectPattern?: string;
}

/** Everything the gateway reads from its environment, read once and frozen. */
export interface GatewayConfig {
  port: number;
  host: string;
  dataDir: string;
  ledgerBackend: 'embedded' | 'fabric';
  issuers: IssuerConfig[];
  /** Trust the development issuer whose key lives in DATA_DIR (the embedded default; never with Fabric). */
  devIssuer: boolean;
  audience: string;
  algorithms: string[];
  /** Seconds of clock difference allowed on a token's exp, nbf and iat. */
  clockToleranceSeconds: number;
  /** The longest token lifetime accepted: exp − iat (or exp − now without iat). */
  maxTokenLifetimeSeconds: number;
  receiptIssuer: string;
  bodyLimit: string;
  rateLimitPerMinute: number;
  /** How long a keyed write's answer is waited for before the gateway answers 202 (pending). */
  writeWaitMs: number;
  platformMspId: string;
  regulatorMspId: string;
  /** Who issues evidence certificates, and the names of the parties (see `partyDirectory`). */
  directory: PartyDirectory;
  /** Send closeBidding for this gateway's projects at their bid deadlines. */
  closeBiddingAtDeadline: boolean;
  /** The transparency log: origin, witnesses and their quorum, checkpoint interval. */
  tlog: TlogConfig;
  fabric?: FabricConfig;
  /** The JSON log's level (LOG_LEVEL). */
  logLevel: LogLevel;
  /** Who may read /metrics: the bearer token (METRICS_TOKEN) and/or addresses (METRICS_ALLOW); neither: anyone. */
  metrics: { token?: string; allow?: string[] };
}

/** How the gateway reaches a Fabric network (LEDGER_BACKEND=fabric). */
export interface FabricConfig {
  /** The connection file network/network.sh writes. */
  connectionFile: string;
  /** Platform identity key (see `callerKey`: `<issuer>::<sub>`) → Fabric user of the platform MSP. */
  platformIdentities: Record<string, string>;
  regulatorIdentity: string;
  publicIdentity: string;
  /** The bidder proxy: the Fabric user bidders' reads go through (see FabricBackendOptions.bidderIdentity). */
  bidderIdentity: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

const ISSUERS_SHAPE =
  'AUTH_ISSUERS must be a JSON array of {"issuer", "jwksUri" | "jwksFile", "roles": [...], "subjects"?: [...], "subjectPattern"?}';
function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be "true" or "false", not ${JSON.stringify(raw)}`);
  return raw === 'true';
}

function issuers(raw: string | undefined): IssuerConfig[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(ISSUERS_SHAPE);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(ISSUERS_SHAPE);
  const seen = new Set<string>();
  return parsed.map((entry: unknown, i): IssuerConfig => {
    const at = `AUTH_ISSUERS[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new ConfigError(ISSUERS_SHAPE);
    const e = entry as Record<string, unknown>;
    const unknownKeys = Object.keys(e).filter((k) => !['issuer', 'jwksUri', 'jwksFile', 'roles', 'subjects', 'subjectPattern'].includes(k));
    if (unknownKeys.length > 0) throw new ConfigError(`${at}: unknown ${unknownKeys.join(', ')}; ${ISSUERS_SHAPE}`);
    // "::" separates issuer from subject in a ledger identity key: an issuer containing it could pose as another.
    if (typeof e.issuer !== 'string' || e.issuer.length === 0 || e.issuer.includes('::'))
      throw new ConfigError(`${at}.issuer must be a non-empty string without "::"`);
    if (seen.has(e.issuer)) throw new ConfigError(`${at}.issuer ${e.issuer} is configured twice`);
    seen.add(e.issuer);
    if (typeof e.jwksUri !== 'string' && typeof e.jwksFile !== 'string') throw new ConfigError(`${at} needs jwksUri or jwksFile`);
    if (typeof e.jwksUri === 'string' && !e.jwksUri.startsWith('https://')) throw new ConfigError(`${at}.jwksUri must be https`);
    if (!Array.isArray(e.roles) || e.roles.length === 0 || !e.roles.every((r) => (ROLES as readonly unknown[]).includes(r))) {
      throw new ConfigError(`${at}.roles must list the roles this issuer may grant, some of ${ROLES.join(', ')}`);
    }
    if (e.subjects !== undefined && (!Array.isArray(e.subjects) || !e.subjects.every((x) => typeof x === 'string' && x.length > 0))) {
      throw new ConfigError(`${at}.subjects must be an array of subjects`);
    }
    if (e.subjectPattern !== undefined) {
      if (typeof e.subjectPattern !== 'string') throw new ConfigError(`${at}.subjectPattern must be a regular expression`);
      try {
        new RegExp(e.subjectPattern, 'u');
      } catch {
        throw new ConfigError(`${at}.subjectPattern is not a valid regular expression`);
      }
    }
    return {
      issuer: e.issuer,
      ...(typeof e.jwksUri === 'string' ? { jwksUri: e.jwksUri } : { jwksFile: path.resolve(e.jwksFile as string) }),
      roles: [...new Set(e.roles as Role[])],
      ...(e.subjects !== undefined ? { subjects: e.subjects as string[] } : {}),
      ...(e.subjectPattern !== undefined ? { subjectPattern: e.subjectPattern } : {}),
    };
  });
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be "true" or "false", not ${JSON.stringify(raw)}`);
  return raw === 'true';
}

/**
 * FABRIC_PLATFORM_IDENTITIES: `{"<issuer>::<sub>": "<Fabric user>"}`. A key without "::" (the
 * older shape, a bare subject) is read as a subject of the one trusted issuer, and refused when
 * several are trusted: a bare subject would let any of them act as that platform.
 */
function platformIdentities(raw: string | undefined, trusted: string[]): Record<string, string> {
  const shape = 'FABRIC_PLATFORM_IDENTITIES must be a JSON object {"<issuer>::<platform token sub>": "<Fabric user>"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '{}');
  } catch {
    throw new ConfigError(shape);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new ConfigError(shape);
  }
  const mapped: Record<string, string> = {};
  for (const [key, user] of Object.entries(parsed as Record<string, string>)) {
    if (key.includes('::')) {
      const issuer = key.slice(0, key.indexOf('::'));
      if (!trusted.includes(issuer))
        throw new ConfigError(`FABRIC_PLATFORM_IDENTITIES: ${key} names issuer ${issuer}, which is not in AUTH_ISSUERS`);
      mapped[key] = user;
    } else if (trusted.length === 1) {
      mapped[`${trusted[0] as string}::${key}`] = user;
    } else {
      throw new ConfigError(
        `FABRIC_PLATFORM_IDENTITIES: "${key}" names no issuer; with ${trusted.length} trusted issuers write "<issuer>::${key}"`,
      );
    }
  }
  return mapped;
}

function logLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(raw)}`);
  return raw as LogLevel;
}

function metricsAccess(env: NodeJS.ProcessEnv): { token?: string; allow?: string[] } {
  const token = env.METRICS_TOKEN;
  // A short token is guessable by anyone who can reach the port.
  if (token !== undefined && token !== '' && !/^[\x21-\x7e]{16,}$/.test(token)) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 visible ASCII characters');
  }
  const allow = (env.METRICS_ALLOW ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  try {
    addressList(allow);
  } catch (error) {
    throw new ConfigError(`METRICS_ALLOW: ${(error as Error).message} (a comma-separated list like 127.0.0.1,10.0.0.0/8,::1)`);
  }
  return { ...(token ? { token } : {}), ...(allow.length > 0 ? { allow } : {}) };
}

/** Reads the configuration, failing fast on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  const ledgerBackend = env.LEDGER_BACKEND ?? 'embedded';
  if (ledgerBackend !== 'embedded' && ledgerBackend !== 'fabric') {
    throw new ConfigError(`LEDGER_BACKEND must be "embedded" or "fabric", not ${JSON.stringify(ledgerBackend)}`);
  }
  const configuredIssuers = issuers(env.AUTH_ISSUERS);
  // The development issuer's key lies in DATA_DIR: whoever reads it mints any role. It is the
  // zero-configuration default of the embedded ledger only, off once real issuers are configured.
  const devIssuer = flag(env, 'AUTH_DEV_ISSUER') ?? (ledgerBackend === 'embedded' && configuredIssuers.length === 0);
  let fabric: FabricConfig | undefined;
  if (ledgerBackend === 'fabric') {
    if (devIssuer) {
      throw new ConfigError(
        'AUTH_DEV_ISSUER=true with LEDGER_BACKEND=fabric: the development issuer is never trusted on a Fabric network; configure AUTH_ISSUERS',
      );
    }
    if (configuredIssuers.length === 0) {
      throw new ConfigError('LEDGER_BACKEND=fabric needs AUTH_ISSUERS: the development issuer is never trusted on a Fabric network');
    }
    fabric = {
      connectionFile: path.resolve(env.FABRIC_CONNECTION ?? 'network/.runtime/fabric-connection.json'),
      platformIdentities: platformIdentities(
        env.FABRIC_PLATFORM_IDENTITIES,
        configuredIssuers.map((i) => i.issuer),
      ),
      regulatorIdentity: env.FABRIC_REGULATOR_IDENTITY ?? 'User1',
      publicIdentity: env.FABRIC_PUBLIC_IDENTITY ?? 'User5',
      bidderIdentity: env.FABRIC_BIDDER_IDENTITY ?? env.FABRIC_PUBLIC_IDENTITY ?? 'User5',
    };
  }
  return Object.freeze({
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    dataDir: path.resolve(env.DATA_DIR ?? 'data'),
    ledgerBackend,
    issuers: configuredIssuers,
    devIssuer,
    audience: env.AUTH_AUDIENCE ?? 'tender-ledger',
    algorithms: (env.AUTH_ALGORITHMS ?? 'ES256')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    clockToleranceSeconds: integer(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 600),
    maxTokenLifetimeSeconds: integer(env, 'AUTH_MAX_TOKEN_LIFETIME_SECONDS', 86_400, 60, 31_536_000),
    receiptIssuer: env.RECEIPT_ISSUER ?? 'urn:tender-ledger:gateway',
    bodyLimit: env.BODY_LIMIT ?? '1mb',
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 60_000, 1, 100_000_000),
    writeWaitMs: integer(env, 'WRITE_WAIT_MS', 20_000, 0, 600_000),
    platformMspId: env.PLATFORM_MSP_ID ?? 'TradingCentreMSP',
    regulatorMspId: env.REGULATOR_MSP_ID ?? 'RegulatorMSP',
    directory: partyDirectory(env, (message) => new ConfigError(message)),
    closeBiddingAtDeadline: boolean(env, 'CLOSE_BIDDING_AT_DEADLINE', true),
    tlog: readTlogConfig(env, (message) => {
      throw new ConfigError(message);
    }),
    ...(fabric ? { fabric } : {}),
    logLevel: logLevel(env.LOG_LEVEL),
    metrics: metricsAccess(env),
  });
}
