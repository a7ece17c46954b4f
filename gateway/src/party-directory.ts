import type { PartyDirectory } from './certificate.js';

export type { PartyDirectory } from './certificate.js';

/**
 * `TRADING_CENTRE_NAME` (who issues certificates) and `PLATFORM_NAMES`, a JSON object mapping
 * party ids (a ledger client id, `<issuer>::<sub>`, a subject, an MSP id or a bidder id) to the
 * names certificates, packages and pages show instead of the ids.
 */
export function partyDirectory(env: NodeJS.ProcessEnv, configError: (message: string) => Error): PartyDirectory {
  const raw = env.PLATFORM_NAMES;
  let names: Record<string, string> = {};
  if (raw !== undefined && raw !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      Object.entries(parsed).some(([k, v]) => typeof v !== 'string' || v.length === 0 || v.length > 200 || k.length === 0)
    ) {
      throw configError('PLATFORM_NAMES must be a JSON object of party id → display name (non-empty strings up to 200 characters)');
    }
    names = parsed as Record<string, string>;
  }
  return Object.freeze({
    tradingCentreName: env.TRADING_CENTRE_NAME || '公共资源交易中心（未配置 TRADING_CENTRE_NAME）',
    names: Object.freeze({ ...names }),
  });
}
