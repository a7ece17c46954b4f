import { expect } from 'chai';
import {
  GENESIS_HASH,
  bidCommitment,
  checkChain,
  type BidAwardedPayload,
  type LedgerRecord,
  type PublicProjectStatus,
} from '@tender-ledger/domain';
import { commitmentsRoot } from '@tender-ledger/client-sdk';
import { present } from '../helpers/assert.js';
import { DAY, HOUR } from '../helpers/clock.js';
import { HOSTS, type ContractHost } from '../helpers/hosts.js';
import { otherCity, platformA, platformB, regulator } from '../helpers/identities.js';
import { expectRefusal } from '../helpers/refusal.js';
import { COMMITTEE, DEPOSIT, ESTIMATED_PRICE, Tender, doc, sealedBid } from '../helpers/tender.js';

for (const hostFactory of HOSTS) {
  describe(`TenderContract on ${hostFactory.name}`, function () {
    let host: ContractHost;
    let tender: Tender;

    beforeEach(async () => {
      host = await hostFactory.create();
      tender = Tender.onHost(host);
    });
    afterEach(async () => {
      await host.close();
    });

    describe('registerProject', () => {
      it('records the project as the first link of its chain, at ledger time', async () => {
        const before = host.clock.nowMs();
        const record = await tender.register();
        const after = host.clock.nowMs();
        expect(record).to.include({ step: 'ProjectRegistered', projectId: tender.projectId, seq: 1, prevHash: GENESIS_HASH });
        expect(record.recordId).to.equal(record.txId);
        expect(record.actor).to.deep.equal(await host.actorOf(platformA));
        expect(record.actor.mspId).to.equal('TradingCentreMSP');
        expect(Date.parse(record.txTime)).to.be.within(before, after);
        expect((await tender.status()).status).to.equal('bidding');
      });

      it('refuses a duplicate project id with PROJECT_EXISTS', async () => {
        await tender.register();
        await expectRefusal(tender.register(), 'PROJECT_EXISTS');
      });

      it('accepts a deposit of exactly 2% and refuses one fen more with DEPOSIT_ABOVE_LIMIT (IR art. 26)', async () => {
        await expectRefusal(tender.register({ depositAmount: ESTIMATED_PRICE / 50 + 1 }), 'DEPOSIT_ABOVE_LIMIT');
        await tender.register({ depositAmount: ESTIMATED_PRICE / 50 });
      });

      it('accepts opening at the deadline and refuses opening before it with OPENING_BEFORE_DEADLINE (BL art. 34)', async () => {
        // Both instants from one reading: on Fabric's real clock two readings are apart.
        const deadlineMs = host.clock.nowMs() + 3 * DAY;
        const bidDeadline = new Date(deadlineMs).toISOString();
        await expectRefusal(
          tender.register({ bidDeadline, openingTime: new Date(deadlineMs - 1).toISOString() }),
          'OPENING_BEFORE_DEADLINE',
        );
        await tender.register({ bidDeadline, openingTime: bidDeadline });
      });

      it('refuses a bid deadline already past with BID_DEADLINE_PASSED', async () => {
        const nowMs = host.clock.nowMs();
        await expectRefusal(
          tender.register({ bidDeadline: new Date(nowMs).toISOString(), openingTime: new Date(nowMs + HOUR).toISOString() }),
          'BID_DEADLINE_PASSED',
        );
      });

      it('refuses bad input with INVALID_ARGUMENT naming every bad field', async () => {
        const request = { ...tender.projectRequest(), estimatedPrice: 1000.5, tenderDocSha256: 'ABC', extra: 1 };
        const { message } = await expectRefusal(host.submit(platformA, 'registerProject', JSON.stringify(request)), 'INVALID_ARGUMENT');
        expect(message).to.include('/estimatedPrice').and.include('/tenderDocSha256');
        await expectRefusal(host.submit(platformA, 'registerProject', '{not json'), 'INVALID_ARGUMENT');
        await expectRefusal(tender.register({ bidDeadline: '2026-13-01T00:00:00Z' }), 'INVALID_ARGUMENT');
      });

      it('refuses a deadline or opening time that is no real instant with INVALID_ARGUMENT (2026-02-30, T24:00:00, T23:60:00, :60Z)', async () => {
        const year = new Date(host.clock.nowMs() + 400 * DAY).getUTCFullYear();
        for (const impossible of [
          `${year}-02-30T10:00:00Z`,
          `${year}-04-31T10:00:00+08:00`,
          `${year}-06-01T24:00:00Z`,
          `${year}-06-01T23:60:00Z`,
          `${year}-06-01T23:59:60Z`,
          `${year}-06-01T10:00:00+24:00`,
        ]) {
          const { message } = await expectRefusal(
            tender.register({ bidDeadline: impossible, openingTime: `${year}-07-01T10:00:00Z` }),
            'INVALID_ARGUMENT',
          );
          expect(message, impossible).to.include('/bidDeadline');
          await expectRefusal(tender.register({ bidDeadline: `${year}-06-01T10:00:00Z`, openingTime: impossible }), 'INVALID_ARGUMENT');
        }
        await tender.register({ bidDeadline: `${year}-06-01T23:59:59.999Z`, openingTime: `${year}-06-02T08:00:00+08:00` });
      });

      it('refuses a lone surrogate or a NUL in free text with INVALID_ARGUMENT naming the field (RFC 8785 cannot canonicalise it)', async () => {
        const bad = { ...tender.projectRequest(), name: 'road \ud800 works', tenderer: 'city\u0000office', category: '\udc00' };
        const { message } = await expectRefusal(host.submit(platformA, 'registerProject', JSON.stringify(bad)), 'INVALID_ARGUMENT');
        expect(message).to.include('/name').and.include('/tenderer').and.include('/category').and.include('RFC 8785');
        await tender.register({ name: '市政道路改造工程 🚧' });
      });

      it('refuses a regulator with READ_ONLY_IDENTITY', async () => {
        await expectRefusal(tender.register({}, regulator), 'READ_ONLY_IDENTITY');
      });
    });

    describe('registerBidder', () => {
      beforeEach(() => tender.register());

      it('records a cash deposit and a guarantee letter', async () => {
        const cash = await tender.registerBidder('B1');
        expect(cash.payload).to.deep.equal({ bidderId: 'B1', deposit: { form: 'cash', amount: DEPOSIT } });
        const letter = {
          form: 'guarantee' as const,
          amount: DEPOSIT,
          issuer: 'Bank of Guizhou',
          reference: 'BG-2026-0042',
          docSha256: doc('letter'),
        };
        const guarantee = await tender.registerBidder('B2', letter);
        expect(guarantee.payload.deposit).to.deep.equal(letter);
        // Each bidder's steps form its own chain: its seq says nothing about other bidders.
        expect(guarantee).to.include({ bidderChain: 'B2', seq: 1, prevHash: GENESIS_HASH });
        expect(cash).to.include({ bidderChain: 'B1', seq: 1, prevHash: GENESIS_HASH });
      });

      it('refuses another platform with NOT_PROJECT_OWNER, and an unknown project with PROJECT_NOT_FOUND', async () => {
        await expectRefusal(tender.registerBidder('B1', undefined, platformB), 'NOT_PROJECT_OWNER');
        await expectRefusal(tender.registerBidder('B1', undefined, otherCity), 'NOT_PROJECT_OWNER');
        await expectRefusal(Tender.onHost(host, platformA, 'NO-SUCH').registerBidder('B1'), 'PROJECT_NOT_FOUND');
      });

      it('refuses the same bidder twice with BIDDER_EXISTS', async () => {
        await tender.registerBidder('B1');
        await expectRefusal(tender.registerBidder('B1'), 'BIDDER_EXISTS');
      });

      it('refuses a deposit below the required amount with DEPOSIT_INSUFFICIENT, above 2% with DEPOSIT_ABOVE_LIMIT', async () => {
        await expectRefusal(tender.registerBidder('B1', { form: 'cash', amount: DEPOSIT - 1 }), 'DEPOSIT_INSUFFICIENT');
        await expectRefusal(tender.registerBidder('B1', { form: 'cash', amount: DEPOSIT + 1 }), 'DEPOSIT_ABOVE_LIMIT');
      });

      it('refuses registration at or after the deadline with REGISTRATION_AFTER_DEADLINE', async () => {
        await tender.passDeadline();
        await expectRefusal(tender.registerBidder('B1'), 'REGISTRATION_AFTER_DEADLINE');
      });
    });

    describe('commitBid', () => {
      beforeEach(async () => {
        await tender.register();
        await tender.registerBidder('B1');
      });

      it('records only the commitment: no price, no bid file', async () => {
        const record = await tender.commit('B1', 88_000_000);
        expect(record.payload).to.deep.equal({ bidderId: 'B1', commitment: tender.bids.get('B1')?.commitment });
        expect(JSON.stringify(record)).to.not.include('88000000');
      });

      it('lets a later commitment before the deadline supersede the earlier one (BL art. 29)', async () => {
        const first = await tender.commit('B1', 90_000_000);
        const second = await tender.commit('B1', 85_000_000);
        expect(second.payload.supersedes).to.equal(first.recordId);
        expect((await tender.status()).liveBids).to.equal(1);
      });

      it('accepts a commitment just before the deadline (1 ms on a moved clock) and refuses one at the deadline with BID_AFTER_DEADLINE (BL art. 28)', async () => {
        await host.clock.reach(tender.deadline - host.clock.tick());
        await tender.commit('B1', 90_000_000);
        await host.clock.reach(tender.deadline);
        await expectRefusal(tender.commit('B1', 80_000_000), 'BID_AFTER_DEADLINE');
      });

      it('refuses an unregistered bidder with BIDDER_NOT_REGISTERED', async () => {
        await expectRefusal(tender.commit('B9', 90_000_000), 'BIDDER_NOT_REGISTERED');
      });

      it('refuses a commitment after withdrawal with BID_WITHDRAWN', async () => {
        await tender.commit('B1', 90_000_000);
        await tender.withdraw('B1');
        await expectRefusal(tender.commit('B1', 80_000_000), 'BID_WITHDRAWN');
      });

      it('refuses a commitment that is not 64 lowercase hex characters with INVALID_ARGUMENT', async () => {
        const request = JSON.stringify({ bidderId: 'B1', commitment: 'A'.repeat(64) });
        await expectRefusal(host.submit(platformA, 'commitBid', tender.projectId, request), 'INVALID_ARGUMENT');
      });
    });

    describe('withdrawBid', () => {
      beforeEach(async () => {
        await tender.register();
        await tender.registerBidder('B1');
      });

      it('records a withdrawal before the deadline, naming the commitment it withdraws', async () => {
        const committed = await tender.commit('B1', 90_000_000);
        const withdrawn = await tender.withdraw('B1');
        expect(withdrawn.payload).to.deep.equal({ bidderId: 'B1', commitmentRecordId: committed.recordId });
        expect((await tender.status()).liveBids).to.equal(0);
      });

      it('refuses a withdrawal at the deadline with WITHDRAWAL_AFTER_DEADLINE', async () => {
        await tender.commit('B1', 90_000_000);
        await tender.passDeadline();
        await expectRefusal(tender.withdraw('B1'), 'WITHDRAWAL_AFTER_DEADLINE');
      });

      it('refuses a bidder with no bid with BID_NOT_FOUND, and a second withdrawal with BID_WITHDRAWN', async () => {
        await expectRefusal(tender.withdraw('B1'), 'BID_NOT_FOUND');
        await tender.commit('B1', 90_000_000);
        await tender.withdraw('B1');
        await expectRefusal(tender.withdraw('B1'), 'BID_WITHDRAWN');
      });
    });

    describe('closeBidding', () => {
      beforeEach(async () => {
        await tender.register();
        await tender.registerBidder('B1');
        await tender.commit('B1', 90_000_000);
      });

      it('refuses before the deadline with BIDDING_STILL_OPEN, closes at it, and refuses a second close with BIDDING_ALREADY_CLOSED', async () => {
        await expectRefusal(tender.closeBidding(), 'BIDDING_STILL_OPEN');
        await tender.passDeadline();
        const closed = await tender.closeBidding();
        expect(closed).to.include({ step: 'BiddingClosed', seq: 2 }); // bidding steps are on the bidders' chains
        expect(closed.payload).to.deep.equal({ bidDeadline: new Date(tender.deadline).toISOString() });
        expect((await tender.status()).biddingClosedAt).to.equal(closed.txTime);
        await expectRefusal(tender.closeBidding(), 'BIDDING_ALREADY_CLOSED');
      });

      it('after the close refuses registration, commitment and withdrawal, naming the close', async () => {
        await tender.passDeadline();
        const closed = await tender.closeBidding();
        for (const [attempt, code] of [
          [() => tender.registerBidder('B2'), 'REGISTRATION_AFTER_DEADLINE'],
          [() => tender.commit('B1', 80_000_000), 'BID_AFTER_DEADLINE'],
          [() => tender.withdraw('B1'), 'WITHDRAWAL_AFTER_DEADLINE'],
        ] as const) {
          expect((await expectRefusal(attempt(), code)).message).to.include(`bidding closed at ${closed.txTime}`);
        }
      });

      it('lets a regulator close bidding (it has the interest when the platform holds a proposal back), and refuses another platform with NOT_PROJECT_OWNER', async () => {
        await tender.passDeadline();
        await expectRefusal(tender.closeBidding(platformB), 'NOT_PROJECT_OWNER');
        const closed = await tender.closeBidding(regulator);
        expect(closed.actor).to.deep.equal(await host.actorOf(regulator));
      });

      it('leaves the opening to go on after the close, keeping the close time', async () => {
        for (const bidderId of ['B2', 'B3']) {
          await tender.registerBidder(bidderId);
          await tender.commit(bidderId, 91_000_000);
        }
        await tender.appointCommittee();
        await tender.passDeadline();
        const closed = await tender.closeBidding();
        await tender.reachOpening();
        expect((await tender.open()).step).to.equal('BidsOpened');
        expect((await tender.status()).biddingClosedAt).to.equal(closed.txTime);
      });

      it('is done by the opening when nobody closed bidding at the deadline; a close after it is BIDDING_ALREADY_CLOSED', async () => {
        await tender.reachOpening();
        const failed = await tender.open();
        expect((await tender.status()).biddingClosedAt).to.equal(failed.txTime);
        await expectRefusal(tender.closeBidding(), 'BIDDING_ALREADY_CLOSED');
        await expectRefusal(tender.commit('B1', 80_000_000), 'TENDER_FAILED');
      });
    });

    describe('openBids', () => {
      it('refuses before the opening time with OPENING_TOO_EARLY (BL art. 34), and opens at it', async () => {
        await tender.register();
        for (const bidderId of ['B1', 'B2', 'B3']) {
          await tender.registerBidder(bidderId);
          await tender.commit(bidderId, 90_000_000);
        }
        await tender.appointCommittee();
        await host.clock.reach(tender.openingTime - host.clock.tick());
        await expectRefusal(tender.open(), 'OPENING_TOO_EARLY');
        await tender.reachOpening();
        const opened = await tender.open();
        expect(opened.step).to.equal('BidsOpened');
      });

      it('checks each reveal against the last commitment; a mismatch or a missing reveal invalidates only that bid', async () => {
        await tender.register();
        for (const bidderId of ['B1', 'B2', 'B3', 'B4']) await tender.registerBidder(bidderId);
        await tender.commit('B1', 90_000_000);
        await tender.commit('B1', 89_000_000); // supersedes: only this one may be opened
        await tender.commit('B2', 91_000_000);
        await tender.commit('B3', 92_000_000);
        await tender.commit('B4', 93_000_000);
        await tender.appointCommittee();
        await tender.reachOpening();
        const reveals = tender.reveals(['B4']).map((r) => (r.bidderId === 'B3' ? { ...r, price: r.price - 1 } : r));
        const opened = (await tender.open(reveals)) as LedgerRecord<'BidsOpened'>;
        const outcomes = Object.fromEntries(opened.payload.bids.map((b) => [b.bidderId, b.outcome]));
        expect(outcomes).to.deep.equal({ B1: 'VALID', B2: 'VALID', B3: 'REVEAL_MISMATCH', B4: 'NOT_REVEALED' });
        const b1 = opened.payload.bids.find((b) => b.bidderId === 'B1');
        expect(b1).to.include({ price: 89_000_000, salt: tender.bids.get('B1')?.salt });
        expect(
          bidCommitment({
            projectId: tender.projectId,
            ...present(
              tender.reveals().find((r) => r.bidderId === 'B1'),
              "B1's reveal",
            ),
          }),
        ).to.equal(b1?.commitment);
        expect((await tender.status()).status).to.equal('opened');
      });

      it('refuses to open the earlier, superseded bid: it counts as a mismatch', async () => {
        await tender.register();
        for (const bidderId of ['B1', 'B2', 'B3']) await tender.registerBidder(bidderId);
        await tender.commit('B1', 90_000_000);
        const stale = present(
          tender.reveals().find((r) => r.bidderId === 'B1'),
          "B1's reveal",
        );
        await tender.commit('B1', 80_000_000);
        await tender.commit('B2', 91_000_000);
        await tender.commit('B3', 92_000_000);
        await tender.appointCommittee();
        await tender.reachOpening();
        const opened = (await tender.open([stale, ...tender.reveals(['B1'])])) as LedgerRecord<'BidsOpened'>;
        expect(opened.payload.bids.find((b) => b.bidderId === 'B1')?.outcome).to.equal('REVEAL_MISMATCH');
      });

      it('with fewer than 3 live bids records a failed tender (流标) without opening any seal (IR art. 44)', async () => {
        await tender.register();
        for (const bidderId of ['B1', 'B2', 'B3']) {
          await tender.registerBidder(bidderId);
          await tender.commit(bidderId, 90_000_000);
        }
        await tender.withdraw('B3');
        await tender.reachOpening();
        const failed = await tender.open(tender.reveals(['B3']));
        expect(failed.step).to.equal('TenderFailed');
        expect(failed.payload).to.include({ reason: 'TOO_FEW_BIDS', liveBids: 2, minimumBids: 3, commitmentCount: 2 });
        // The failed tender seals the bidder chains too: all three heads, the two live commitments.
        expect((failed as LedgerRecord<'TenderFailed'>).payload.bidderHeads.map((h) => [h.bidderId, h.seq])).to.deep.equal([
          ['B1', 2],
          ['B2', 2],
          ['B3', 3],
        ]);
        expect(JSON.stringify(failed)).to.not.include(present(tender.bids.get('B1'), "B1's bid").salt);
        expect((await tender.status()).status).to.equal('failed');
      });

      it('after a failed tender refuses every step but documents (and deposit returns) with TENDER_FAILED', async () => {
        await tender.register();
        await tender.registerBidder('B1');
        await tender.commit('B1', 90_000_000);
        await tender.reachOpening();
        await tender.open();
        await expectRefusal(tender.open(), 'TENDER_FAILED');
        await expectRefusal(tender.registerBidder('B2'), 'TENDER_FAILED');
        await expectRefusal(tender.commit('B1', 1), 'TENDER_FAILED');
        await expectRefusal(tender.score('E1', [{ bidderId: 'B1', score: 9000 }]), 'TENDER_FAILED');
        await expectRefusal(tender.appointCommittee(), 'TENDER_FAILED');
        await expectRefusal(tender.award('B1'), 'TENDER_FAILED');
        await expectRefusal(tender.signContract(), 'TENDER_FAILED');
        const notice = await tender.notarise({ sha256: doc('re-tender announcement'), kind: 'announcement' });
        expect(notice.seq).to.equal(3);
        const released = await tender.release('B1');
        expect(released.payload).to.include({ basis: 'failedTender', amount: DEPOSIT });
      });

      it('refuses a reveal for a bidder with no live bid with REVEAL_WITHOUT_BID', async () => {
        await tender.throughBidding({ B1: 90_000_000, B2: 91_000_000, B3: 92_000_000 });
        const { commitment: _unused, ...ghost } = sealedBid(tender.projectId, 'B9', 1);
        await expectRefusal(tender.open([...tender.reveals(), ghost]), 'REVEAL_WITHOUT_BID');
      });

      it('refuses to open 3 or more live bids before a committee is appointed with COMMITTEE_NOT_APPOINTED (IR art. 46)', async () => {
        await tender.throughBidding({ B1: 90_000_000, B2: 91_000_000, B3: 92_000_000 }, null);
        await expectRefusal(tender.open(), 'COMMITTEE_NOT_APPOINTED');
        await tender.appointCommittee();
        expect((await tender.open()).step).to.equal('BidsOpened');
      });

      it('refuses a second opening with ALREADY_OPENED', async () => {
        await tender.throughOpening();
        await expectRefusal(tender.open(), 'ALREADY_OPENED');
      });
    });

    describe('appointCommittee', () => {
      beforeEach(async () => {
        await tender.register();
        for (const bidderId of ['B1', 'B2', 'B3']) {
          await tender.registerBidder(bidderId);
          await tender.commit(bidderId, 90_000_000);
        }
      });

      it('records the members and the hash of the expert draw record before the opening (IR art. 46)', async () => {
        const record = await tender.appointCommittee(['E7', 'E3', 'E5', 'E1', 'E9']);
        expect(record.step).to.equal('CommitteeAppointed');
        expect(record.payload).to.deep.equal({
          members: ['E7', 'E3', 'E5', 'E1', 'E9'],
          appointmentDocSha256: doc(`expert draw of ${tender.projectId}`),
        });
        expect(host.events.at(-1)?.name).to.equal('CommitteeAppointed');
      });

      it('refuses 4 members with COMMITTEE_TOO_SMALL, 6 with COMMITTEE_NOT_ODD (BL art. 37), a member twice with INVALID_ARGUMENT', async () => {
        await expectRefusal(tender.appointCommittee(COMMITTEE.slice(0, 4)), 'COMMITTEE_TOO_SMALL');
        await expectRefusal(tender.appointCommittee([...COMMITTEE, 'E6']), 'COMMITTEE_NOT_ODD');
        await expectRefusal(tender.appointCommittee(['E1', 'E1', 'E2', 'E3', 'E4']), 'INVALID_ARGUMENT');
        await tender.appointCommittee([...COMMITTEE, 'E6', 'E7']);
      });

      it('refuses a second appointment with COMMITTEE_EXISTS, and another platform with NOT_PROJECT_OWNER', async () => {
        await expectRefusal(tender.appointCommittee(COMMITTEE, platformB), 'NOT_PROJECT_OWNER');
        await tender.appointCommittee();
        await expectRefusal(tender.appointCommittee(['E11', 'E12', 'E13', 'E14', 'E15']), 'COMMITTEE_EXISTS');
      });

      it('refuses an appointment after the opening with COMMITTEE_AFTER_OPENING', async () => {
        await tender.appointCommittee();
        await tender.reachOpening();
        await tender.open();
        await expectRefusal(tender.appointCommittee(['E11', 'E12', 'E13', 'E14', 'E15']), 'COMMITTEE_AFTER_OPENING');
      });
    });

    describe('replaceCommitteeMember', () => {
      beforeEach(() => tender.throughOpening());

      it('replaces a member who has not scored, with the reason and its document (IR art. 48); only the newcomer then scores', async () => {
        await tender.score('E1', [{ bidderId: 'B1', score: 8000 }]);
        const record = await tender.replaceMember('E2', 'E6');
        expect(record.payload).to.deep.equal({
          memberId: 'E2',
          replacementId: 'E6',
          reason: 'E2 declared a conflict of interest',
          reasonDocSha256: doc('recusal of E2'),
        });
        expect(host.events.at(-1)?.name).to.equal('CommitteeMemberReplaced');
        await expectRefusal(tender.score('E2', [{ bidderId: 'B1', score: 8000 }]), 'NOT_COMMITTEE_MEMBER');
        await tender.scoreByCommittee(['E1'], () => 8000, ['B2', 'B3']);
        await tender.scoreByCommittee(['E3', 'E4', 'E5', 'E6'], () => 8000);
        const award = await tender.award('B1', { reason: 'tie broken by lowest price', reasonDocSha256: doc('tie minutes') });
        expect(award.payload.committee).to.deep.equal(['E1', 'E3', 'E4', 'E5', 'E6']);
      });

      it('refuses to replace a member who has scored with MEMBER_HAS_SCORED', async () => {
        await tender.score('E3', [{ bidderId: 'B2', score: 7000 }]);
        await expectRefusal(tender.replaceMember('E3', 'E6'), 'MEMBER_HAS_SCORED');
      });

      it('refuses a non-member with NOT_COMMITTEE_MEMBER, and a newcomer who is or was a member with ALREADY_COMMITTEE_MEMBER', async () => {
        await expectRefusal(tender.replaceMember('E9', 'E6'), 'NOT_COMMITTEE_MEMBER');
        await expectRefusal(tender.replaceMember('E1', 'E2'), 'ALREADY_COMMITTEE_MEMBER');
        await tender.replaceMember('E1', 'E6');
        await expectRefusal(tender.replaceMember('E2', 'E1'), 'ALREADY_COMMITTEE_MEMBER');
      });

      it('refuses a replacement without its reason document with INVALID_ARGUMENT, and one after the award with ALREADY_AWARDED', async () => {
        const request = JSON.stringify({ memberId: 'E1', replacementId: 'E6', reason: 'ill' });
        await expectRefusal(host.submit(platformA, 'replaceCommitteeMember', tender.projectId, request), 'INVALID_ARGUMENT');
        await tender.scoreByCommittee(COMMITTEE, (_e, b) => (b === 'B1' ? 9000 : 8000));
        await tender.award('B1');
        await expectRefusal(tender.replaceMember('E1', 'E6'), 'ALREADY_AWARDED');
      });

      it('refuses a replacement before any appointment with COMMITTEE_NOT_APPOINTED', async () => {
        const other = Tender.onHost(host);
        await other.register();
        await expectRefusal(other.replaceMember('E1', 'E6'), 'COMMITTEE_NOT_APPOINTED');
      });
    });

    describe('recordScores', () => {
      it('refuses before opening with NOT_OPENED', async () => {
        await tender.throughBidding({ B1: 90_000_000, B2: 91_000_000, B3: 92_000_000 });
        await expectRefusal(tender.score('E1', [{ bidderId: 'B1', score: 8000 }]), 'NOT_OPENED');
      });

      it('refuses a score for an invalid bid with SCORE_FOR_INVALID_BID (only valid opened bids are scored)', async () => {
        await tender.throughBidding({ B1: 90_000_000, B2: 91_000_000, B3: 92_000_000 });
        await tender.open(tender.reveals(['B3']));
        await expectRefusal(tender.score('E1', [{ bidderId: 'B3', score: 8000 }]), 'SCORE_FOR_INVALID_BID');
        await expectRefusal(tender.score('E1', [{ bidderId: 'B9', score: 8000 }]), 'SCORE_FOR_INVALID_BID');
        const scored = await tender.score('E1', [{ bidderId: 'B1', score: 8000 }]);
        expect(scored.payload.scores).to.deep.equal([{ bidderId: 'B1', score: 8000 }]);
      });

      it('refuses a second score by the same evaluator for the same bid with SCORE_DUPLICATE', async () => {
        await tender.throughOpening();
        await tender.score('E1', [{ bidderId: 'B1', score: 8000 }]);
        await expectRefusal(tender.score('E1', [{ bidderId: 'B1', score: 8500 }]), 'SCORE_DUPLICATE');
        await expectRefusal(
          tender.score('E2', [
            { bidderId: 'B2', score: 8500 },
            { bidderId: 'B2', score: 8600 },
          ]),
          'SCORE_DUPLICATE',
        );
        await tender.score('E1', [{ bidderId: 'B2', score: 7000 }]);
      });

      it('refuses an evaluator outside the appointed committee with NOT_COMMITTEE_MEMBER: evaluators cannot be added until the ranking suits', async () => {
        await tender.throughOpening();
        await tender.scoreByCommittee(COMMITTEE, (_e, b) => (b === 'B1' ? 8000 : 7000));
        await expectRefusal(
          tender.score('E6', [
            { bidderId: 'B2', score: 10_000 },
            { bidderId: 'B1', score: 0 },
            { bidderId: 'B3', score: 0 },
          ]),
          'NOT_COMMITTEE_MEMBER',
        );
        await expectRefusal(tender.score('E7', [{ bidderId: 'B2', score: 10_000 }]), 'NOT_COMMITTEE_MEMBER');
        const award = await tender.award('B1');
        expect(award.payload.ranking.map((r) => r.bidderId)).to.deep.equal(['B1', 'B2', 'B3']);
      });

      it('refuses a score that is not integer hundredths of a point from 0 to 10,000 with INVALID_ARGUMENT', async () => {
        await tender.throughOpening();
        for (const score of [43.78, -1, 10_001]) {
          await expectRefusal(tender.score('E1', [{ bidderId: 'B1', score }]), 'INVALID_ARGUMENT');
        }
        await tender.score('E1', [
          { bidderId: 'B1', score: 10_000 },
          { bidderId: 'B2', score: 0 },
        ]);
      });
    });

    describe('awardBid', () => {
      const scoreOf = (_e: string, bidderId: string) => (({ B1: 8000, B2: 9000, B3: 7000 }) as Record<string, number>)[bidderId] ?? 0;

      beforeEach(() => tender.throughOpening());

      it('refuses while a member has not scored every valid bid with SCORING_INCOMPLETE', async () => {
        await tender.scoreByCommittee(COMMITTEE.slice(0, 4), scoreOf);
        await expectRefusal(tender.award('B2'), 'SCORING_INCOMPLETE');
        await tender.score('E5', [
          { bidderId: 'B1', score: 8000 },
          { bidderId: 'B2', score: 9000 },
        ]);
        await expectRefusal(tender.award('B2'), 'SCORING_INCOMPLETE');
        await tender.score('E5', [{ bidderId: 'B3', score: 7000 }]);
        await tender.award('B2');
      });

      it('awards the first-ranked bid and records the ranking with integer totals, and the committee', async () => {
        await tender.scoreByCommittee(COMMITTEE, scoreOf);
        const award = await tender.award('B2');
        const payload: BidAwardedPayload = award.payload;
        expect(payload).to.include({ bidderId: 'B2', price: 95_000_000, firstRanked: true });
        expect(payload).to.not.have.property('tiedFirst');
        expect(payload.ranking).to.deep.equal([
          { rank: 1, bidderId: 'B2', price: 95_000_000, totalScore: 45_000, scoreCount: 5 },
          { rank: 2, bidderId: 'B1', price: 90_000_000, totalScore: 40_000, scoreCount: 5 },
          { rank: 3, bidderId: 'B3', price: 98_000_000, totalScore: 35_000, scoreCount: 5 },
        ]);
        expect(payload.committee).to.deep.equal(COMMITTEE);
        expect((await tender.status()).status).to.equal('awarded');
      });

      it('ranks exactly: the same scores in another order tie (float means give 43.78 and 43.779999999999994)', async () => {
        // Points 11.7, 94.6, 6, 20.6, 86 as hundredths. Summed as floats in these two orders the
        // means differ in the last bit, which would rank B1 above B2; as integers they are equal.
        const inOrder = [1170, 9460, 600, 2060, 8600];
        const reordered = [1170, 600, 2060, 9460, 8600];
        const points: Record<string, number[]> = { B1: inOrder, B2: reordered, B3: [1000, 1000, 1000, 1000, 1000] };
        await tender.scoreByCommittee(COMMITTEE, (e, b) => present(points[b]?.[COMMITTEE.indexOf(e)], `${e}'s points for ${b}`));
        await expectRefusal(tender.award('B1'), 'AWARD_TIE_NEEDS_REASON');
        await expectRefusal(tender.award('B2', { reason: 'lower price' }), 'AWARD_TIE_NEEDS_REASON');
        const award = await tender.award('B1', { reason: 'lower price among equal scores', reasonDocSha256: doc('tie-break minutes') });
        expect(award.payload.ranking.map((r) => [r.bidderId, r.rank, r.totalScore])).to.deep.equal([
          ['B1', 1, 21_890],
          ['B2', 1, 21_890],
          ['B3', 3, 5_000],
        ]);
        expect(award.payload).to.include({
          firstRanked: true,
          reason: 'lower price among equal scores',
          reasonDocSha256: doc('tie-break minutes'),
        });
        expect(award.payload.tiedFirst).to.deep.equal(['B1', 'B2']);
        expect(JSON.stringify(award.payload.ranking)).to.not.match(/\d\.\d/);
      });

      it('refuses another than the first-ranked without a reason and its document with AWARD_NOT_FIRST_RANKED (IR art. 55)', async () => {
        await tender.scoreByCommittee(COMMITTEE, scoreOf);
        await expectRefusal(tender.award('B1'), 'AWARD_NOT_FIRST_RANKED');
        await expectRefusal(tender.award('B1', { reason: 'B2 withdrew its offer' }), 'AWARD_NOT_FIRST_RANKED');
        const award = await tender.award('B1', { reason: 'B2 withdrew its offer', reasonDocSha256: doc('withdrawal letter') });
        expect(award.payload).to.include({ firstRanked: false, reason: 'B2 withdrew its offer' });
      });

      it('refuses an award to an invalid or unscored bid with AWARD_TO_UNSCORED_BID', async () => {
        await tender.scoreByCommittee(COMMITTEE, scoreOf);
        await expectRefusal(tender.award('B9'), 'AWARD_TO_UNSCORED_BID');
      });

      it('refuses a second award, and scores after the award, with ALREADY_AWARDED', async () => {
        await tender.scoreByCommittee(COMMITTEE, scoreOf);
        await tender.award('B2');
        await expectRefusal(tender.award('B2'), 'ALREADY_AWARDED');
        await expectRefusal(tender.score('E9', [{ bidderId: 'B1', score: 100 }]), 'ALREADY_AWARDED');
      });
    });

    describe('signContract', () => {
      it('refuses before the award with CONTRACT_BEFORE_AWARD, records it after, and refuses a second with CONTRACT_EXISTS', async () => {
        await tender.throughOpening();
        await expectRefusal(tender.signContract(), 'CONTRACT_BEFORE_AWARD');
        await tender.scoreByCommittee(COMMITTEE, (_e, b) => (b === 'B1' ? 9000 : 8000));
        await tender.award('B1');
        const contract = await tender.signContract();
        expect(contract.payload).to.deep.equal({ bidderId: 'B1', contractSha256: doc(`contract ${tender.projectId}`) });
        await expectRefusal(tender.signContract(), 'CONTRACT_EXISTS');
      });
    });

    describe('releaseDeposit', () => {
      it("releases a withdrawn bidder's deposit at once (IR art. 35)", async () => {
        await tender.register();
        await tender.registerBidder('B1');
        await tender.commit('B1', 90_000_000);
        await expectRefusal(tender.release('B1'), 'RELEASE_NOT_DUE');
        await tender.withdraw('B1');
        const released = await tender.release('B1');
        expect(released.payload).to.deep.equal({ bidderId: 'B1', form: 'cash', paid: DEPOSIT, amount: DEPOSIT, basis: 'withdrawal' });
      });

      it('releases losers after the award and the winner only after the contract (IR art. 57)', async () => {
        await tender.throughOpening();
        await tender.scoreByCommittee(COMMITTEE, (_e, b) => (b === 'B1' ? 9000 : 8000));
        await expectRefusal(tender.release('B2'), 'RELEASE_NOT_DUE');
        await tender.award('B1');
        expect((await tender.release('B2')).payload.basis).to.equal('award');
        await expectRefusal(tender.release('B1'), 'RELEASE_NOT_DUE');
        await tender.signContract();
        expect((await tender.release('B1')).payload.basis).to.equal('award');
      });

      it('refuses more than was paid with RELEASE_ABOVE_DEPOSIT and a second release with DEPOSIT_ALREADY_RELEASED', async () => {
        await tender.throughOpening();
        await tender.scoreByCommittee(COMMITTEE, (_e, b) => (b === 'B1' ? 9000 : 8000));
        await tender.award('B1');
        await expectRefusal(tender.release('B2', DEPOSIT + 1), 'RELEASE_ABOVE_DEPOSIT');
        await tender.release('B2', DEPOSIT - 100);
        await expectRefusal(tender.release('B2', 100), 'DEPOSIT_ALREADY_RELEASED');
        await expectRefusal(tender.release('B9'), 'BIDDER_NOT_REGISTERED');
      });
    });

    describe('notariseDocument (a standalone document: NotaryContract, notary:notariseDocument)', () => {
      it('records a standalone document for any platform, and refuses a regulator', async () => {
        const request = { sha256: doc('archive'), kind: 'archive', metadata: { title: '2025 archive' } };
        const record = JSON.parse(
          await host.submit(otherCity, 'notary:notariseDocument', JSON.stringify(request)),
        ) as LedgerRecord<'DocumentNotarised'>;
        expect(record).to.include({ projectId: null, seq: 1, prevHash: GENESIS_HASH, step: 'DocumentNotarised' });
        expect(record.payload).to.deep.equal(request);
        await expectRefusal(host.submit(regulator, 'notary:notariseDocument', JSON.stringify(request)), 'READ_ONLY_IDENTITY');
      });

      describe('with a projectId', () => {
        it("refuses with INVALID_ARGUMENT: a project's documents join its chain", async () => {
          await tender.register();
          await expectRefusal(
            host.submit(platformA, 'notary:notariseDocument', JSON.stringify({ sha256: doc('p'), kind: 'x', projectId: tender.projectId })),
            'INVALID_ARGUMENT',
          );
        });
      });
    });

    describe('notariseBatch (notary:notariseBatch)', () => {
      const hashesOf = (n: number, tag: string) => Array.from({ length: n }, (_, i) => doc(`${tag} ${i}`));
      const packed = (hashes: string[]) => Buffer.from(hashes.join(''), 'hex').toString('base64');
      type Found = { records: (LedgerRecord & { batchInclusion?: { index: number; size: number } })[] };

      it('takes the hashes packed (as the gateway sends them) or as hex, to the same Merkle root; each is found with its place', async () => {
        const hashes = hashesOf(300, `batch ${hostFactory.name}`);
        const asHex = JSON.parse(
          await host.submit(platformA, 'notary:notariseBatch', JSON.stringify({ hashes, kind: 'archive' })),
        ) as LedgerRecord<'BatchNotarised'>;
        const asPacked = JSON.parse(
          await host.submit(platformB, 'notary:notariseBatch', JSON.stringify({ packed: packed(hashes), kind: 'archive' })),
        ) as LedgerRecord<'BatchNotarised'>;
        expect(asPacked.payload).to.deep.equal(asHex.payload);
        expect(asPacked.payload.count).to.equal(300);
        const found = JSON.parse(await host.evaluate(otherCity, 'findByHash', present(hashes[299], 'hash 299'))) as Found;
        expect(found.records.map((r) => [r.recordId, r.batchInclusion?.index, r.batchInclusion?.size])).to.have.deep.members([
          [asHex.recordId, 299, 300],
          [asPacked.recordId, 299, 300],
        ]);
        // Another order is another batch: its root differs.
        const reordered = JSON.parse(
          await host.submit(
            platformA,
            'notary:notariseBatch',
            JSON.stringify({ packed: packed([...hashes.slice(1), present(hashes[0], 'hash 0')]), kind: 'archive' }),
          ),
        ) as LedgerRecord<'BatchNotarised'>;
        expect(reordered.payload.merkleRoot).to.not.equal(asHex.payload.merkleRoot);
      });

      it('refuses packed bytes that are not whole hashes, base64 that is not canonical, and a hash named twice (INVALID_ARGUMENT)', async () => {
        const [a, b] = hashesOf(2, `refused ${hostFactory.name}`).map((h) => Buffer.from(h, 'hex'));
        const submit = (text: string) => host.submit(platformA, 'notary:notariseBatch', JSON.stringify({ packed: text, kind: 'archive' }));
        const ab = Buffer.concat([present(a, 'a'), present(b, 'b')]);
        await expectRefusal(submit(ab.subarray(0, 63).toString('base64')), 'INVALID_ARGUMENT');
        // 64 bytes end in '==': the character before carries 2 bits and 4 that canonical base64 clears.
        const canonical = ab.toString('base64');
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        const last = alphabet.indexOf(canonical.charAt(canonical.length - 3));
        const loose = canonical.slice(0, -3) + alphabet.charAt(last | 1) + canonical.slice(-2);
        expect(Buffer.from(loose, 'base64').equals(ab)).to.equal(true);
        await expectRefusal(submit(loose), 'INVALID_ARGUMENT');
        await expectRefusal(submit(Buffer.concat([ab, present(a, 'a')]).toString('base64')), 'INVALID_ARGUMENT');
        expect(JSON.parse(await submit(canonical))).to.nested.include({ 'payload.count': 2 });
      });
    });

    describe("notariseDocument (a project's document: TenderContract)", () => {
      describe('without a projectId', () => {
        it('refuses with INVALID_ARGUMENT: a standalone document goes to the notary contract', async () => {
          await expectRefusal(
            host.submit(platformA, 'notariseDocument', JSON.stringify({ sha256: doc('s'), kind: 'x' })),
            'INVALID_ARGUMENT',
          );
        });
      });

      it('refuses a lone surrogate or a NUL in its kind, correction or metadata with INVALID_ARGUMENT', async () => {
        for (const request of [
          { sha256: doc('a'), kind: 'minutes\ud83d' },
          { sha256: doc('a'), kind: 'minutes', corrects: 'abc\u0000' },
          { sha256: doc('a'), kind: 'minutes', metadata: { title: '\ude00' } },
          { sha256: doc('a'), kind: 'minutes', metadata: { 'ti\ud800tle': 'x' } },
          { sha256: doc('a'), kind: 'minutes', metadata: { 'ti\u0000tle': 'x' } },
        ]) {
          const { message } = await expectRefusal(host.submit(otherCity, 'notariseDocument', JSON.stringify(request)), 'INVALID_ARGUMENT');
          expect(message).to.match(/\/(kind|corrects|metadata)/);
        }
      });

      it("links a document into the project's chain, for the owning platform only", async () => {
        await tender.register();
        const record = await tender.notarise({ sha256: doc('clarification'), kind: 'clarification' });
        expect(record.seq).to.equal(2);
        await expectRefusal(tender.notarise({ sha256: doc('x'), kind: 'complaint' }, platformB), 'NOT_PROJECT_OWNER');
      });

      it('records a correction as a new record pointing at the old one; an unknown target is RECORD_NOT_FOUND', async () => {
        const registered = await tender.register();
        const correction = await tender.notarise({
          sha256: doc('corrected tender docs'),
          kind: 'correction',
          corrects: registered.recordId,
        });
        expect(correction.payload.corrects).to.equal(registered.recordId);
        await expectRefusal(tender.notarise({ sha256: doc('y'), kind: 'correction', corrects: 'no-such-record' }), 'RECORD_NOT_FOUND');
        const trail = await tender.trail();
        expect(trail.records[0]).to.deep.equal(registered);
      });
    });

    describe('notariseDocument corrections', () => {
      it("refuses a project document correcting another project's record or a standalone record with CORRECTION_NOT_ALLOWED", async () => {
        await tender.register();
        const other = Tender.onHost(host);
        const otherRecord = await other.register();
        await expectRefusal(
          tender.notarise({ sha256: doc('c1'), kind: 'correction', corrects: otherRecord.recordId }),
          'CORRECTION_NOT_ALLOWED',
        );
        const standalone = JSON.parse(
          await host.submit(platformA, 'notary:notariseDocument', JSON.stringify({ sha256: doc('own archive'), kind: 'archive' })),
        ) as LedgerRecord;
        await expectRefusal(
          tender.notarise({ sha256: doc('c2'), kind: 'correction', corrects: standalone.recordId }),
          'CORRECTION_NOT_ALLOWED',
        );
      });

      it("refuses a standalone correction of another writer's record or of a project record with CORRECTION_NOT_ALLOWED; its own is accepted", async () => {
        const notarise = async (as: typeof platformA, request: Record<string, unknown>) =>
          JSON.parse(await host.submit(as, 'notary:notariseDocument', JSON.stringify(request))) as LedgerRecord<'DocumentNotarised'>;
        const theirs = await notarise(platformB, { sha256: doc('their archive'), kind: 'archive' });
        await expectRefusal(
          notarise(platformA, { sha256: doc('c3'), kind: 'correction', corrects: theirs.recordId }),
          'CORRECTION_NOT_ALLOWED',
        );
        await expectRefusal(
          notarise(otherCity, { sha256: doc('c4'), kind: 'correction', corrects: theirs.recordId }),
          'CORRECTION_NOT_ALLOWED',
        );
        const project = await tender.register();
        await expectRefusal(
          notarise(platformA, { sha256: doc('c5'), kind: 'correction', corrects: project.recordId }),
          'CORRECTION_NOT_ALLOWED',
        );
        const own = await notarise(platformB, { sha256: doc('corrected archive'), kind: 'correction', corrects: theirs.recordId });
        expect(own.payload.corrects).to.equal(theirs.recordId);
      });
    });

    describe('who may see the evaluation committee (IR art. 46)', () => {
      beforeEach(async () => {
        await tender.throughOpening();
        await tender.replaceMember('E5', 'E6');
        await tender.scoreByCommittee(['E1', 'E2', 'E3', 'E4', 'E6'], (_e, b) => (b === 'B1' ? 9000 : 8000));
      });
      const members = /"E\d"/;

      it('before the award shows the public the committee records without a member id; the owner and regulators see them all', async () => {
        const trail = await tender.trail(platformB);
        expect(trail.records.map((r) => r.step)).to.include.members(['CommitteeAppointed', 'CommitteeMemberReplaced', 'ScoresRecorded']);
        expect(JSON.stringify(trail)).to.not.match(members);
        const appointed = present(
          trail.records.find((r) => r.step === 'CommitteeAppointed'),
          'the CommitteeAppointed record',
        );
        expect(appointed).to.include({ redacted: true });
        expect(appointed.payload).to.deep.equal({ appointmentDocSha256: doc(`expert draw of ${tender.projectId}`) });
        const scores = trail.records.find((r) => r.step === 'ScoresRecorded') as LedgerRecord<'ScoresRecorded'>;
        expect(scores.payload.scores).to.have.length(3);
        const byHash = await host.evaluate(platformB, 'findByHash', doc(`expert draw of ${tender.projectId}`));
        expect(byHash).to.not.match(members);
        const byId = await host.evaluate(platformB, 'getRecord', appointed.recordId);
        expect(byId).to.not.match(members);
        for (const reader of [platformA, regulator]) {
          const full = await tender.trail(reader);
          expect(full.complete).to.equal(true);
          expect(checkChain(full.records).valid).to.equal(true);
          expect(
            (full.records.find((r) => r.step === 'CommitteeAppointed') as LedgerRecord<'CommitteeAppointed'>).payload.members,
          ).to.deep.equal(COMMITTEE);
        }
      });

      it('after the award shows everyone the committee', async () => {
        await tender.award('B1');
        const trail = await tender.trail(platformB);
        expect(trail.complete).to.equal(true);
        expect(checkChain(trail.records).valid).to.equal(true);
        expect(
          (trail.records.find((r) => r.step === 'CommitteeMemberReplaced') as LedgerRecord<'CommitteeMemberReplaced'>).payload,
        ).to.include({ memberId: 'E5', replacementId: 'E6' });
      });
    });

    describe('queries and who may see what', () => {
      beforeEach(async () => {
        // Each step at its own instant: records of one millisecond share its ledger time, and the
        // trail orders those of different chains by chain, not by commit.
        const nextInstant = () => host.clock.reach(host.clock.nowMs() + 1);
        await tender.register();
        await nextInstant();
        await tender.registerBidder('B1');
        await nextInstant();
        await tender.commit('B1', 90_000_000);
        await nextInstant();
        await tender.notarise({ sha256: doc(`clarification of ${tender.projectId}`), kind: 'clarification' });
      });

      it('gives the owner and the regulator the whole trail, in order, with an unbroken hash chain', async () => {
        for (const reader of [platformA, regulator]) {
          const trail = await tender.trail(reader);
          expect(trail.complete).to.equal(true);
          expect(trail.records.map((r) => r.step)).to.deep.equal([
            'ProjectRegistered',
            'BidderRegistered',
            'BidCommitted',
            'DocumentNotarised',
          ]);
          expect(checkChain(trail.records)).to.deep.equal({ valid: true });
        }
      });

      it('before opening, shows the public neither who nor how many bid (BL art. 22)', async () => {
        const trail = await tender.trail(platformB);
        expect(trail.complete).to.equal(false);
        expect(trail.records.map((r) => r.step)).to.deep.equal(['ProjectRegistered', 'DocumentNotarised']);
        expect(trail.records.every((r) => !('seq' in r) && !('prevHash' in r))).to.equal(true);
        expect(JSON.stringify(trail)).to.not.include('B1');
        const status = JSON.parse(await host.evaluate(platformB, 'getProjectStatus', tender.projectId)) as PublicProjectStatus;
        expect(status).to.not.have.any.keys('bidders', 'liveBids', 'head');
        expect(status.owner).to.deep.equal(await host.actorOf(platformA));
        const { commitment } = present(tender.bids.get('B1'), "B1's bid");
        const byCommitment = JSON.parse(await host.evaluate(platformB, 'findByHash', commitment)) as { records: LedgerRecord[] };
        expect(byCommitment.records).to.have.length(1);
        expect(byCommitment.records[0]).to.include({ step: 'BidCommitted', redacted: true });
        expect(JSON.stringify(byCommitment)).to.not.include('B1');
        const forRegulator = JSON.parse(await host.evaluate(regulator, 'findByHash', commitment)) as {
          records: LedgerRecord<'BidCommitted'>[];
        };
        expect(forRegulator.records[0]?.payload.bidderId).to.equal('B1');
      });

      it("after opening, shows everyone every record, the committee's members still hidden", async () => {
        for (const bidderId of ['B2', 'B3']) {
          await tender.registerBidder(bidderId);
          await tender.commit(bidderId, 95_000_000);
        }
        await tender.appointCommittee();
        await tender.reachOpening();
        await tender.open();
        const trail = await tender.trail(platformB);
        expect(trail.complete).to.equal(true);
        const chains = trail.records.map((r) => `${r.bidderChain ?? 'project'}:${r.seq}`).sort();
        expect(chains).to.deep.equal(['B1:1', 'B1:2', 'B2:1', 'B2:2', 'B3:1', 'B3:2', 'project:1', 'project:2', 'project:3', 'project:4']);
        // The owner's trail (the public's lacks the committee's members, so not every hash can be recomputed).
        expect(checkChain((await tender.trail()).records, commitmentsRoot).valid).to.equal(true);
        expect(trail.records.filter((r) => 'redacted' in r).map((r) => r.step)).to.deep.equal(['CommitteeAppointed']);
        expect((await tender.status(platformB)).bidders).to.equal(3);
      });

      it('finds records by document hash and by id', async () => {
        const found = JSON.parse(await host.evaluate(platformB, 'findByHash', doc(`clarification of ${tender.projectId}`))) as {
          records: LedgerRecord[];
        };
        expect(found.records.map((r) => r.step)).to.deep.equal(['DocumentNotarised']);
        const byId = JSON.parse(
          await host.evaluate(platformA, 'getRecord', present(found.records[0], 'the found record').recordId),
        ) as LedgerRecord;
        expect(byId.seq).to.equal(2);
        await expectRefusal(host.evaluate(platformA, 'getRecord', 'nope'), 'RECORD_NOT_FOUND');
        const none = JSON.parse(await host.evaluate(platformB, 'findByHash', doc('never notarised'))) as { records: LedgerRecord[] };
        expect(none.records).to.deep.equal([]);
      });

      it('emits a chaincode event for every recorded step', async () => {
        expect(host.events.map((e) => e.name)).to.deep.equal([
          'ProjectRegistered',
          'BidderRegistered',
          'BidCommitted',
          'DocumentNotarised',
        ]);
        const trail = await tender.trail();
        expect(host.events.map((e) => (JSON.parse(e.payload) as LedgerRecord).hash)).to.deep.equal(trail.records.map((r) => r.hash));
      });
    });
  });
}
