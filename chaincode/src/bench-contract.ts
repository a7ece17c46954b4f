import { Context, Contract, Info, Transaction } from 'fabric-contract-api';

const WRITTEN = Buffer.from('1');

/**
 * The ceiling the Fabric bench measures bids against (issues 11 and 16): a trivial chaincode
 * function that writes one key and reads nothing, endorsed and committed like any other
 * transaction of this chaincode. Offered only where the chaincode server runs with
 * `TENDER_BENCH_CONTRACT=1` (network.sh's local networks), never in the containers' deployment:
 * it records no evidence, so a production channel has no use for it.
 */
@Info({ title: 'BenchContract', description: 'One write per transaction, for benchmarks' })
export class BenchContract extends Contract {
  constructor() {
    super('bench');
  }

  /** Writes one new key (the transaction's id), so transactions never conflict. */
  @Transaction()
  async put(ctx: Context): Promise<void> {
    await ctx.stub.putState(ctx.stub.createCompositeKey('bench', [ctx.stub.getTxID()]), WRITTEN);
  }
}
