import { expect } from 'chai';
import { AuthError, verifyReceipt } from '@tender-ledger/client-sdk';
import type { LedgerRecord } from '@tender-ledger/domain';
import { present } from '../helpers/assert.js';
import { RUN, onEachBackend } from '../helpers/http-suite.js';
import { Tender } from '../helpers/tender.js';
import { expectRefusal, refusal } from '../helpers/refusal.js';

onEachBackend((s) => {
  /** A project in bidding with bidder B1's sealed bid. */
  async function biddingProject(): Promise<Tender<'http'>> {
    const tender = Tender.overHttp(s.t, s.platform);
    await tender.register();
    await tender.bid('B1', 90_000_000);
    return tender;
  }

  describe('GET /v1/projects/:projectId/trail', () => {
    it('gives a regulator the whole trail, sealed bids included', async () => {
      const tender = await biddingProject();
      const trail = await s.regulator.getTrail(tender.projectId);
      expect(trail.complete).to.equal(true);
      expect(trail.records.map((r) => r.step)).to.include('BidCommitted');
    });

    it('gives a bidder the public view of a sealed tender, with the chain check of the whole trail', async () => {
      const tender = await biddingProject();
      const bidder = await s.t.client('bidder', 'B1');
      const trail = await bidder.getTrail(tender.projectId);
      expect(trail).to.include({ complete: false, chainValid: true });
    });

    describe('without a token', () => {
      it('answers 401 UNAUTHENTICATED, which the SDK types as an AuthError', async () => {
        const tender = await biddingProject();
        await expectRefusal(s.anonymous.getTrail(tender.projectId), 'UNAUTHENTICATED');
        expect((await refusal(s.anonymous.getTrail('X'))).error).to.be.instanceOf(AuthError);
      });
    });
  });

  describe('GET /v1/projects/:projectId', () => {
    describe('without a token', () => {
      it('answers 401 UNAUTHENTICATED', async () => {
        const tender = await biddingProject();
        await expectRefusal(s.anonymous.getProject(tender.projectId), 'UNAUTHENTICATED');
      });
    });
  });

  describe('GET /v1/projects/:projectId/bidders/:bidderId/records', () => {
    it("gives a regulator the bidder's records", async () => {
      const tender = await biddingProject();
      const own = await s.regulator.bidderRecords(tender.projectId, 'B1');
      expect(own.records.map((r) => r.step)).to.deep.equal(['BidderRegistered', 'BidCommitted']);
    });

    it('gives a bidder its own records, sealed commitment included', async () => {
      const tender = await biddingProject();
      const bidder = await s.t.client('bidder', 'B1');
      const own = await bidder.bidderRecords(tender.projectId, 'B1');
      expect(own.records.map((r) => r.step)).to.deep.equal(['BidderRegistered', 'BidCommitted']);
      expect((own.records[1] as LedgerRecord<'BidCommitted'>).payload.commitment).to.equal(tender.bids.get('B1')?.commitment);
    });

    describe('when the caller is another bidder or a platform that does not own the project', () => {
      it('answers 403 FORBIDDEN', async () => {
        const tender = await biddingProject();
        const bidder = await s.t.client('bidder', 'B1');
        await expectRefusal(bidder.bidderRecords(tender.projectId, 'B2'), 'FORBIDDEN');
        await expectRefusal(s.otherPlatform.bidderRecords(tender.projectId, 'B1'), 'FORBIDDEN');
      });
    });
  });

  describe('GET /v1/projects', () => {
    it('lists projects with their status, filterable by category and status', async () => {
      const { t } = s;
      const tender = Tender.overHttp(t, s.platform);
      await tender.register({ category: `roads-${RUN}` });
      const listed = (await (
        await fetch(`${t.url}/v1/projects?category=roads-${RUN}`, {
          headers: { authorization: `Bearer ${await t.token('regulator', 'supervision-bureau')}` },
        })
      ).json()) as { projects: { projectId: string; status: string }[] };
      expect(listed.projects).to.deep.equal([{ ...listed.projects[0], projectId: tender.projectId, status: 'bidding' }]);
      const none = (await (
        await fetch(`${t.url}/v1/projects?category=roads-${RUN}&status=contracted`, {
          headers: { authorization: `Bearer ${await t.token('regulator', 'supervision-bureau')}` },
        })
      ).json()) as { projects: unknown[] };
      expect(none.projects).to.deep.equal([]);
    });
  });

  describe('GET /v1/records/:recordId', () => {
    describe('without a token', () => {
      it('shows the record publicly, without its block while the project is sealed; a regulator sees the block', async () => {
        const { record } = await Tender.overHttp(s.t, s.platform).register();
        const publicRecord = (await (await fetch(`${s.t.url}/v1/records/${record.recordId}`)).json()) as {
          hash: string;
          blockNumber: number;
          blockHash: string;
        };
        expect(publicRecord.hash).to.equal(record.hash);
        expect(publicRecord).to.not.have.property('blockNumber'); // sealed project: no block until the opening
        const regulatorView = (await (
          await fetch(`${s.t.url}/v1/records/${record.recordId}`, {
            headers: { authorization: `Bearer ${await s.t.token('regulator', 'supervision-bureau')}` },
          })
        ).json()) as { blockNumber: number; blockHash: string };
        expect(regulatorView.blockNumber).to.be.a('number');
        expect(regulatorView.blockHash).to.be.a('string');
      });
    });
  });

  describe('GET /v1/bidders/:bidderId/bids', () => {
    it("gives a bidder its bids across projects with a receipt for each commitment, and nobody else's", async () => {
      const { t, platform, otherPlatform, anonymous } = s;
      const bidderId = `BIDDER-${RUN}`;
      const first = Tender.overHttp(t, platform);
      const second = Tender.overHttp(t, otherPlatform);
      await first.register();
      await second.register();
      await first.bid(bidderId, 90_000_000);
      await second.bid(bidderId, 91_000_000);
      await second.bid('SOMEONE-ELSE', 92_000_000);
      const bidderToken = await t.token('bidder', bidderId);
      const mine = (await (
        await fetch(`${t.url}/v1/bidders/${bidderId}/bids`, { headers: { authorization: `Bearer ${bidderToken}` } })
      ).json()) as { bids: { projectId: string; commitments: { record: LedgerRecord; receipt: string }[] }[] };
      expect(mine.bids.map((b) => b.projectId).sort()).to.deep.equal([first.projectId, second.projectId].sort());
      const jwks = await anonymous.jwks();
      for (const bid of mine.bids) {
        expect(bid.commitments).to.have.length(1);
        const { receipt, record } = present(bid.commitments[0], `the commitment to ${bid.projectId}`);
        expect((await verifyReceipt(receipt, jwks)).claims.recordId).to.equal(record.recordId);
      }
      expect(JSON.stringify(mine)).to.not.include('SOMEONE-ELSE');
      const other = await fetch(`${t.url}/v1/bidders/SOMEONE-ELSE/bids`, { headers: { authorization: `Bearer ${bidderToken}` } });
      expect(other.status).to.equal(403);
      const byPlatform = await fetch(`${t.url}/v1/bidders/${bidderId}/bids`, {
        headers: { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` },
      });
      expect(byPlatform.status).to.equal(403);
    });
  });
});
