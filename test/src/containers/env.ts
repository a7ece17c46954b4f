import path from 'node:path';

/** Imported first by the suite's setup: the helpers read these when they load. */
export const REPO = path.resolve(__dirname, '../../..');
export const RUNTIME = process.env.TENDER_CONTAINERS_RUNTIME ?? path.join(REPO, 'containers/.runtime');
export const CONNECTION_FILE = path.join(RUNTIME, 'fabric-connection.json');

process.env.FABRIC_CONNECTION = CONNECTION_FILE;
process.env.TENDER_TEST_BACKENDS = 'fabric';
