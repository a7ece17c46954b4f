import { expect } from 'chai';
import type { Context } from 'fabric-contract-api';
import { isBidderProxy } from '@tender-ledger/chaincode/dist/evidence.js';
import { bidderRecords, checkChain, type LedgerRecord } from '@tender-ledger/domain';
import { HOSTS, type ContractHost } from '../helpers/hosts.js';
import { bidderB1, bidderB2, foreignBidderB1, otherCity, platformA, platformB, regulator } from '../helpers/identities.js';
import { expectRefusal } from '../helpers/refusal.js';
import { Tender, doc } from '../helpers/tender.js';

type Trail = { complete: boolean; chainValid: boolean; records: LedgerRecord[] };
type Own = { records: LedgerRecord[] };
type Bids = { bids: { projectId: string; records: LedgerRecord[] }[] };

// What each caller may see, decided by the contract once (BL art. 22; IR art. 46).
for (const hostFactory of HOSTS) {
  describe(`TenderContract access on ${hostFactory.name}`, function () {
    let host: ContractHost;
    let tender: Tender;
    const read = async <T>(as: typeof platformA, fn: string, ...args: string[]) => JSON.parse(await host.evaluate(as, fn, ...args)) as T;

    beforeEach(async () => {
      host = await hostFactory.create();
      tender = Tender.onHost(host);
      await tender.register();
      await tender.registerBidder('B1');
      await tender.commit('B1', 90_000_000);
      await tender.registerBidder('B2');
      await tender.commit('B2', 91_000_000);
    });
    afterEach(async () => {
      await host.close();
    });

    describe('getTrail', () => {
      describe('for a caller shown only the public part of a sealed trail', () => {
        it('gives the chain check of the whole trail, made in the contract, without the sealed records', async () => {
          const whole = await read<Trail>(platformA, 'getTrail', tender.projectId);
          expect(whole).to.include({ complete: true, chainValid: true });
          for (const as of [platformB, bidderB1]) {
            const shown = await read<Trail>(as, 'getTrail', tender.projectId);
            expect(shown).to.include({ complete: false, chainValid: checkChain(whole.records).valid });
            expect(shown.records.map((r) => r.step)).to.deep.equal(['ProjectRegistered']);
            expect(JSON.stringify(shown)).to.not.include('"B1"');
          }
        });
      });
    });

    describe('getBidderRecords', () => {
      it('gives the bidder its own records of a sealed tender, as the owner and regulators see them', async () => {
        const own = await read<Own>(bidderB1, 'getBidderRecords', tender.projectId, 'B1');
        expect(own.records.map((r) => r.step)).to.deep.equal(['BidderRegistered', 'BidCommitted']);
        expect(own).to.deep.equal(await read<Own>(platformA, 'getBidderRecords', tender.projectId, 'B1'));
        expect(own).to.deep.equal(await read<Own>(regulator, 'getBidderRecords', tender.projectId, 'B1'));
        const trail = await read<Trail>(regulator, 'getTrail', tender.projectId);
        expect(own.records).to.deep.equal(bidderRecords(trail.records, 'B1'));
      });

      describe("when a bidder asks for another bidder's records", () => {
        it('refuses with FORBIDDEN', async () => {
          await expectRefusal(host.evaluate(bidderB2, 'getBidderRecords', tender.projectId, 'B1'), 'FORBIDDEN');
        });
      });

      describe('before the opening, for anyone else', () => {
        it("refuses with FORBIDDEN: another platform, and a bidder attribute from another organisation's CA", async () => {
          await expectRefusal(host.evaluate(platformB, 'getBidderRecords', tender.projectId, 'B1'), 'FORBIDDEN');
          await expectRefusal(host.evaluate(foreignBidderB1, 'getBidderRecords', tender.projectId, 'B1'), 'FORBIDDEN');
        });
      });

      describe('after the opening', () => {
        it("counts the opening that names the bid among the bidder's records, for everyone", async () => {
          await tender.registerBidder('B3');
          await tender.commit('B3', 92_000_000);
          await tender.appointCommittee();
          await tender.reachOpening();
          await tender.open();
          const own = await read<Own>(otherCity, 'getBidderRecords', tender.projectId, 'B1');
          expect(own.records.map((r) => r.step)).to.deep.equal(['BidderRegistered', 'BidCommitted', 'BidsOpened']);
        });
      });
    });

    describe('getBidderBids', () => {
      it('gives a bidder its records across projects, and a regulator the same', async () => {
        const second = Tender.onHost(host, platformB);
        await second.register();
        await second.registerBidder('B1');
        await second.commit('B1', 93_000_000);
        const mine = await read<Bids>(bidderB1, 'getBidderBids', 'B1');
        expect(mine.bids.map((b) => b.projectId).sort()).to.deep.equal([tender.projectId, second.projectId].sort());
        for (const bid of mine.bids) expect(bid.records.map((r) => r.step)).to.deep.equal(['BidderRegistered', 'BidCommitted']);
        expect(JSON.stringify(mine)).to.not.include('"B2"');
        expect(await read<Bids>(regulator, 'getBidderBids', 'B1')).to.deep.equal(mine);
      });

      describe('for anyone but that bidder and regulators', () => {
        it('refuses with FORBIDDEN', async () => {
          await expectRefusal(host.evaluate(bidderB2, 'getBidderBids', 'B1'), 'FORBIDDEN');
          await expectRefusal(host.evaluate(platformA, 'getBidderBids', 'B1'), 'FORBIDDEN');
        });
      });
    });

    describe('an identity that speaks for a bidder', () => {
      it('writes nothing: READ_ONLY_IDENTITY', async () => {
        await expectRefusal(
          host.submit(bidderB1, 'notary:notariseDocument', JSON.stringify({ sha256: doc('b'), kind: 'x' })),
          'READ_ONLY_IDENTITY',
        );
        await expectRefusal(
          host.submit(bidderB1, 'commitBid', tender.projectId, JSON.stringify({ bidderId: 'B1', commitment: doc('c') })),
          'READ_ONLY_IDENTITY',
        );
      });
    });
  });
}

