import { EmbeddedLedger, type Block, type LedgerIdentity } from '@tender-ledger/embedded-ledger';
import { ManualClock } from './clock.js';
import { tempDir } from './temp.js';

/** Where the contract runs for a behaviour test. Every rule suite runs on each host. */
export interface ContractHost {
  readonly clock: ManualClock;
  submit(identity: LedgerIdentity, fn: string, ...args: string[]): Promise<string>;
  evaluate(identity: LedgerIdentity, fn: string, ...args: string[]): Promise<string>;
  /** Chaincode events of committed transactions, in order. */
  readonly events: { name: string; payload: string; txId: string }[];
  close(): Promise<void>;
}

export interface HostFactory {
  name: string;
  create(): Promise<ContractHost>;
}

function embedded(dispatch: 'contract' | 'fabric-shim'): HostFactory {
  return {
    name: dispatch === 'contract' ? 'the embedded ledger' : 'the embedded ledger through fabric-shim dispatch',
    async create() {
      const clock = new ManualClock();
      const temp = tempDir('tender-ledger-');
      const ledger = await EmbeddedLedger.open(temp.dir, { clock: clock.now, dispatch });
      const events: ContractHost['events'] = [];
      ledger.on('block', (block: Block) => {
        for (const tx of block.txs) if (tx.event) events.push({ ...tx.event, txId: tx.txId });
      });
      return {
        clock,
        events,
        submit: async (identity, fn, ...args) => (await ledger.submit({ identity, fn, args })).result,
        evaluate: (identity, fn, ...args) => ledger.evaluate({ identity, fn, args }),
        close: async () => {
          await ledger.close();
          temp.remove();
        },
      };
    },
  };
}

/** The hosts behaviour suites run on. A Fabric network host joins this list where one is up. */
export const HOSTS: HostFactory[] = [embedded('contract'), embedded('fabric-shim')];
