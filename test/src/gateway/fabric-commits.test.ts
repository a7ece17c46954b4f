import { expect } from 'chai';
import type { Network } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import { CommitWatcher, blockHeaderHash } from '@tender-ledger/gateway';
import { fabricBlock } from '../helpers/fabric-blocks.js';
import { present } from '../helpers/assert.js';

/**
 * A peer's block stream as fabric-gateway hands it over: blocks from the start asked for, in
 * order, as they are committed; `fail()` breaks the open stream as a lost connection would.
 * (The Fabric suite runs the watcher against real peers: every write there waits on it.)
 */
class BlockSource {
  readonly blocks: common.Block[] = [];
  readonly starts: bigint[] = [];
  #wake: (() => void) | undefined;
  #broken = false;

  commit(txs: Parameters<typeof fabricBlock>[1]): common.Block {
    const block = fabricBlock(this.blocks.length, txs);
    present(block.getHeader(), 'a header').setDataHash(Buffer.alloc(32, this.blocks.length + 1));
    this.blocks.push(block);
    this.#wake?.();
    return block;
  }

  fail(): void {
    this.#broken = true;
    this.#wake?.();
  }

  network(): Network {
    const getBlockEvents = ({ startBlock }: { startBlock: bigint }) => {
      this.starts.push(startBlock);
      let next = Number(startBlock);
      let closed = false;
      const iterate = async function* (source: BlockSource): AsyncGenerator<common.Block> {
        while (!closed) {
          if (source.#broken) {
            source.#broken = false;
            throw new Error('14 UNAVAILABLE: connection dropped');
          }
          const block = source.blocks[next];
          if (block) {
            next++;
            yield block;
            continue;
          }
          await new Promise<void>((resolve) => (source.#wake = resolve));
        }
      };
      const iterable = iterate(this);
      return Promise.resolve(
        Object.assign(iterable, {
          close: () => {
            closed = true;
            this.#wake?.();
          },
        }),
      );
    };
    return { getBlockEvents } as unknown as Network;
  }
}

const quiet = () => undefined;

describe('the commit watcher (each write learns its block from one stream of committed blocks)', () => {
  let source: BlockSource;
  let watcher: CommitWatcher;

  beforeEach(() => {
    source = new BlockSource();
    source.commit([{ txId: 'genesis' }]);
  });
  afterEach(() => {
    watcher.close();
  });

  it("answers each waiting transaction with its block's number, header hash and validation code", async () => {
    watcher = CommitWatcher.start(source.network(), 1, quiet);
    const valid = watcher.wait('tx-a', 5_000);
    const conflicted = watcher.wait('tx-b', 5_000);
    const block = source.commit([{ txId: 'someone-else' }, { txId: 'tx-a' }, { txId: 'tx-b', valid: false }]);
    const hash = blockHeaderHash(present(block.getHeader(), 'a header'));
    expect(await valid).to.deep.equal({ txId: 'tx-a', blockNumber: 1, blockHash: hash, code: 0 });
    expect(await conflicted).to.deep.equal({ txId: 'tx-b', blockNumber: 1, blockHash: hash, code: 11 });
    expect(source.starts).to.deep.equal([1n]);
  });

  it("takes the first copy of an id (a second copy is the peer's DUPLICATE_TXID) and no block below its start", async () => {
    watcher = CommitWatcher.start(source.network(), 1, quiet);
    const first = watcher.wait('tx-a', 5_000);
    source.commit([{ txId: 'tx-a' }, { txId: 'tx-a', code: 30 }]);
    expect((await first)?.code).to.equal(0);
    // A re-sent copy waits again: its own block says it is a duplicate.
    const again = watcher.wait('tx-a', 5_000);
    source.commit([{ txId: 'tx-a', code: 30 }]);
    expect(await again).to.include({ blockNumber: 2, code: 30 });
    // The genesis block (below the start) was never looked at for a waiter.
    const old = watcher.wait('genesis', 50);
    expect(await old).to.equal(undefined);
  });

  it('answers undefined when no block holds the transaction in time, or when told to forget it', async () => {
    watcher = CommitWatcher.start(source.network(), 1, quiet);
    const lost = watcher.wait('tx-lost', 30);
    source.commit([{ txId: 'other' }]);
    expect(await lost).to.equal(undefined);
    const forgotten = watcher.wait('tx-unsent', 5_000);
    watcher.forget('tx-unsent');
    expect(await forgotten).to.equal(undefined);
    // Its block arriving later settles nothing twice.
    source.commit([{ txId: 'tx-unsent' }]);
  });

  it('resumes a broken stream at the block after the last one seen, losing none', async () => {
    const warnings: string[] = [];
    watcher = CommitWatcher.start(source.network(), 1, (message) => warnings.push(message));
    const before = watcher.wait('tx-1', 5_000);
    source.commit([{ txId: 'tx-1' }]);
    expect((await before)?.blockNumber).to.equal(1);
    const after = watcher.wait('tx-2', 5_000);
    source.fail();
    // Committed while the stream is down: the resumed stream starts at block 2 and finds it.
    source.commit([{ txId: 'tx-2' }]);
    expect((await after)?.blockNumber).to.equal(2);
    expect(source.starts).to.deep.equal([1n, 2n]);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/block stream failed at block 2: 14 UNAVAILABLE/);
  });
});
