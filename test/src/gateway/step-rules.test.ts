import { expect } from 'chai';
import { NotFoundError, RuleViolationError } from '@tender-ledger/client-sdk';
import { present } from '../helpers/assert.js';
import { fixtures, forEachBackend, sharedGateway } from '../helpers/http-suite.js';
import { COMMITTEE, DEPOSIT, ESTIMATED_PRICE, Tender, doc } from '../helpers/tender.js';
import { expectRefusal, refusal } from '../helpers/refusal.js';

/** B1-B4 bid (ascending prices), then B4 withdraws: the bidding both the bidding and the opening stages start from. */
async function fourBidsB4Withdrawn(tender: Tender<'http'>): Promise<void> {
  for (const [bidderId, price] of Object.entries({ B1: 90_000_000, B2: 92_000_000, B3: 94_000_000, B4: 96_000_000 })) {
    await tender.bid(bidderId, price);
  }
  await tender.withdraw('B4');
}

// The tender rules on the recorded steps: each refusal is a 409 (or 404) with the rule's code.
// Fixtures are tenders driven to a stage once per gateway; the tests only make refused calls,
// which record nothing, so every test sees its stage as built.
forEachBackend((backend) => {
  const s = sharedGateway(backend);
  const stage = fixtures(s, {
    /** Bidding: B1-B4 bid, B4 withdrew. Its deadline lies far beyond every other stage's, which move the embedded clock on. */
    bidding: async () => {
      const tender = Tender.overHttp(s.t, s.platform);
      const lead = s.t.time.deadlineLead() * 100;
      await tender.register({ bidDeadline: s.t.time.iso(lead), openingTime: s.t.time.iso(lead + s.t.time.openingGap) });
      await fourBidsB4Withdrawn(tender);
      return tender;
    },
    /** B1's bid, and the bid deadline has passed. */
    pastDeadline: async () => {
      const tender = Tender.overHttp(s.t, s.platform);
      await tender.register();
      await tender.bid('B1', 90_000_000);
      await tender.passDeadline();
      return tender;
    },
    /** One bid at the opening: the opening recorded a failed tender (IR art. 44). */
    failed: async () => {
      const tender = Tender.overHttp(s.t, s.platform);
      await tender.register();
      await tender.bid('B1', 90_000_000);
      await tender.reachOpening();
      const failed = await tender.open(tender.reveals());
      return { tender, failed };
    },
    /** Three live bids at the opening time, and no committee. */
    atOpeningWithoutCommittee: () => atOpening(false),
    /** Three live bids at the opening time, the committee appointed. */
    atOpeningWithCommittee: () => atOpening(true),
    /** Opened; members E1-E4 scored every valid bid, E5 nothing. */
    scoredByFour: () => opened(async () => undefined),
    /** Opened; E1-E4 scored every valid bid, E5 only B1's. */
    scoredPartly: () =>
      opened(async (tender) => {
        await s.platform.recordScores(tender.projectId, {
          evaluatorId: 'E5',
          reportSha256: doc('r5'),
          scores: [{ bidderId: 'B1', score: 9000 }],
        });
      }),
    /** Opened; every member scored every valid bid, B1 first. */
    scoredByAll: () =>
      opened(async (tender) => {
        await s.platform.recordScores(tender.projectId, {
          evaluatorId: 'E5',
          reportSha256: doc('r5'),
          scores: [{ bidderId: 'B1', score: 9000 }],
        });
        await s.platform.recordScores(tender.projectId, {
          evaluatorId: 'E5',
          reportSha256: doc('r5b'),
          scores: [
            { bidderId: 'B2', score: 8500 },
            { bidderId: 'B3', score: 8000 },
          ],
        });
      }),
    /** Awarded to B1, B2's deposit released, the contract signed. */
    contracted: async () => {
      const tender = await opened(async (t) => {
        await s.platform.recordScores(t.projectId, {
          evaluatorId: 'E5',
          reportSha256: doc('r5'),
          scores: [
            { bidderId: 'B1', score: 9000 },
            { bidderId: 'B2', score: 8500 },
            { bidderId: 'B3', score: 8000 },
          ],
        });
      });
      await s.platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('n') });
      await s.platform.releaseDeposit(tender.projectId, 'B2', { amount: DEPOSIT });
      await s.platform.signContract(tender.projectId, { contractSha256: doc('c') });
      return tender;
    },
  });

  async function atOpening(appointed: boolean): Promise<Tender<'http'>> {
    const tender = Tender.overHttp(s.t, s.platform);
    await tender.register();
    await fourBidsB4Withdrawn(tender);
    if (appointed) await tender.appointCommittee();
    await tender.reachOpening();
    return tender;
  }

  async function opened(then: (tender: Tender<'http'>) => Promise<void>): Promise<Tender<'http'>> {
    const tender = await atOpening(true);
    await tender.open(tender.reveals(['B4']));
    await tender.scoreByCommittee(['E1', 'E2', 'E3', 'E4']);
    await then(tender);
    return tender;
  }

  const committeeOf = (tender: Tender<'http'>, members: string[]) => tender.appointCommittee(members);

  describe('POST /v1/projects', () => {
    describe('when the deposit exceeds 2% of the estimated price (IR art. 26)', () => {
      it('answers 409 DEPOSIT_ABOVE_LIMIT', async () => {
        await expectRefusal(Tender.overHttp(s.t, s.platform).register({ depositAmount: ESTIMATED_PRICE / 50 + 1 }), 'DEPOSIT_ABOVE_LIMIT');
      });
    });
    describe('when the opening time is before the bid deadline (BL art. 34)', () => {
      it('answers 409 OPENING_BEFORE_DEADLINE', async () => {
        await expectRefusal(
          Tender.overHttp(s.t, s.platform).register({ openingTime: s.t.time.iso(s.t.time.deadlineLead() - 1000) }),
          'OPENING_BEFORE_DEADLINE',
        );
      });
    });
    describe('when the bid deadline has already passed', () => {
      it('answers 409 BID_DEADLINE_PASSED', async () => {
        await expectRefusal(
          Tender.overHttp(s.t, s.platform).register({ bidDeadline: s.t.time.iso(-1000), openingTime: s.t.time.iso(s.t.time.openingGap) }),
          'BID_DEADLINE_PASSED',
        );
      });
    });
    describe('when the project id is taken', () => {
      it('answers 409 PROJECT_EXISTS', async () => {
        await expectRefusal((await stage.bidding()).register(), 'PROJECT_EXISTS');
      });
    });
  });

  describe('POST /v1/projects/:projectId/bidders', () => {
    describe('when the deposit is less than the project requires', () => {
      it('answers 409 DEPOSIT_INSUFFICIENT', async () => {
        const tender = await stage.bidding();
        await expectRefusal(
          s.platform.registerBidder(tender.projectId, { bidderId: 'B7', deposit: { form: 'cash', amount: 1 } }),
          'DEPOSIT_INSUFFICIENT',
        );
      });
    });
    describe('when the bidder is already registered', () => {
      it('answers 409 BIDDER_EXISTS', async () => {
        const tender = await stage.bidding();
        await expectRefusal(
          s.platform.registerBidder(tender.projectId, { bidderId: 'B1', deposit: { form: 'cash', amount: DEPOSIT } }),
          'BIDDER_EXISTS',
        );
      });
    });
    describe('when the bid deadline has passed', () => {
      it('answers 409 REGISTRATION_AFTER_DEADLINE', async () => {
        const tender = await stage.pastDeadline();
        await expectRefusal(
          s.platform.registerBidder(tender.projectId, { bidderId: 'B5', deposit: { form: 'cash', amount: DEPOSIT } }),
          'REGISTRATION_AFTER_DEADLINE',
        );
      });
    });
  });

  describe('POST /v1/projects/:projectId/bids', () => {
    describe('when the bidder has not registered', () => {
      it('answers 409 BIDDER_NOT_REGISTERED', async () => {
        const tender = await stage.bidding();
        await expectRefusal(s.platform.submitBid(tender.projectId, { bidderId: 'B9', commitment: doc('x') }), 'BIDDER_NOT_REGISTERED');
      });
    });
    describe('when the bidder withdrew (a withdrawal is final)', () => {
      it('answers 409 BID_WITHDRAWN', async () => {
        const tender = await stage.bidding();
        await expectRefusal(s.platform.submitBid(tender.projectId, { bidderId: 'B4', commitment: doc('again') }), 'BID_WITHDRAWN');
      });
    });
    describe('when the deadline has passed (BL art. 28)', () => {
      it('answers 409 BID_AFTER_DEADLINE', async () => {
        const tender = await stage.pastDeadline();
        await expectRefusal(s.platform.submitBid(tender.projectId, { bidderId: 'B1', commitment: doc('late') }), 'BID_AFTER_DEADLINE');
      });
    });
  });

  describe('POST /v1/projects/:projectId/bids/:bidderId/withdrawal', () => {
    describe('when the bidder has not registered', () => {
      it('answers 409 BIDDER_NOT_REGISTERED', async () => {
        const tender = await stage.bidding();
        await expectRefusal(tender.withdraw('B9'), 'BIDDER_NOT_REGISTERED');
      });
    });
    describe('when the deadline has passed (BL art. 29)', () => {
      it('answers 409 WITHDRAWAL_AFTER_DEADLINE', async () => {
        const tender = await stage.pastDeadline();
        await expectRefusal(tender.withdraw('B1'), 'WITHDRAWAL_AFTER_DEADLINE');
      });
    });
  });

  describe('POST /v1/projects/:projectId/committee', () => {
    describe('with fewer than 5 members, or an even number (BL art. 37)', () => {
      it('answers 409 COMMITTEE_TOO_SMALL and COMMITTEE_NOT_ODD', async () => {
        const tender = await stage.bidding();
        await expectRefusal(committeeOf(tender, COMMITTEE.slice(0, 4)), 'COMMITTEE_TOO_SMALL');
        await expectRefusal(committeeOf(tender, [...COMMITTEE, 'E6']), 'COMMITTEE_NOT_ODD');
      });
    });
    describe('when the committee is already appointed', () => {
      it('answers 409 COMMITTEE_EXISTS', async () => {
        await expectRefusal((await stage.atOpeningWithCommittee()).appointCommittee(), 'COMMITTEE_EXISTS');
      });
    });
    describe('when the bids were opened (IR art. 46)', () => {
      it('answers 409 COMMITTEE_AFTER_OPENING', async () => {
        await expectRefusal(committeeOf(await stage.scoredByFour(), ['E11', 'E12', 'E13', 'E14', 'E15']), 'COMMITTEE_AFTER_OPENING');
      });
    });
  });

  describe('POST /v1/projects/:projectId/committee/replacements', () => {
    describe('when no committee is appointed', () => {
      it('answers 409 COMMITTEE_NOT_APPOINTED', async () => {
        const tender = await stage.bidding();
        await expectRefusal(
          s.platform.replaceCommitteeMember(tender.projectId, {
            memberId: 'E1',
            replacementId: 'E6',
            reason: 'ill',
            reasonDocSha256: doc('note'),
          }),
          'COMMITTEE_NOT_APPOINTED',
        );
      });
    });
    describe('when the member has scored, or the replacement already sits (IR art. 48)', () => {
      it('answers 409 MEMBER_HAS_SCORED and ALREADY_COMMITTEE_MEMBER', async () => {
        const tender = await stage.scoredByFour();
        await expectRefusal(
          s.platform.replaceCommitteeMember(tender.projectId, {
            memberId: 'E1',
            replacementId: 'E6',
            reason: 'ill',
            reasonDocSha256: doc('note'),
          }),
          'MEMBER_HAS_SCORED',
        );
        await expectRefusal(
          s.platform.replaceCommitteeMember(tender.projectId, {
            memberId: 'E5',
            replacementId: 'E4',
            reason: 'ill',
            reasonDocSha256: doc('note'),
          }),
          'ALREADY_COMMITTEE_MEMBER',
        );
      });
    });
  });

  describe('POST /v1/projects/:projectId/opening', () => {
    describe('before the opening time (BL art. 34)', () => {
      it('answers 409 OPENING_TOO_EARLY', async () => {
        const tender = await stage.bidding();
        await expectRefusal(s.platform.openBids(tender.projectId, { reveals: [] }), 'OPENING_TOO_EARLY');
      });
    });
    describe('with fewer than 3 bids (IR art. 44)', () => {
      it('records the failed tender, and answers 409 TENDER_FAILED after it', async () => {
        const { tender, failed } = await stage.failed();
        expect(failed.record.step).to.equal('TenderFailed');
        await expectRefusal(s.platform.openBids(tender.projectId, { reveals: [] }), 'TENDER_FAILED');
      });
    });
    describe('without an appointed committee (IR art. 46)', () => {
      it('answers 409 COMMITTEE_NOT_APPOINTED', async () => {
        const tender = await stage.atOpeningWithoutCommittee();
        await expectRefusal(tender.open(tender.reveals(['B4'])), 'COMMITTEE_NOT_APPOINTED');
      });
    });
    describe('with a reveal for a withdrawn bid', () => {
      it('answers 409 REVEAL_WITHOUT_BID', async () => {
        const tender = await stage.atOpeningWithCommittee();
        const b4 = present(
          tender.reveals().find((r) => r.bidderId === 'B4'),
          "B4's reveal",
        );
        await expectRefusal(s.platform.openBids(tender.projectId, { reveals: [...tender.reveals(['B4']), b4] }), 'REVEAL_WITHOUT_BID');
      });
    });
    describe('when the bids were opened', () => {
      it('answers 409 ALREADY_OPENED', async () => {
        const tender = await stage.scoredByFour();
        await expectRefusal(s.platform.openBids(tender.projectId, { reveals: [] }), 'ALREADY_OPENED');
      });
    });
  });

  describe('POST /v1/projects/:projectId/scores', () => {
    describe('before the opening', () => {
      it('answers 409 NOT_OPENED', async () => {
        const tender = await stage.bidding();
        await expectRefusal(
          s.platform.recordScores(tender.projectId, { evaluatorId: 'E1', reportSha256: doc('r'), scores: [{ bidderId: 'B1', score: 1 }] }),
          'NOT_OPENED',
        );
      });
    });
    describe('for a bid that is not a valid opened bid', () => {
      it('answers 409 SCORE_FOR_INVALID_BID', async () => {
        const tender = await stage.scoredByFour();
        await expectRefusal(
          s.platform.recordScores(tender.projectId, {
            evaluatorId: 'E1',
            reportSha256: doc('r'),
            scores: [{ bidderId: 'B4', score: 100 }],
          }),
          'SCORE_FOR_INVALID_BID',
        );
      });
    });
    describe('a second time by the same member for the same bid', () => {
      it('answers 409 SCORE_DUPLICATE', async () => {
        const tender = await stage.scoredByFour();
        await expectRefusal(
          s.platform.recordScores(tender.projectId, {
            evaluatorId: 'E1',
            reportSha256: doc('r'),
            scores: [{ bidderId: 'B1', score: 100 }],
          }),
          'SCORE_DUPLICATE',
        );
      });
    });
    describe('by someone outside the committee', () => {
      it('answers 409 NOT_COMMITTEE_MEMBER', async () => {
        const tender = await stage.scoredByFour();
        await expectRefusal(
          s.platform.recordScores(tender.projectId, {
            evaluatorId: 'E6',
            reportSha256: doc('r6'),
            scores: [{ bidderId: 'B2', score: 10_000 }],
          }),
          'NOT_COMMITTEE_MEMBER',
        );
      });
    });
  });

  describe('POST /v1/projects/:projectId/award', () => {
    describe('when a member has not scored every valid bid', () => {
      it('answers 409 SCORING_INCOMPLETE, whether the member scored none or some', async () => {
        await expectRefusal(
          s.platform.awardBid((await stage.scoredByFour()).projectId, { bidderId: 'B1', noticeSha256: doc('n') }),
          'SCORING_INCOMPLETE',
        );
        await expectRefusal(
          s.platform.awardBid((await stage.scoredPartly()).projectId, { bidderId: 'B1', noticeSha256: doc('n') }),
          'SCORING_INCOMPLETE',
        );
      });
    });
    describe('to a bid that was not scored', () => {
      it('answers 409 AWARD_TO_UNSCORED_BID', async () => {
        await expectRefusal(
          s.platform.awardBid((await stage.scoredByAll()).projectId, { bidderId: 'B4', noticeSha256: doc('n') }),
          'AWARD_TO_UNSCORED_BID',
        );
      });
    });
    describe('to a bid not ranked first, without a reason (IR art. 55)', () => {
      it('answers 409 AWARD_NOT_FIRST_RANKED', async () => {
        await expectRefusal(
          s.platform.awardBid((await stage.scoredByAll()).projectId, { bidderId: 'B2', noticeSha256: doc('n') }),
          'AWARD_NOT_FIRST_RANKED',
        );
      });
    });
    describe('when the project was awarded', () => {
      it('answers 409 ALREADY_AWARDED', async () => {
        await expectRefusal(
          s.platform.awardBid((await stage.contracted()).projectId, { bidderId: 'B1', noticeSha256: doc('n') }),
          'ALREADY_AWARDED',
        );
      });
    });
  });

  describe('POST /v1/projects/:projectId/contract', () => {
    describe('before the award', () => {
      it('answers 409 CONTRACT_BEFORE_AWARD', async () => {
        const tender = await stage.bidding();
        await expectRefusal(s.platform.signContract(tender.projectId, { contractSha256: doc('c') }), 'CONTRACT_BEFORE_AWARD');
      });
    });
    describe('when the contract was recorded', () => {
      it('answers 409 CONTRACT_EXISTS, which the SDK types as a RuleViolationError', async () => {
        const tender = await stage.contracted();
        await expectRefusal(s.platform.signContract(tender.projectId, { contractSha256: doc('c') }), 'CONTRACT_EXISTS');
        const rule = await refusal(s.platform.signContract(tender.projectId, { contractSha256: doc('c') }));
        expect(rule.error).to.be.instanceOf(RuleViolationError);
      });
    });
  });

  describe('POST /v1/projects/:projectId/deposits/:bidderId/release', () => {
    describe('before the award, for a bidder that has not withdrawn (IR art. 57)', () => {
      it('answers 409 RELEASE_NOT_DUE', async () => {
        const tender = await stage.bidding();
        await expectRefusal(s.platform.releaseDeposit(tender.projectId, 'B1', { amount: DEPOSIT }), 'RELEASE_NOT_DUE');
      });
    });
    describe('for more than was paid', () => {
      it('answers 409 RELEASE_ABOVE_DEPOSIT', async () => {
        const tender = await stage.contracted();
        await expectRefusal(s.platform.releaseDeposit(tender.projectId, 'B3', { amount: DEPOSIT + 1 }), 'RELEASE_ABOVE_DEPOSIT');
      });
    });
    describe('a second time', () => {
      it('answers 409 DEPOSIT_ALREADY_RELEASED', async () => {
        const tender = await stage.contracted();
        await expectRefusal(s.platform.releaseDeposit(tender.projectId, 'B2', { amount: DEPOSIT }), 'DEPOSIT_ALREADY_RELEASED');
      });
    });
  });

  describe('POST /v1/evidence', () => {
    describe('with a correction of a record that does not exist', () => {
      it('answers 404 RECORD_NOT_FOUND, which the SDK types as a NotFoundError', async () => {
        const error = await expectRefusal(
          s.platform.notarise({ sha256: doc('x'), kind: 'correction', corrects: 'nope' }),
          'RECORD_NOT_FOUND',
        );
        expect(error).to.be.instanceOf(NotFoundError);
      });
    });
    describe("with a correction of another writer's record (DOMAIN rule 11)", () => {
      it('answers 409 CORRECTION_NOT_ALLOWED', async () => {
        const tender = await stage.contracted();
        const contract = present(
          (await s.platform.getTrail(tender.projectId)).records.find((r) => r.step === 'ContractSigned'),
          'the ContractSigned record',
        );
        await expectRefusal(
          s.otherPlatform.notarise({ sha256: doc('x'), kind: 'correction', corrects: contract.recordId }),
          'CORRECTION_NOT_ALLOWED',
        );
      });
    });
  });
});
