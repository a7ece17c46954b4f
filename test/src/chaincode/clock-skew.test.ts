import { expect } from 'chai';
import type { Context } from 'fabric-contract-api';
import { parseLedgerError } from '@tender-ledger/domain';
import { NotaryContract, TenderContract } from '@tender-ledger/chaincode';

// Unit test: a stubbed transaction context, nothing else. The same guard runs on the Fabric
// network with a deliberately skewed client (test/src/fabric).
function contextAt(timestamp: Date, proposal: object | undefined): Context {
  return { stub: { getSignedProposal: () => proposal, getDateTimestamp: () => timestamp } } as unknown as Context;
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return parseLedgerError((error as Error).message)?.code;
  }
}

describe('TenderContract', () => {
  describe('beforeTransaction (trusted time)', () => {
    const contract = new TenderContract();
    const minutes = (n: number) => new Date(Date.now() + n * 60_000);

    it('refuses a client proposal stamped 10 minutes early or late with CLOCK_SKEW', async () => {
      expect(await refusal(contract.beforeTransaction(contextAt(minutes(-10), {})))).to.equal('CLOCK_SKEW');
      expect(await refusal(contract.beforeTransaction(contextAt(minutes(10), {})))).to.equal('CLOCK_SKEW');
    });

    it('accepts a proposal within the 30 s tolerance', async () => {
      expect(await refusal(contract.beforeTransaction(contextAt(new Date(Date.now() - 20_000), {})))).to.equal(undefined);
    });

    it('honours TENDER_CLOCK_SKEW_SECONDS', async () => {
      process.env.TENDER_CLOCK_SKEW_SECONDS = '5';
      try {
        expect(await refusal(contract.beforeTransaction(contextAt(new Date(Date.now() - 20_000), {})))).to.equal('CLOCK_SKEW');
      } finally {
        delete process.env.TENDER_CLOCK_SKEW_SECONDS;
      }
    });

    it('leaves time stamped by the embedded host alone (no client proposal)', async () => {
      expect(await refusal(contract.beforeTransaction(contextAt(minutes(-600), undefined)))).to.equal(undefined);
    });
  });
});

describe('NotaryContract', () => {
  describe('beforeTransaction (trusted time)', () => {
    it('refuses a client proposal stamped 10 minutes early with CLOCK_SKEW, like the tender steps', async () => {
      const contract = new NotaryContract();
      expect(await refusal(contract.beforeTransaction(contextAt(new Date(Date.now() - 10 * 60_000), {})))).to.equal('CLOCK_SKEW');
      expect(await refusal(contract.beforeTransaction(contextAt(new Date(), {})))).to.equal(undefined);
    });
  });
});
