/**
 * MSP ids of regulators. Fixed in code, not configuration, so every endorsing peer decides
 * alike; it is an MSP and not a certificate attribute because any organisation's CA could
 * issue itself an attribute, while only the channel's configuration admits an MSP.
 */
export const REGULATOR_MSP_IDS: ReadonlySet<string> = new Set(['RegulatorMSP']);

export function isRegulatorMsp(mspId: string): boolean {
  return REGULATOR_MSP_IDS.has(mspId);
}

/**
 * The issuer of development tokens (the embedded ledger's zero-configuration default only; never trusted on Fabric).
 *
 * @example if (claims.iss === DEV_ISSUER) console.warn('a development token');
 */
export const DEV_ISSUER = 'urn:tender-ledger:dev-issuer';
/**
 * The audience tokens for this gateway name by default (`AUTH_AUDIENCE`).
 *
 * @example mintDevToken('data', { role: 'platform', sub: 'gz-etrading', audience: DEFAULT_AUDIENCE })
 */
export const DEFAULT_AUDIENCE = 'tender-ledger';

/**
 * The roles a token may carry: a platform writes its projects, a regulator reads everything, a bidder reads its own records.
 *
 * @example if (!(ROLES as readonly string[]).includes(claim)) throw new Error('unknown role');
 */
export const ROLES = ['platform', 'regulator', 'bidder'] as const;
/**
 * One of {@link ROLES}.
 *
 * @example const role: Role = 'regulator';
 */
export type Role = (typeof ROLES)[number];

/**
 * The certificate attribute that makes a ledger identity speak for one bidder (`tender.bidderId`).
 * The contract honours it only for projects owned by the identity's own organisation (MSP): the
 * organisation whose platform registered the bidder vouches for it, and another organisation's
 * CA, which could issue itself any attribute, cannot open a bid sealed on someone else's project.
 * On the embedded ledger the gateway's identity for bidder `b` carries it; on Fabric it is a
 * Fabric CA attribute, or the gateway speaks for bidders as a trusted proxy ({@link BIDDER_ID_TRANSIENT}).
 */
export const BIDDER_ID_ATTRIBUTE = 'tender.bidderId';

/**
 * The transient field in which a trusted bidder proxy names the bidder it reads for (Fabric).
 * Honoured only from an identity listed in the chaincode's TENDER_BIDDER_PROXIES.
 */
export const BIDDER_ID_TRANSIENT = 'bidderId';

/**
 * The one definition of "a bidder's records" in a project's trail: every record about that
 * bidder (registration, commitments, withdrawal, award, contract, deposit release) and the
 * opening that names its bid. Redacted views (no payload to read) never match.
 */
export function isBidderRecord(record: { step: string; payload?: unknown }, bidderId: string): boolean {
  const payload = record.payload as { bidderId?: unknown; bids?: unknown } | undefined;
  if (payload?.bidderId === bidderId) return true;
  return (
    record.step === 'BidsOpened' &&
    Array.isArray(payload?.bids) &&
    (payload.bids as { bidderId?: unknown }[]).some((b) => b.bidderId === bidderId)
  );
}

/** A bidder's records among `records`, in order ({@link isBidderRecord}). */
export function bidderRecords<R extends { step: string; payload?: unknown }>(records: readonly R[], bidderId: string): R[] {
  return records.filter((r) => isBidderRecord(r, bidderId));
}
