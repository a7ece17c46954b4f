import path from 'node:path';

export interface IssuerConfig {
  issuer: string;
  /** Where the issuer publishes its keys (https). */
  jwksUri?: string;
  /** Or a local JWKS file. */
  jwksFile?: string;
}

/** Everything the gateway reads from its environment, read once and frozen. */
export interface GatewayConfig {
  port: number;
  host: string;
  dataDir: string;
  ledgerBackend: 'embedded' | 'fabric';
  issuers: IssuerConfig[];
  /** Trust the development issuer whose key lives in DATA_DIR (the embedded default). */
  devIssuer: boolean;
  audience: string;
  algorithms: string[];
  receiptIssuer: string;
  bodyLimit: string;
  rateLimitPerMinute: number;
  platformMspId: string;
  regulatorMspId: string;
  /** Send closeBidding for this gateway's projects at their bid deadlines. */
  closeBiddingAtDeadline: boolean;
  fabric?: FabricConfig;
}

/** How the gateway reaches a Fabric network (LEDGER_BACKEND=fabric). */
export interface FabricConfig {
  /** The connection file network/network.sh writes. */
  connectionFile: string;
  platformIdentities: Record<string, string>;
  regulatorIdentity: string;
  publicIdentity: string;
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
    throw new ConfigError('AUTH_ISSUERS must be a JSON array of {issuer, jwksUri | jwksFile}');
  }
  if (!Array.isArray(parsed) || !parsed.every((i) => typeof i?.issuer === 'string' && (typeof i.jwksUri === 'string' || typeof i.jwksFile === 'string'))) {
    throw new ConfigError('AUTH_ISSUERS must be a JSON array of {issuer, jwksUri | jwksFile}');
  }
  return parsed as IssuerConfig[];
}

/** Reads the configuration, failing fast on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  const ledgerBackend = env.LEDGER_BACKEND ?? 'embedded';
  if (ledgerBackend !== 'embedded' && ledgerBackend !== 'fabric') {
    throw new ConfigError(`LEDGER_BACKEND must be "embedded" or "fabric", not ${JSON.stringify(ledgerBackend)}`);
  }
  const configuredIssuers = issuers(env.AUTH_ISSUERS);
  const devIssuer = env.AUTH_DEV_ISSUER !== undefined ? env.AUTH_DEV_ISSUER === 'true' : configuredIssuers.length === 0;
  let fabric: FabricConfig | undefined;
  if (ledgerBackend === 'fabric') {
    let platformIdentities: unknown;
    try {
      platformIdentities = JSON.parse(env.FABRIC_PLATFORM_IDENTITIES ?? '{}');
    } catch {
      throw new ConfigError('FABRIC_PLATFORM_IDENTITIES must be a JSON object {"<platform token sub>": "<Fabric user>"}');
    }
    if (typeof platformIdentities !== 'object' || platformIdentities === null || Object.values(platformIdentities).some((v) => typeof v !== 'string')) {
      throw new ConfigError('FABRIC_PLATFORM_IDENTITIES must be a JSON object {"<platform token sub>": "<Fabric user>"}');
    }
    fabric = {
      connectionFile: path.resolve(env.FABRIC_CONNECTION ?? 'network/.runtime/fabric-connection.json'),
      platformIdentities: platformIdentities as Record<string, string>,
      regulatorIdentity: env.FABRIC_REGULATOR_IDENTITY ?? 'User1',
      publicIdentity: env.FABRIC_PUBLIC_IDENTITY ?? 'User5',
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
    algorithms: (env.AUTH_ALGORITHMS ?? 'ES256').split(',').map((a) => a.trim()).filter(Boolean),
    receiptIssuer: env.RECEIPT_ISSUER ?? 'urn:tender-ledger:gateway',
    bodyLimit: env.BODY_LIMIT ?? '1mb',
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 60_000, 1, 100_000_000),
    platformMspId: env.PLATFORM_MSP_ID ?? 'TradingCentreMSP',
    regulatorMspId: env.REGULATOR_MSP_ID ?? 'RegulatorMSP',
    closeBiddingAtDeadline: boolean(env, 'CLOSE_BIDDING_AT_DEADLINE', true),
    ...(fabric ? { fabric } : {}),
  });
}
