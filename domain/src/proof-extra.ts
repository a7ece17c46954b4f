/**
 * A tlog-proof bundle's extra data as the gateway writes it: which record the leaf is (its id
 * and hash), so whoever holds only the bundle knows what to check. Not authenticated: a verifier
 * believes the hash only once the inclusion proof for it verifies.
 *
 * @example proofExtra('tx-1', 'ab…') // UTF-8 of {"recordId":"tx-1","recordHash":"ab…"}
 */
export function proofExtra(recordId: string, recordHash: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ recordId, recordHash }));
}

/**
 * The record hash a bundle's extra data names, or undefined when it names none in that shape
 * (a file someone handed over: nothing else in it is believed).
 *
 * @example recordHashOfProofExtra(proofExtra('tx-1', hash)) === hash
 */
export function recordHashOfProofExtra(extra: Uint8Array | undefined): string | undefined {
  if (extra === undefined) return undefined;
  let named: unknown;
  try {
    named = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(extra));
  } catch {
    return undefined;
  }
  const hash = typeof named === 'object' && named !== null ? (named as Record<string, unknown>).recordHash : undefined;
  return typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}
