import { execFileSync } from 'node:child_process';
import type { LedgerIdentity } from '@tender-ledger/embedded-ledger';

/**
 * A real self-signed X.509 certificate (EC P-256) from openssl, so fabric-shim's ClientIdentity
 * can parse it exactly as on a peer. The id is the one ClientIdentity derives from it.
 */
function identity(mspId: string, organisation: string, commonName: string, attributes?: Record<string, string>): LedgerIdentity {
  const subject = `/O=${organisation}/CN=${commonName}`;
  // Fabric CA's attribute extension: the raw JSON {"attrs": {...}} under OID 1.2.3.4.5.6.7.8.1.
  const extension = attributes
    ? ['-addext', `1.2.3.4.5.6.7.8.1=DER:${Buffer.from(JSON.stringify({ attrs: attributes })).toString('hex')}`]
    : [];
  let certificate: string;
  try {
    certificate = execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        '/dev/null',
        '-subj',
        subject,
        '-days',
        '3650',
        ...extension,
        '-out',
        '-',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    throw new Error(`openssl is needed to make test certificates: ${(error as Error).message}`);
  }
  return { mspId, id: `x509::${subject}::${subject}`, certificate, ...(attributes ? { attributes } : {}) };
}

/** Two trading platforms of the trading centre, a regulator, and a platform of another organisation. */
export const platformA = identity('TradingCentreMSP', 'TradingCentre', 'platform-a');
export const platformB = identity('TradingCentreMSP', 'TradingCentre', 'platform-b');
export const otherCity = identity('OtherCityMSP', 'OtherCity', 'platform-c');
export const regulator = identity('RegulatorMSP', 'Regulator', 'regulator');

/** Identities that speak for bidders B1 and B2, issued by the trading centre's CA (attribute tender.bidderId); and B1's as another organisation's CA would issue it. */
export const bidderB1 = identity('TradingCentreMSP', 'TradingCentre', 'bidder-b1', { 'tender.bidderId': 'B1' });
export const bidderB2 = identity('TradingCentreMSP', 'TradingCentre', 'bidder-b2', { 'tender.bidderId': 'B2' });
export const foreignBidderB1 = identity('OtherCityMSP', 'OtherCity', 'bidder-b1', { 'tender.bidderId': 'B1' });
