/**
 * MSP ids of regulators. Fixed in code, not configuration, so every endorsing peer decides
 * alike; it is an MSP and not a certificate attribute because any organisation's CA could
 * issue itself an attribute, while only the channel's configuration admits an MSP.
 */
export const REGULATOR_MSP_IDS: ReadonlySet<string> = new Set(['RegulatorMSP']);

export function isRegulatorMsp(mspId: string): boolean {
  return REGULATOR_MSP_IDS.has(mspId);
}
