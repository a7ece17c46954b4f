import type { Actor } from '@tender-ledger/domain';
import { EmbeddedLedger, type Block, type LedgerIdentity } from '@tender-ledger/embedded-ledger';
import { testBackends } from './backends.js';
import { ManualClock, manualHostClock, type HostClock } from './clock.js';
import { fabricHost } from './fabric-host.js';
import { tempDir } from './temp.js';

/** Where the contract runs for a behaviour test. Every rule suite runs on each host. */
export interface ContractHost {
  /** Ledger time: moved by hand on the embedded ledger, waited for on Fabric. */
  readonly clock: HostClock;
  submit(identity: LedgerIdentity, fn: string, ...args: string[]): Promise<string>;
  evaluate(identity: LedgerIdentity, fn: string, ...args: string[]): Promise<string>;
  /** The actor the contract records for an identity (on Fabric the identity is a network user). */
  actorOf(identity: LedgerIdentity): Promise<Actor>;
  /** Chaincode events of transactions committed through this host, in order. */
  readonly events: { name: string; payload: string; txId: string }[];
  close(): Promise<void>;
}

export interface HostFactory {
  name: string;
  create(): Promise<ContractHost>;
}

/** A host over an embedded ledger opened by the caller (suites that reopen or inspect it). */
export function embeddedHost(ledger: EmbeddedLedger, clock: HostClock, close: () => Promise<void> = () => ledger.close()): ContractHost {
  const events: ContractHost['events'] = [];
  ledger.on('block', (block: Block) => {
    for (const tx of block.txs) if (tx.event) events.push({ ...tx.event, txId: tx.txId });
  });
  return {
    clock,
    events,
    submit: async (identity, fn, ...args) => (await ledger.submit({ identity, fn, args })).result,
    evaluate: (identity, fn, ...args) => ledger.evaluate({ identity, fn, args }),
    actorOf: async (identity) => ({ mspId: identity.mspId, clientId: identity.id }),
    close,
  };
}

function embedded(dispatch: 'contract' | 'fabric-shim'): HostFactory {
  return {
    name: dispatch === 'contract' ? 'the embedded ledger' : 'the embedded ledger through fabric-shim dispatch',
    async create() {
      const clock = new ManualClock();
      const temp = tempDir('tender-ledger-');
      const ledger = await EmbeddedLedger.open(temp.dir, { clock: clock.now, dispatch });
      return embeddedHost(ledger, manualHostClock(clock), async () => {
        await ledger.close();
        temp.remove();
      });
    },
  };
}

/** The hosts behaviour suites run on: the embedded ones, and the Fabric network when TENDER_TEST_BACKENDS names it. */
export const HOSTS: HostFactory[] = testBackends().flatMap((backend) =>
  backend === 'embedded' ? [embedded('contract'), embedded('fabric-shim')] : [fabricHost],
);
