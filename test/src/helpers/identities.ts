import { execFileSync } from 'node:child_process';
import type { LedgerIdentity } from '@tender-ledger/embedded-ledger';

/**
 * A real self-signed X.509 certificate (EC P-256) from openssl, so fabric-shim's ClientIdentity
 * can parse it exactly as on a peer. The id is the one ClientIdentity derives from it.
 */
function identity(mspId: string, organisation: string, commonName: string): LedgerIdentity {
  const subject = `/O=${organisation}/CN=${commonName}`;
  let certificate: string;
  try {
    certificate = execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', '/dev/null', '-subj', subject, '-days', '3650', '-out', '-',
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`openssl is needed to make test certificates: ${(error as Error).message}`);
  }
  return { mspId, id: `x509::${subject}::${subject}`, certificate };
}

/** Two trading platforms of the trading centre, a regulator, and a platform of another organisation. */
export const platformA = identity('TradingCentreMSP', 'TradingCentre', 'platform-a');
export const platformB = identity('TradingCentreMSP', 'TradingCentre', 'platform-b');
export const otherCity = identity('OtherCityMSP', 'OtherCity', 'platform-c');
export const regulator = identity('RegulatorMSP', 'Regulator', 'regulator');
