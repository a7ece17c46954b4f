import { expect } from 'chai';
import {
  GENESIS_HASH,
  bidLeafData,
  checkChain,
  recordHash,
  sealRecord,
  type BidsOpenedPayload,
  type LedgerRecord,
} from '@tender-ledger/domain';
import { commitmentsRoot, verifyBidInclusion, type BidInclusionProof } from '@tender-ledger/client-sdk';
import { present } from '../helpers/assert.js';
import { HOSTS, type ContractHost } from '../helpers/hosts.js';
import { platformB } from '../helpers/identities.js';
import { expectRefusal } from '../helpers/refusal.js';
import { Tender, doc } from '../helpers/tender.js';

/** What a receipt asserts of a record (the claims `verifyBidInclusion` reads). */
const claimsOf = (record: LedgerRecord) => ({
  recordHash: record.hash,
  projectId: record.projectId,
  step: record.step,
  ledgerTime: record.txTime,
});

for (const hostFactory of HOSTS) {
  describe(`TenderContract bidder chains on ${hostFactory.name}`, function () {
    let host: ContractHost;
    let tender: Tender;

    beforeEach(async () => {
      host = await hostFactory.create();
      tender = Tender.onHost(host);
    });
    afterEach(async () => {
      await host.close();
    });

    async function inclusion(bidderId: string, t = tender): Promise<BidInclusionProof> {
      return JSON.parse(await host.evaluate(platformB, 'getBidInclusion', t.projectId, bidderId)) as BidInclusionProof;
    }

    describe('bidding without a shared head', () => {
      it('records concurrent registrations and bids of different bidders, each on its own chain, and leaves the project state alone', async () => {
        await tender.register();
        const bidders = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6'];
        const registered = await Promise.all(bidders.map((b) => tender.registerBidder(b)));
        const committed = await Promise.all(bidders.map((b) => tender.commit(b, 90_000_000)));
        for (const [i, b] of bidders.entries()) {
          const registration = present(registered[i], `${b}'s registration`);
          expect(registration).to.include({ bidderChain: b, seq: 1, prevHash: GENESIS_HASH });
          expect(committed[i]).to.include({ bidderChain: b, seq: 2, prevHash: registration.hash });
        }
        const status = await tender.status();
        // Bidding never wrote the project's state: its head is still the registration, the counts are derived.
        expect(status.head.seq).to.equal(1);
        expect(status).to.include({ bidders: 6, liveBids: 6 });
      });

      it('refuses a bid once the tender failed, from the close key alone (TENDER_FAILED)', async () => {
        await tender.register();
        await tender.registerBidder('B1');
        await tender.commit('B1', 1_000);
        await tender.reachOpening();
        await tender.open();
        await expectRefusal(tender.commit('B1', 2_000), 'TENDER_FAILED');
      });
    });

    describe('the opening seals the bidder chains', () => {
      let opening: LedgerRecord<'BidsOpened'>;
      beforeEach(async () => {
        await tender.register();
        for (const b of ['B1', 'B2', 'B3', 'B4']) await tender.registerBidder(b);
        await tender.commit('B1', 90_000_000);
        await tender.commit('B2', 91_000_000);
        await tender.commit('B2', 89_000_000); // supersedes
        await tender.commit('B3', 92_000_000);
        await tender.commit('B4', 93_000_000);
        await tender.withdraw('B4');
        await tender.appointCommittee();
        await tender.reachOpening();
        opening = (await tender.open(tender.reveals(['B4']))) as LedgerRecord<'BidsOpened'>;
      });

      it("names every bidder's head and the Merkle root over the live commitments, and the whole trail checks", async () => {
        const payload: BidsOpenedPayload = opening.payload;
        expect(payload.bidderHeads.map((h) => [h.bidderId, h.seq])).to.deep.equal([
          ['B1', 2],
          ['B2', 3],
          ['B3', 2],
          ['B4', 3],
        ]);
        expect(payload.commitmentCount).to.equal(3);
        const { records } = await tender.trail();
        expect(checkChain(records, commitmentsRoot)).to.deep.equal({ valid: true });
        const status = await tender.status();
        expect(status).to.include({ bidders: 4, liveBids: 3, openingRecordId: opening.recordId });
      });

      it('checkChain finds a bidder chain record dropped or added after the fact', async () => {
        const { records } = await tender.trail();
        const b2Last = present(records.filter((r) => r.bidderChain === 'B2').at(-1), "B2's last record");
        const dropped = records.filter((r) => r !== b2Last);
        expect(checkChain(dropped, commitmentsRoot).brokenAt?.reason).to.equal('bidderHeads');
        const { hash: _b2, ...b2Unsealed } = b2Last;
        const extra = sealRecord({
          ...b2Unsealed,
          recordId: 'forged',
          txId: 'forged',
          seq: b2Last.seq + 1,
          prevHash: b2Last.hash,
          payload: { bidderId: 'B2', commitment: doc('x') },
        });
        expect(checkChain([...records, extra], commitmentsRoot).brokenAt?.reason).to.equal('bidderHeads');
        // A forged root over the right heads is caught too.
        const { hash: _o, ...openingUnsealed } = opening;
        const forged = sealRecord({
          ...openingUnsealed,
          payload: { ...opening.payload, commitmentsRoot: commitmentsRoot([bidLeafData({ bidderId: 'B1', recordHash: doc('y') })]) },
        });
        const withForged = records.map((r) => (r.recordId === opening.recordId ? forged : r));
        expect(checkChain(withForged, commitmentsRoot).valid).to.equal(false);
      });

      it('gives each bidder a completeness proof its last receipt checks offline', async () => {
        const { records } = await tender.trail();
        const last = (b: string) => present(records.filter((r) => r.bidderChain === b).at(-1), `${b}'s last record`);
        for (const b of ['B1', 'B2', 'B3']) {
          const result = verifyBidInclusion(await inclusion(b), claimsOf(last(b)), b);
          expect(result, b).to.include({ included: true, live: true });
        }
        // B4 withdrew: the opening took its withdrawal as its last step, with no live bid.
        expect(verifyBidInclusion(await inclusion('B4'), claimsOf(last('B4')), 'B4')).to.include({ included: true, live: false });
        // B2's superseded commitment is not its last step: the opening's head says so.
        const superseded = present(
          records.find((r) => r.bidderChain === 'B2' && r.step === 'BidCommitted'),
          "B2's first commitment",
        );
        expect(verifyBidInclusion(await inclusion('B2'), claimsOf(superseded), 'B2')).to.include({
          included: false,
          reason: 'HEAD_DIFFERS',
        });
      });

      it("proves from the bidder's own receipt that an opening left its bid out", async () => {
        const { records } = await tender.trail();
        const b3 = present(records.filter((r) => r.bidderChain === 'B3').at(-1), "B3's last record");
        const proof = await inclusion('B3');
        // An opening that dropped B3's chain altogether.
        const { hash: _h, ...unsealedOpening } = opening;
        const forgedA = sealRecord({
          ...unsealedOpening,
          payload: {
            ...opening.payload,
            bidderHeads: opening.payload.bidderHeads.filter((h) => h.bidderId !== 'B3'),
            commitmentsRoot: commitmentsRoot(
              records
                .filter(
                  (r) =>
                    r.step === 'BidCommitted' &&
                    r.bidderChain !== 'B3' &&
                    r.bidderChain !== 'B4' &&
                    r === records.filter((x) => x.bidderChain === r.bidderChain).at(-1),
                )
                .map((r) => bidLeafData({ bidderId: present(r.bidderChain, `${r.recordId}'s bidder chain`), recordHash: r.hash })),
            ),
            commitmentCount: 2,
          },
        });
        expect(verifyBidInclusion({ ...proof, opening: forgedA }, claimsOf(b3), 'B3')).to.include({
          included: false,
          reason: 'BIDDER_LEFT_OUT',
        });
        // An opening that kept B3's head but left its commitment out of the root.
        const forgedB = sealRecord({
          ...unsealedOpening,
          payload: { ...opening.payload, commitmentsRoot: forgedA.payload.commitmentsRoot },
        });
        expect(verifyBidInclusion({ ...proof, opening: forgedB }, claimsOf(b3), 'B3')).to.include({
          included: false,
          reason: 'COMMITMENT_LEFT_OUT',
        });
        // And a proof served with an altered opening is refused outright.
        expect(
          verifyBidInclusion(
            { ...proof, opening: { ...opening, payload: { ...opening.payload, commitmentCount: 9 } } },
            claimsOf(b3),
            'B3',
          ),
        ).to.include({ included: false, reason: 'OPENING_ALTERED' });
      });
    });

    it('has no completeness proof before the opening (NOT_OPENED)', async () => {
      await tender.register();
      await tender.registerBidder('B1');
      await expectRefusal(inclusion('B1'), 'NOT_OPENED');
    });

    describe('privacy before the opening: the attacker counts nothing', () => {
      it("a bidder's own sequence numbers are the same whether it bids first or after five others", async () => {
        const alone = Tender.onHost(host);
        await alone.register();
        const soloReg = await alone.registerBidder('B9');
        const soloBid = await alone.commit('B9', 1_000);
        await tender.register();
        for (const b of ['B1', 'B2', 'B3', 'B4', 'B5']) {
          await tender.registerBidder(b);
          await tender.commit(b, 1_000);
        }
        const lateReg = await tender.registerBidder('B9');
        const lateBid = await tender.commit('B9', 1_000);
        expect([lateReg.seq, lateBid.seq]).to.deep.equal([soloReg.seq, soloBid.seq]);
        expect([lateReg.prevHash, lateBid.prevHash]).to.deep.equal([GENESIS_HASH, lateReg.hash]);
      });

      it("brute-forcing a public record's hash over sequence numbers finds the same position with 0 or 5 sealed bids", async () => {
        async function recoveredSeq(sealedBids: number): Promise<number> {
          const t = Tender.onHost(host);
          const registered = await t.register();
          for (let i = 1; i <= sealedBids; i++) {
            await t.registerBidder(`B${i}`);
            await t.commit(`B${i}`, 1_000);
          }
          const notice = await t.notarise({ sha256: doc(`clarification ${t.projectId}`), kind: 'clarification' });
          // The attacker sees the public trail: no sealed record, and public records without seq.
          const trail = await t.trail(platformB);
          const view = trail.records.find((r) => r.recordId === notice.recordId) as Partial<LedgerRecord>;
          expect(view.seq).to.equal(undefined);
          expect(trail.records.map((r) => r.step)).to.deep.equal(['ProjectRegistered', 'DocumentNotarised']);
          for (let seq = 1; seq <= 50; seq++) {
            const guess = { ...notice, seq, prevHash: registered.hash };
            if (recordHash(guess) === view.hash) return seq;
          }
          return -1;
        }
        // The project chain holds only public steps: its positions count public records, never bids.
        expect(await recoveredSeq(0)).to.equal(2);
        expect(await recoveredSeq(5)).to.equal(2);
      });

      it('shows the public no bidder chain field, no counts and no head before the opening', async () => {
        await tender.register();
        await tender.registerBidder('B1');
        const committed = await tender.commit('B1', 1_000);
        const found = JSON.parse(await host.evaluate(platformB, 'findByHash', committed.payload.commitment)) as {
          records: Record<string, unknown>[];
        };
        expect(found.records[0]).to.not.have.any.keys('bidderChain', 'seq', 'prevHash');
        const status = JSON.parse(await host.evaluate(platformB, 'getProjectStatus', tender.projectId)) as Record<string, unknown>;
        expect(status).to.not.have.any.keys('bidders', 'liveBids', 'head');
      });
    });
  });
}
