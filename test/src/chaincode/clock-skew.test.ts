import { expect } from 'chai';
import type { Context } from 'fabric-contract-api';
import { NotaryContract, TenderContract } from '@tender-ledger/chaincode';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { HOUR, ManualClock, manualHostClock } from '../helpers/clock.js';
import { embeddedHost } from '../helpers/hosts.js';
import { platformA } from '../helpers/identities.js';
import { expectRefusal } from '../helpers/refusal.js';
import { tempDir } from '../helpers/temp.js';
import { Tender } from '../helpers/tender.js';

// Unit test: a stubbed transaction context, nothing else. The same guard runs on the Fabric
// network with a deliberately skewed client (test/src/fabric).
function contextAt(timestamp: Date, proposal: object | undefined): Context {
  return { stub: { getSignedProposal: () => proposal, getDateTimestamp: () => timestamp } } as unknown as Context;
}

describe('TenderContract', () => {
  describe('beforeTransaction (trusted time)', () => {
    const contract = new TenderContract();
    const minutes = (n: number) => new Date(Date.now() + n * 60_000);

    it('refuses a client proposal stamped 10 minutes early or late with CLOCK_SKEW', async () => {
      await expectRefusal(contract.beforeTransaction(contextAt(minutes(-10), {})), 'CLOCK_SKEW');
      await expectRefusal(contract.beforeTransaction(contextAt(minutes(10), {})), 'CLOCK_SKEW');
    });

    it('accepts a proposal within the 30 s tolerance', async () => {
      await contract.beforeTransaction(contextAt(new Date(Date.now() - 20_000), {})); // accepted: a refusal would reject
    });

    it('honours TENDER_CLOCK_SKEW_SECONDS', async () => {
      process.env.TENDER_CLOCK_SKEW_SECONDS = '5';
      try {
        await expectRefusal(contract.beforeTransaction(contextAt(new Date(Date.now() - 20_000), {})), 'CLOCK_SKEW');
      } finally {
        delete process.env.TENDER_CLOCK_SKEW_SECONDS;
      }
    });

    it('leaves time stamped by the embedded host alone (no client proposal)', async () => {
      await contract.beforeTransaction(contextAt(minutes(-600), undefined)); // accepted: a refusal would reject
    });
  });
});

/** The tender contract as a peer runs it: every call is a client's signed proposal, so the peer's clock guards apply. */
class AsOnAPeer extends TenderContract {
  override async beforeTransaction(ctx: Context): Promise<void> {
    (ctx.stub as unknown as { getSignedProposal(): object }).getSignedProposal = () => ({});
    return super.beforeTransaction(ctx);
  }
}

describe('TenderContract', () => {
  describe('deadline-bound steps (trusted time)', () => {
    let temp: ReturnType<typeof tempDir>;
    let ledger: EmbeddedLedger;
    let clock: ManualClock;
    let tender: Tender;
    const realNow = Date.now;
    /** Runs `fn` with the endorsing peer's clock (Date.now in the chaincode) `ms` ahead of the real one. */
    async function withPeerClockAhead<T>(ms: number, fn: () => Promise<T>): Promise<T> {
      Date.now = () => realNow() + ms;
      try {
        return await fn();
      } finally {
        Date.now = realNow;
      }
    }

    beforeEach(async () => {
      temp = tempDir('tender-peer-clock-');
      // Proposals stamped by a clock the test moves; the peer's clock is the machine's.
      clock = new ManualClock(new Date().toISOString());
      ledger = await EmbeddedLedger.open(temp.dir, { clock: clock.now, contracts: [AsOnAPeer] });
      tender = Tender.onHost(embeddedHost(ledger, manualHostClock(clock)), platformA);
      const bidDeadline = clock.now().getTime() + 10_000;
      await tender.register({ bidDeadline: new Date(bidDeadline).toISOString(), openingTime: new Date(bidDeadline + HOUR).toISOString() });
      await tender.registerBidder('B1');
      await tender.commit('B1', 90_000_000);
    });
    afterEach(async () => {
      Date.now = realNow;
      await ledger.close();
      temp.remove();
    });

    it("refuses registration, commitment and withdrawal once the endorsing peer's clock is past the deadline, though the proposal's timestamp is not", async () => {
      // Stamped before the deadline, endorsed 15 s later by the peer's clock: within the skew tolerance, past the deadline.
      await withPeerClockAhead(15_000, async () => {
        for (const [attempt, code] of [
          [() => tender.registerBidder('B2'), 'REGISTRATION_AFTER_DEADLINE'],
          [() => tender.commit('B1', 80_000_000), 'BID_AFTER_DEADLINE'],
          [() => tender.withdraw('B1'), 'WITHDRAWAL_AFTER_DEADLINE'],
        ] as const) {
          expect((await expectRefusal(attempt(), code)).message).to.include("endorsing peer's clock");
        }
      });
    });

    it("refuses closeBidding with BIDDING_STILL_OPEN while the peer's clock is before the deadline, though the proposal's timestamp is past it; closes once both are past", async () => {
      clock.advance(11_000);
      expect((await expectRefusal(tender.closeBidding(), 'BIDDING_STILL_OPEN')).message).to.include("endorsing peer's clock");
      const closed = await withPeerClockAhead(12_000, () => tender.closeBidding());
      expect(closed.step).to.equal('BiddingClosed');
    });
  });
});

describe('NotaryContract', () => {
  describe('beforeTransaction (trusted time)', () => {
    it('refuses a client proposal stamped 10 minutes early with CLOCK_SKEW, like the tender steps', async () => {
      const contract = new NotaryContract();
      await expectRefusal(contract.beforeTransaction(contextAt(new Date(Date.now() - 10 * 60_000), {})), 'CLOCK_SKEW');
      await contract.beforeTransaction(contextAt(new Date(), {})); // accepted: a refusal would reject
    });
  });
});
