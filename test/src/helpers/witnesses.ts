import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseVerifierKey, type NoteVerifier } from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';
import { CheckpointStore, Witness, createWitnessServer, loadOrCreateWitnessKey } from '@tender-ledger/witness';
import { tempDir } from './temp.js';

/** A tlog-witness on its own port and data directory, told which logs to trust once they exist. */
export interface TestWitness {
  readonly url: string;
  readonly vkey: string;
  /** Trusts a log's verifier key from now on (the gateway creates its key at first start). */
  trust(logVkey: string): void;
  /** POST /add-checkpoint as any client would. */
  add(body: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export async function startTestWitness(name: string): Promise<TestWitness> {
  const temp = tempDir('tender-witness-');
  const key = await loadOrCreateWitnessKey(path.join(temp.dir, 'witness'), name);
  const store = new CheckpointStore(path.join(temp.dir, 'witness', 'checkpoints'));
  await store.init();
  const logs: NoteVerifier[] = [];
  const witness = new Witness({ name: key.name, signer: key.signer, store, logs });
  const server: Server = await new Promise((resolve) => {
    const s = createWitnessServer({ witness }).listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    vkey: key.vkey,
    trust: (logVkey) => {
      logs.push(parseVerifierKey(logVkey, nodeEd25519));
    },
    async add(body) {
      const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
      return { status: res.status, text: await res.text() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      temp.remove();
    },
  };
}