describe('isBidderProxy (Fabric: who may name a bidder in transient data)', () => {
  const ctxOf = (mspId: string, id: string) => ({ clientIdentity: { getMSPID: () => mspId, getID: () => id } }) as unknown as Context;
  const user5 =
    'x509::/C=US/ST=California/L=San Francisco/OU=client/CN=User5@tradingcentre.tender.local::/C=US/ST=California/L=San Francisco/O=tradingcentre.tender.local/CN=ca.tradingcentre.tender.local';
  const env = { TENDER_BIDDER_PROXIES: 'TradingCentreMSP/User5@tradingcentre.tender.local' };

  it('trusts only an identity listed by MSP and common name in TENDER_BIDDER_PROXIES', () => {
    expect(isBidderProxy(ctxOf('TradingCentreMSP', user5), env)).to.equal(true);
    expect(isBidderProxy(ctxOf('OtherCityMSP', user5), env)).to.equal(false);
    expect(isBidderProxy(ctxOf('TradingCentreMSP', user5.replace('CN=User5@', 'CN=User4@')), env)).to.equal(false);
    // The issuer's common name is not the caller's.
    expect(
      isBidderProxy(ctxOf('TradingCentreMSP', user5), { TENDER_BIDDER_PROXIES: 'TradingCentreMSP/ca.tradingcentre.tender.local' }),
    ).to.equal(false);
  });

  it('trusts nobody when the list is empty or unset', () => {
    expect(isBidderProxy(ctxOf('TradingCentreMSP', user5), {})).to.equal(false);
    expect(isBidderProxy(ctxOf('TradingCentreMSP', user5), { TENDER_BIDDER_PROXIES: ' , ' })).to.equal(false);
  });
});
