// The worker thread of `ledger:verify`'s digest walk: the original's file checksums, then the
// stored side (history, state, index) added up on its own copy (see storedSide).
import { parentPort, workerData } from 'node:worker_threads';
import { fileDamageOf, storedSide } from './verify.js';

const { original, store, secret } = workerData as { original: string; store: string; secret: string };

async function run(): Promise<void> {
  parentPort?.postMessage({ files: await fileDamageOf(original) });
  parentPort?.postMessage({ side: await storedSide(store, secret) });
}

run().catch((error: unknown) => parentPort?.postMessage({ error: (error as Error).message }));
