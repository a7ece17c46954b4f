import path from 'node:path';

export type Backend = 'embedded' | 'fabric';
const BACKENDS: readonly Backend[] = ['embedded', 'fabric'];

const REPO = path.resolve(__dirname, '../../..');
/** The network's client settings: network.sh deploy's file, or another network's (the container suite sets it). */
export const FABRIC_CONNECTION = process.env.FABRIC_CONNECTION ?? path.join(REPO, 'network/.runtime/fabric-connection.json');

/**
 * Which backends the behaviour suites run on, from TENDER_TEST_BACKENDS (comma-separated;
 * `embedded` when unset). An unknown name fails the run: a typo must not define no tests.
 */
export function testBackends(value = process.env.TENDER_TEST_BACKENDS ?? 'embedded'): Backend[] {
  const named = value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const unknown = named.filter((b) => !(BACKENDS as readonly string[]).includes(b));
  if (unknown.length > 0 || named.length === 0) {
    throw new Error(
      `TENDER_TEST_BACKENDS=${JSON.stringify(value)}: unknown backend ${unknown.map((b) => JSON.stringify(b)).join(', ') || '(none named)'}; use ${BACKENDS.join(', ')} (comma-separated)`,
    );
  }
  return named as Backend[];
}
