import path from 'node:path';
import { SIG_COSIGNATURE_V1, formatVerifierKey, parseVerifierKey } from '@tender-ledger/tlog';
import { nodeEd25519 } from '@tender-ledger/tlog/node';
import { CheckpointStore, Witness, loadOrCreateWitnessKey } from '@tender-ledger/witness';
import type { TlogConfig } from './config.js';
import type { GatewayLog } from './service.js';

/** This organisation's witness of the other organisations' logs, and the key they list it under. */
export interface PeerWitness {
  readonly witness: Witness;
  /** Its cosignature/v1 verifier key: the other gateways name it in WITNESSES. */
  readonly vkey: string;
}

/**
 * On Fabric each organisation's gateway builds the log from its own peer's blocks, so each can
 * witness the others' (issue 12): it cosigns another organisation's checkpoint only if that is
 * the root of its own tree at that size, and only if it extends what it cosigned before. A
 * cosignature is then the statement "our two ledgers agree up to here". Its key is its own,
 * `DATA_DIR/keys/witness`, named `<LOG_ORIGIN>/witness`.
 */
export async function startPeerWitness(ownTree: GatewayLog, config: TlogConfig, dataDir: string): Promise<PeerWitness> {
  const key = await loadOrCreateWitnessKey(path.join(dataDir, 'keys', 'witness'), `${config.origin}/witness`);
  const store = new CheckpointStore(path.join(dataDir, 'witness', 'checkpoints'));
  await store.init();
  const witness = new Witness({
    name: key.name,
    signer: key.signer,
    store,
    ownTree,
    logs: config.witnessFor.map((vkey) => parseVerifierKey(vkey, nodeEd25519)),
  });
  return { witness, vkey: formatVerifierKey(key.name, SIG_COSIGNATURE_V1, key.signer.publicKey) };
}
