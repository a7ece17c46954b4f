import type { Network } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { leafDataOf } from '@tender-ledger/embedded-ledger';
import {
  HASH_SIZE, MemoryTree, bytesEqual, cosignText, leafHash, parseCheckpoint, parseNote, verifyNoteSignatures,
  type Ed25519Signer, type NoteVerifier,
} from '@tender-ledger/tlog';
import { LedgerError } from '@tender-ledger/domain';
import type { GatewayLog } from './service.js';

/**
 * The transparency log on Fabric (issue 12). Each organisation's gateway builds the tree from
 * its own peer's committed blocks: every valid endorser transaction whose chaincode event is a
 * record (the contract announces each record it writes, with its canonical JSON), in block then
 * transaction order, leaf data = the record's hash, exactly as on the embedded ledger. Two
 * honest peers hold the same blocks, so the two organisations' trees are the same tree; each
 * organisation's log signer cosigns the other's checkpoint only if it is the root of its own
 * tree at that size ({@link crossCosign}).
 *
 * Written and unit-tested over blocks built with fabric-protos; NOT yet run on a live network.
 */

const VALID = 0; // peer.TxValidationCode.VALID

/** The leaves of one committed block: valid endorser transactions' records, in order. */
export function fabricBlockLeaves(block: common.Block): { txId: string; data: Uint8Array }[] {
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array(0);
  const leaves: { txId: string; data: Uint8Array }[] = [];
  block.getData()?.getDataList_asU8().forEach((envelopeBytes, i) => {
    // A transaction the peer marked invalid (MVCC conflict, endorsement policy, duplicate id) wrote nothing.
    if (filter[i] !== VALID) return;
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(0));
    if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
    const txId = channelHeader.getTxId();
    for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
      const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
      if (!endorsed) continue;
      const extension = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8()).getExtension_asU8();
      const eventBytes = peer.ChaincodeAction.deserializeBinary(extension).getEvents_asU8();
      if (eventBytes.length === 0) continue;
      const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
      const data = leafDataOf({ txId, event: { name: event.getEventName(), payload: Buffer.from(event.getPayload_asU8()).toString('utf8') } });
      if (data !== undefined) leaves.push({ txId, data });
    }
  });
  return leaves;
}

/** The tree of one organisation's peer's blocks, in memory, fed block by block from block 0. */
export class FabricLog implements GatewayLog {
  readonly #tree = new MemoryTree();
  readonly #entries: Uint8Array[] = [];
  readonly #indices = new Map<string, number>();
  #nextBlock = 0;

  get size(): number {
    return this.#tree.size;
  }

  /** The next block number this log expects. */
  get nextBlock(): number {
    return this.#nextBlock;
  }

  /** Appends a committed block's records; blocks must come in order, each once. */
  applyBlock(block: common.Block): number {
    const number = Number(block.getHeader()?.getNumber() ?? -1);
    if (number !== this.#nextBlock) throw new Error(`block ${number} given, block ${this.#nextBlock} expected`);
    const leaves = fabricBlockLeaves(block);
    for (const { txId, data } of leaves) {
      this.#indices.set(txId, this.#tree.size);
      this.#entries.push(data);
      this.#tree.append(leafHash(data));
    }
    this.#nextBlock += 1;
    return leaves.length;
  }

  /** Follows the peer's committed blocks from where this log is, until the iterator is closed. */
  async follow(network: Network, signal?: AbortSignal): Promise<void> {
    const blocks = await network.getBlockEvents({ startBlock: BigInt(this.#nextBlock) });
    signal?.addEventListener('abort', () => blocks.close());
    try {
      for await (const block of blocks) this.applyBlock(block);
    } finally {
      blocks.close();
    }
  }

  root(size = this.size): Uint8Array {
    return this.#tree.root(size);
  }
  inclusionProof(index: number, size = this.size): Uint8Array[] {
    return this.#tree.inclusionProof(index, size);
  }
  consistencyProof(size1: number, size2 = this.size): Uint8Array[] {
    return this.#tree.consistencyProof(size1, size2);
  }
  node(level: number, index: number): Uint8Array {
    return this.#tree.node(level, index);
  }
  entry(index: number): Uint8Array {
    const data = this.#entries[index];
    if (data === undefined || data.length !== HASH_SIZE) throw new RangeError(`no leaf ${index}`);
    return data;
  }
  async leafIndexOf(txId: string): Promise<number | undefined> {
    return this.#indices.get(txId);
  }
}

/**
 * The other organisation's checkpoint, cosigned (cosignature/v1) by this organisation's log
 * signer, only if the other log signed it and it is the root of this organisation's own tree
 * (built from its own peer) at that size. Refuses with TLOG_SIGNATURE_MISSING, with
 * TLOG_SIZE_CONFLICT when this tree is not that large yet (ask again later), and with
 * TLOG_CONSISTENCY_INVALID when the trees disagree: the two peers' ledgers differ.
 */
export function crossCosign(note: string, otherLog: NoteVerifier, own: Pick<GatewayLog, 'size' | 'root'>, signer: { name: string; signer: Ed25519Signer }, now = Math.floor(Date.now() / 1000)): string {
  const parsed = parseNote(note);
  const checkpoint = parseCheckpoint(parsed.text);
  if (checkpoint.origin !== otherLog.name || verifyNoteSignatures(parsed, [otherLog]).length === 0) {
    throw new LedgerError('TLOG_SIGNATURE_MISSING', `no signature by the log ${otherLog.name}`);
  }
  if (checkpoint.size > own.size) throw new LedgerError('TLOG_SIZE_CONFLICT', `this organisation's tree has ${own.size} leaves, the checkpoint ${checkpoint.size}`);
  if (!bytesEqual(own.root(checkpoint.size), checkpoint.rootHash)) {
    throw new LedgerError('TLOG_CONSISTENCY_INVALID', `at size ${checkpoint.size} this organisation's tree and ${otherLog.name}'s differ: the peers' ledgers disagree`);
  }
  return cosignText(parsed.text, signer.name, signer.signer, now);
}
