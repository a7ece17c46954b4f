import { createRequire } from 'node:module';

interface CertificateClass {
  fromPEM(data: string | Uint8Array): unknown;
}

const cached = Symbol.for('tender-ledger.cachedCertificateParsing');
/** A bound, not an LRU: a channel's creators are few, and one beyond it only costs its parse again. */
const MAX_CERTIFICATES = 1024;

/**
 * fabric-shim builds a ClientIdentity for every transaction and parses the creator's X.509
 * certificate for it, in @fidm/x509's pure-JS ASN.1: a fifth of a bid's CPU time through the
 * shim's dispatcher (measured in-process). The same few creators sign nearly every transaction,
 * so each certificate's parse is kept, keyed by its exact PEM text: the same bytes give the same
 * subject, issuer and attributes, and a different certificate is parsed afresh. The shim only
 * reads what it gets. This is done in the @fidm/x509 the shim loads. Returns whether it was done.
 */
export function cacheCertificateParsing(): boolean {
  let Certificate: (CertificateClass & { [cached]?: true }) | undefined;
  try {
    // The @fidm/x509 the shim resolves, wherever the package manager put it.
    Certificate = (createRequire(require.resolve('fabric-shim'))('@fidm/x509') as { Certificate?: CertificateClass }).Certificate;
  } catch {
    return false;
  }
  if (!Certificate) return false;
  if (Certificate[cached]) return true;
  const parse = Certificate.fromPEM.bind(Certificate);
  const parsed = new Map<string, unknown>();
  Certificate.fromPEM = (data) => {
    if (typeof data !== 'string') return parse(data);
    let certificate = parsed.get(data);
    if (certificate === undefined) {
      // Throws for a PEM that is not a certificate, and then nothing is kept.
      certificate = parse(data);
      if (parsed.size >= MAX_CERTIFICATES) parsed.clear();
      parsed.set(data, certificate);
    }
    return certificate;
  };
  Certificate[cached] = true;
  return true;
}
