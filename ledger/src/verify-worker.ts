// The worker thread of `ledger:verify`'s digest walk: adds up the stored side (see storedSide).
import { parentPort, workerData } from 'node:worker_threads';
import { storedSide } from './verify.js';

const { store, secret } = workerData as { store: string; secret: string };
storedSide(store, secret).then(
  (side) => parentPort?.postMessage({ side }),
  (error: unknown) => parentPort?.postMessage({ error: (error as Error).message }),
);
