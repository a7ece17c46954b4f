import type { Network } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import { fabricBlockLeaves } from '../fabric-blocks.js';
import { HASH_SIZE, MemoryTree, leafHash } from '@tender-ledger/tlog';
import type { GatewayLog } from './service.js';

/**
 * The transparency log on Fabric (issue 12). Each organisation's gateway builds the tree from
 * its own peer's committed blocks: every valid endorser transaction whose chaincode event is a
 * record (the contract announces each record it writes, with its canonical JSON), in block then
 * transaction order, leaf data = the record's hash, exactly as on the embedded ledger. Two
 * honest peers hold the same blocks, so the two organisations' trees are the same tree; each
 * organisation's gateway witnesses the other's log, cosigning a checkpoint only if it is the root
 * of its own tree at that size (peer-witness.ts).
 */

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
    const number = block.getHeader()?.getNumber() ?? -1;
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
    signal?.addEventListener('abort', () => {
      blocks.close();
    });
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
