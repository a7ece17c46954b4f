import { expect } from 'chai';
import { CompactSign, SignJWT, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AuthError, NotFoundError, ReceiptVerificationError, RuleViolationError, TenderLedgerClient, ValidationError,
  commitBid, verifyReceipt, type CommittedBid, type WriteResult,
} from '@tender-ledger/client-sdk';
import { checkChain, type ErrorCode, type LedgerRecord, type RegisterProjectRequest } from '@tender-ledger/domain';
import { startTestGateway, testBackends, type TestGateway } from '../helpers/gateway.js';
import { doc } from '../helpers/tender.js';

const ESTIMATED = 100_000_000;
const COMMITTEE = ['E1', 'E2', 'E3', 'E4', 'E5'];
const DEPOSIT = 2_000_000;

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; error: Error }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { status?: number; code?: string };
    return { status: e.status ?? 0, code: e.code ?? '', error: e };
  }
  throw new Error('expected the gateway to refuse');
}

async function expectProblem(promise: Promise<unknown>, status: number, code: ErrorCode): Promise<Error> {
  const got = await refusal(promise);
  expect({ status: got.status, code: got.code }, got.error.message).to.deep.equal({ status, code });
  return got.error;
}

/** One project driven over HTTP through the SDK. */
// Project ids unique per run: on Fabric the ledger outlives a test run.
const RUN = Date.now().toString(36);

class HttpTender {
  readonly sealed = new Map<string, CommittedBid>();
  static #counter = 0;
  #deadline = 0;
  #opening = 0;
  constructor(readonly t: TestGateway, readonly platform: TenderLedgerClient, readonly projectId = `HTTP-${RUN}-${++HttpTender.#counter}`) {}

  request(overrides: Partial<RegisterProjectRequest> = {}): RegisterProjectRequest {
    const bidDeadline = this.t.time.iso(this.t.time.deadlineLead);
    return {
      projectId: this.projectId, name: '市政道路改造工程', category: 'construction', estimatedPrice: ESTIMATED, depositAmount: DEPOSIT,
      bidDeadline, openingTime: new Date(Date.parse(bidDeadline) + this.t.time.openingGap).toISOString(), tenderDocSha256: doc(`tender ${this.projectId}`), ...overrides,
    };
  }

  async register(overrides: Partial<RegisterProjectRequest> = {}) {
    const request = this.request(overrides);
    const result = await this.platform.registerProject(request);
    this.#deadline = Date.parse(request.bidDeadline);
    this.#opening = Date.parse(request.openingTime);
    return result;
  }

  async bidder(bidderId: string, price: number): Promise<WriteResult<LedgerRecord<'BidCommitted'>>> {
    await this.platform.registerBidder(this.projectId, { bidderId, deposit: { form: 'cash', amount: DEPOSIT } });
    const sealed = commitBid({ projectId: this.projectId, bidderId, bidFileSha256: doc(`bid ${bidderId}`), price });
    this.sealed.set(bidderId, sealed);
    return this.platform.submitBid(this.projectId, { bidderId, commitment: sealed.commitment });
  }

  reveals(except: string[] = []) {
    return [...this.sealed.values()].filter((s) => !except.includes(s.reveal.bidderId))
      .map(({ reveal: { bidderId, bidFileSha256, price, salt } }) => ({ bidderId, bidFileSha256, price, salt }));
  }

  passDeadline(): Promise<void> {
    return this.t.time.reach(this.#deadline);
  }

  reachOpening(): Promise<void> {
    return this.t.time.reach(this.#opening);
  }

  /** Appoints the evaluation committee before the opening (IR art. 46). */
  appoint(members = COMMITTEE) {
    return this.platform.appointCommittee(this.projectId, { members, appointmentDocSha256: doc(`expert draw ${this.projectId}`) });
  }

  /** Every member given scores every valid bid (integer hundredths of a point). */
  async scored(committee = COMMITTEE): Promise<void> {
    for (const evaluatorId of committee) {
      await this.platform.recordScores(this.projectId, { evaluatorId, reportSha256: doc(`report ${evaluatorId}`), scores: [
        { bidderId: 'B1', score: 9150 }, { bidderId: 'B2', score: 8500 }, { bidderId: 'B3', score: 8025 },
      ] });
    }
  }
}

for (const backend of testBackends()) describe(`gateway on the ${backend} ledger, over HTTP through the SDK`, function () {
  // On Fabric deadlines are real seconds away and every step is a real block.
  this.timeout(backend === 'fabric' ? 600_000 : 30_000);
  let t: TestGateway;
  let platform: TenderLedgerClient;
  let otherPlatform: TenderLedgerClient;
  let regulator: TenderLedgerClient;
  let anonymous: TenderLedgerClient;

  beforeEach(async () => {
    t = await startTestGateway({}, backend);
    platform = await t.client('platform', 'gz-etrading');
    otherPlatform = await t.client('platform', 'zunyi-etrading');
    regulator = await t.client('regulator', 'supervision-bureau');
    anonymous = await t.client();
  });
  afterEach(() => t.close());

  describe('the whole tender', () => {
    it('records every step with a receipt that verifies offline and online, and the trail\'s chain holds', async () => {
      const tender = new HttpTender(t, platform);
      const results: WriteResult[] = [];
      results.push(await tender.register());
      results.push(await tender.bidder('B1', 90_000_000));
      results.push(await tender.bidder('B2', 92_000_000));
      results.push(await tender.bidder('B3', 94_000_000));
      await tender.bidder('B4', 95_000_000);
      results.push(await platform.withdrawBid(tender.projectId, 'B4'));
      results.push(await platform.releaseDeposit(tender.projectId, 'B4', { amount: DEPOSIT }));
      results.push(await tender.appoint(['E1', 'E2', 'E3', 'E4', 'E9']));
      results.push(await platform.replaceCommitteeMember(tender.projectId, { memberId: 'E9', replacementId: 'E5', reason: 'E9 is related to bidder B2', reasonDocSha256: doc('recusal E9') }));
      await tender.reachOpening();
      const opened = await platform.openBids(tender.projectId, { reveals: tender.reveals(['B4']) });
      expect((opened.record as LedgerRecord<'BidsOpened'>).payload.bids.every((b) => b.outcome === 'VALID')).to.equal(true);
      await tender.scored();
      const award = await platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('notice') });
      expect(award.record.payload.firstRanked).to.equal(true);
      for (const bidderId of ['B2', 'B3']) results.push(await platform.releaseDeposit(tender.projectId, bidderId, { amount: DEPOSIT }));
      results.push(await platform.signContract(tender.projectId, { contractSha256: doc('contract') }));
      results.push(await platform.releaseDeposit(tender.projectId, 'B1', { amount: DEPOSIT, interest: 1234 }));

      const jwks = await anonymous.jwks();
      for (const { record, receipt } of results) {
        const { claims } = await verifyReceipt(receipt, jwks);
        expect(claims).to.include({ recordId: record.recordId, recordHash: record.hash, step: record.step, projectId: tender.projectId, ledgerTime: record.txTime });
        const online = await anonymous.verifyReceiptOnline(receipt);
        expect(online).to.include({ valid: true, signatureValid: true, onLedger: true, recordUnchanged: true, blockMatches: true });
      }
      const trail = await regulator.getTrail(tender.projectId);
      expect(trail.chainValid).to.equal(true);
      expect(trail.records).to.have.length(24);
      expect(checkChain(trail.records as LedgerRecord[]).valid).to.equal(true);
      expect((await regulator.getProject(tender.projectId)).status).to.equal('contracted');
      const commitmentReceipt = (await verifyReceipt(results[1]!.receipt, jwks)).claims;
      expect(commitmentReceipt.subjectSha256).to.equal(tender.sealed.get('B1')?.commitment);
    });
  });

  describe('tender rules surface as 409 with the rule\'s code', () => {
    it('at registration and bidding', async () => {
      const tender = new HttpTender(t, platform);
      await expectProblem(tender.register({ depositAmount: ESTIMATED / 50 + 1 }), 409, 'DEPOSIT_ABOVE_LIMIT');
      await expectProblem(tender.register({ openingTime: t.time.iso(t.time.deadlineLead - 1000) }), 409, 'OPENING_BEFORE_DEADLINE');
      await expectProblem(tender.register({ bidDeadline: t.time.iso(-1000), openingTime: t.time.iso(t.time.openingGap) }), 409, 'BID_DEADLINE_PASSED');
      await tender.register();
      await expectProblem(tender.register(), 409, 'PROJECT_EXISTS');
      await expectProblem(platform.submitBid(tender.projectId, { bidderId: 'B9', commitment: doc('x') }), 409, 'BIDDER_NOT_REGISTERED');
      await expectProblem(platform.registerBidder(tender.projectId, { bidderId: 'B1', deposit: { form: 'cash', amount: 1 } }), 409, 'DEPOSIT_INSUFFICIENT');
      await tender.bidder('B1', 90_000_000);
      await expectProblem(platform.registerBidder(tender.projectId, { bidderId: 'B1', deposit: { form: 'cash', amount: DEPOSIT } }), 409, 'BIDDER_EXISTS');
      await expectProblem(platform.releaseDeposit(tender.projectId, 'B1', { amount: DEPOSIT }), 409, 'RELEASE_NOT_DUE');
      await expectProblem(platform.withdrawBid(tender.projectId, 'B2'), 409, 'BIDDER_NOT_REGISTERED');
      await expectProblem(platform.openBids(tender.projectId, { reveals: [] }), 409, 'OPENING_TOO_EARLY');
      await expectProblem(platform.recordScores(tender.projectId, { evaluatorId: 'E1', reportSha256: doc('r'), scores: [{ bidderId: 'B1', score: 1 }] }), 409, 'NOT_OPENED');
      await expectProblem(platform.signContract(tender.projectId, { contractSha256: doc('c') }), 409, 'CONTRACT_BEFORE_AWARD');
      await tender.passDeadline();
      await expectProblem(platform.submitBid(tender.projectId, { bidderId: 'B1', commitment: doc('late') }), 409, 'BID_AFTER_DEADLINE');
      await expectProblem(platform.withdrawBid(tender.projectId, 'B1'), 409, 'WITHDRAWAL_AFTER_DEADLINE');
      await expectProblem(platform.registerBidder(tender.projectId, { bidderId: 'B5', deposit: { form: 'cash', amount: DEPOSIT } }), 409, 'REGISTRATION_AFTER_DEADLINE');
      await tender.reachOpening();
      const failed = await platform.openBids(tender.projectId, { reveals: tender.reveals() });
      expect(failed.record.step).to.equal('TenderFailed');
      await expectProblem(platform.openBids(tender.projectId, { reveals: [] }), 409, 'TENDER_FAILED');
    });

    it('at opening, evaluation, award, contract and deposit release', async () => {
      const tender = new HttpTender(t, platform);
      await tender.register();
      await tender.bidder('B1', 90_000_000);
      await tender.bidder('B2', 92_000_000);
      await tender.bidder('B3', 94_000_000);
      await tender.bidder('B4', 96_000_000);
      await platform.withdrawBid(tender.projectId, 'B4');
      await expectProblem(platform.submitBid(tender.projectId, { bidderId: 'B4', commitment: doc('again') }), 409, 'BID_WITHDRAWN');
      await expectProblem(tender.appoint(COMMITTEE.slice(0, 4)), 409, 'COMMITTEE_TOO_SMALL');
      await expectProblem(tender.appoint([...COMMITTEE, 'E6']), 409, 'COMMITTEE_NOT_ODD');
      await expectProblem(platform.replaceCommitteeMember(tender.projectId, { memberId: 'E1', replacementId: 'E6', reason: 'ill', reasonDocSha256: doc('note') }), 409, 'COMMITTEE_NOT_APPOINTED');
      await tender.reachOpening();
      await expectProblem(platform.openBids(tender.projectId, { reveals: tender.reveals(['B4']) }), 409, 'COMMITTEE_NOT_APPOINTED');
      await tender.appoint();
      await expectProblem(tender.appoint(), 409, 'COMMITTEE_EXISTS');
      const b4 = tender.reveals().find((r) => r.bidderId === 'B4')!;
      await expectProblem(platform.openBids(tender.projectId, { reveals: [...tender.reveals(['B4']), b4] }), 409, 'REVEAL_WITHOUT_BID');
      await platform.openBids(tender.projectId, { reveals: tender.reveals(['B4']) });
      await expectProblem(platform.openBids(tender.projectId, { reveals: [] }), 409, 'ALREADY_OPENED');
      await expectProblem(tender.appoint(['E11', 'E12', 'E13', 'E14', 'E15']), 409, 'COMMITTEE_AFTER_OPENING');
      await expectProblem(platform.recordScores(tender.projectId, { evaluatorId: 'E1', reportSha256: doc('r'), scores: [{ bidderId: 'B4', score: 100 }] }), 409, 'SCORE_FOR_INVALID_BID');
      await tender.scored(['E1', 'E2', 'E3', 'E4']);
      await expectProblem(platform.recordScores(tender.projectId, { evaluatorId: 'E1', reportSha256: doc('r'), scores: [{ bidderId: 'B1', score: 100 }] }), 409, 'SCORE_DUPLICATE');
      await expectProblem(platform.recordScores(tender.projectId, { evaluatorId: 'E6', reportSha256: doc('r6'), scores: [{ bidderId: 'B2', score: 10_000 }] }), 409, 'NOT_COMMITTEE_MEMBER');
      await expectProblem(platform.replaceCommitteeMember(tender.projectId, { memberId: 'E1', replacementId: 'E6', reason: 'ill', reasonDocSha256: doc('note') }), 409, 'MEMBER_HAS_SCORED');
      await expectProblem(platform.replaceCommitteeMember(tender.projectId, { memberId: 'E5', replacementId: 'E4', reason: 'ill', reasonDocSha256: doc('note') }), 409, 'ALREADY_COMMITTEE_MEMBER');
      await expectProblem(platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('n') }), 409, 'SCORING_INCOMPLETE');
      await platform.recordScores(tender.projectId, { evaluatorId: 'E5', reportSha256: doc('r5'), scores: [{ bidderId: 'B1', score: 9000 }] });
      await expectProblem(platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('n') }), 409, 'SCORING_INCOMPLETE');
      await platform.recordScores(tender.projectId, { evaluatorId: 'E5', reportSha256: doc('r5b'), scores: [{ bidderId: 'B2', score: 8500 }, { bidderId: 'B3', score: 8000 }] });
      await expectProblem(platform.awardBid(tender.projectId, { bidderId: 'B4', noticeSha256: doc('n') }), 409, 'AWARD_TO_UNSCORED_BID');
      await expectProblem(platform.awardBid(tender.projectId, { bidderId: 'B2', noticeSha256: doc('n') }), 409, 'AWARD_NOT_FIRST_RANKED');
      await platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('n') });
      await expectProblem(platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('n') }), 409, 'ALREADY_AWARDED');
      await expectProblem(platform.releaseDeposit(tender.projectId, 'B2', { amount: DEPOSIT + 1 }), 409, 'RELEASE_ABOVE_DEPOSIT');
      await platform.releaseDeposit(tender.projectId, 'B2', { amount: DEPOSIT });
      await expectProblem(platform.releaseDeposit(tender.projectId, 'B2', { amount: DEPOSIT }), 409, 'DEPOSIT_ALREADY_RELEASED');
      await platform.signContract(tender.projectId, { contractSha256: doc('c') });
      await expectProblem(platform.signContract(tender.projectId, { contractSha256: doc('c') }), 409, 'CONTRACT_EXISTS');
      const error = await expectProblem(platform.notarise({ sha256: doc('x'), kind: 'correction', corrects: 'nope' }), 404, 'RECORD_NOT_FOUND');
      const contract = (await platform.getTrail(tender.projectId)).records.find((r) => r.step === 'ContractSigned')!;
      await expectProblem(otherPlatform.notarise({ sha256: doc('x'), kind: 'correction', corrects: contract.recordId }), 409, 'CORRECTION_NOT_ALLOWED');
      expect(error).to.be.instanceOf(NotFoundError);
      const rule = await refusal(platform.signContract(tender.projectId, { contractSha256: doc('c') }));
      expect(rule.error).to.be.instanceOf(RuleViolationError);
    });
  });

  describe('roles', () => {
    let tender: HttpTender;
    beforeEach(async () => {
      tender = new HttpTender(t, platform);
      await tender.register();
      await tender.bidder('B1', 90_000_000);
    });

    it('lets only the owning platform write a project\'s steps', async () => {
      await expectProblem(otherPlatform.registerBidder(tender.projectId, { bidderId: 'B2', deposit: { form: 'cash', amount: DEPOSIT } }), 403, 'NOT_PROJECT_OWNER');
      const other = await otherPlatform.notarise({ sha256: doc('other platform archive'), kind: 'archive' });
      expect(other.record.projectId).to.equal(null);
    });

    it('lets a regulator read everything and write nothing', async () => {
      await expectProblem(regulator.notarise({ sha256: doc('x'), kind: 'archive' }), 403, 'READ_ONLY_IDENTITY');
      await expectProblem(regulator.registerProject(new HttpTender(t, regulator).request()), 403, 'READ_ONLY_IDENTITY');
      const trail = await regulator.getTrail(tender.projectId);
      expect(trail.complete).to.equal(true);
      expect(trail.records.map((r) => r.step)).to.include('BidCommitted');
      const own = await regulator.bidderRecords(tender.projectId, 'B1');
      expect(own.records.map((r) => r.step)).to.deep.equal(['BidderRegistered', 'BidCommitted']);
    });

    it('lets a bidder read its own bid records, not another\'s, and write nothing', async () => {
      const bidder = await t.client('bidder', 'B1');
      const own = await bidder.bidderRecords(tender.projectId, 'B1');
      expect(own.records.map((r) => r.step)).to.deep.equal(['BidderRegistered', 'BidCommitted']);
      expect((own.records[1] as LedgerRecord<'BidCommitted'>).payload.commitment).to.equal(tender.sealed.get('B1')?.commitment);
      await expectProblem(bidder.bidderRecords(tender.projectId, 'B2'), 403, 'FORBIDDEN');
      await expectProblem(bidder.notarise({ sha256: doc('x'), kind: 'x' }), 403, 'FORBIDDEN');
      await expectProblem(otherPlatform.bidderRecords(tender.projectId, 'B1'), 403, 'FORBIDDEN');
      const trail = await bidder.getTrail(tender.projectId);
      expect(trail).to.include({ complete: false, chainValid: true });
    });

    it('refuses every protected route without a token', async () => {
      await expectProblem(anonymous.notarise({ sha256: doc('x'), kind: 'x' }), 401, 'UNAUTHENTICATED');
      await expectProblem(anonymous.getTrail(tender.projectId), 401, 'UNAUTHENTICATED');
      await expectProblem(anonymous.getProject(tender.projectId), 401, 'UNAUTHENTICATED');
    });
  });

  describe('tokens', () => {
    async function status(token: string): Promise<{ status: number; code: string }> {
      const res = await fetch(`${t.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    }
    const signed = (claims: Record<string, unknown>, setup: (jwt: SignJWT) => SignJWT, key?: CryptoKey) => t.sign(claims, setup, key);

    it('accepts a good token (the project then is simply not found)', async () => {
      expect(await status(await t.token('platform', 'gz-etrading'))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
    });

    it('refuses a tampered token', async () => {
      const token = await t.token('platform', 'gz-etrading');
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, role: 'regulator' })).toString('base64url');
      expect(await status(`${header}.${forged}.${signature}`)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
      expect(await status(`${header}.${payload}.${flipped}`)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('refuses an expired token', async () => {
      const token = await signed({ role: 'platform' }, (j) => j.setIssuer(t.issuer).setAudience('tender-ledger').setSubject('p1').setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_600));
      expect(await status(token)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('refuses a token for another audience, from an unknown issuer, without a role or signed by another key', async () => {
      const good = (j: SignJWT) => j.setIssuer(t.issuer).setAudience('tender-ledger').setSubject('p1').setIssuedAt().setExpirationTime('5m');
      expect(await status(await signed({ role: 'platform' }, (j) => good(j).setAudience('another-service')))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await status(await signed({ role: 'platform' }, (j) => good(j).setIssuer('https://evil.example')))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await status(await signed({ role: 'superuser' }, good))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
      const { privateKey } = await generateKeyPair('ES256');
      expect(await status(await signed({ role: 'platform' }, good, privateKey))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('accepts the Bearer scheme in any case (RFC 7235), with one or more spaces', async () => {
      const token = await t.token('platform', 'gz-etrading');
      for (const scheme of ['bearer ', 'BEARER ', 'BeArEr  ']) {
        const res = await fetch(`${t.url}/v1/projects/NONE`, { headers: { authorization: `${scheme}${token}` } });
        expect({ scheme, status: res.status }).to.deep.equal({ scheme, status: 404 });
      }
      const res = await fetch(`${t.url}/v1/projects/NONE`, { headers: { authorization: `Basic ${token}` } });
      expect(res.status).to.equal(401);
    });

    describe('lifetimes', () => {
      const now = () => Math.floor(Date.now() / 1000);
      // A platform with a Fabric identity: on Fabric an unmapped subject is 403 before the 404 these tests read.
      const claims = (j: SignJWT) => j.setIssuer(t.issuer).setAudience('tender-ledger').setSubject('gz-etrading');

      it('refuses an iat in the future beyond the clock tolerance (iat in 2100), accepts one within it', async () => {
        const in2100 = Math.floor(Date.UTC(2100, 0, 1) / 1000);
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setIssuedAt(in2100).setExpirationTime(in2100 + 600)))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setIssuedAt(now() + 120).setExpirationTime(now() + 600)))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setIssuedAt(now() + 10).setExpirationTime(now() + 600)))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
      });

      it('refuses a lifetime (exp - iat) longer than 24 h by default (exp in 9999), accepts 24 h', async () => {
        const year9999 = Math.floor(Date.UTC(9999, 0, 1) / 1000);
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setIssuedAt(now()).setExpirationTime(year9999)))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setIssuedAt(now()).setExpirationTime(now() + 86_401)))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setIssuedAt(now()).setExpirationTime(now() + 86_400)))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
      });

      it('without iat, refuses an exp more than the maximum lifetime from now', async () => {
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setExpirationTime(now() + 90_000)))).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
        expect(await status(await signed({ role: 'platform' }, (j) => claims(j).setExpirationTime(now() + 3_600)))).to.deep.equal({ status: 404, code: 'PROJECT_NOT_FOUND' });
      });

      it('takes the maximum from AUTH_MAX_TOKEN_LIFETIME_SECONDS', async () => {
        const short = await startTestGateway({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '600' }, backend);
        try {
          const at = async (token: string) => (await fetch(`${short.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${token}` } })).status;
          expect(await at(await short.token('platform', 'gz-etrading', 601))).to.equal(401);
          expect(await at(await short.token('platform', 'gz-etrading', 600))).to.equal(404);
        } finally {
          await short.close();
        }
      });
    });

    it('refuses alg: none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ iss: t.issuer, aud: 'tender-ledger', sub: 'p1', role: 'regulator', iat: now, exp: now + 600 })).toString('base64url');
      expect(await status(`${header}.${payload}.`)).to.deep.equal({ status: 401, code: 'UNAUTHENTICATED' });
    });
  });

  describe('receipts', () => {
    it('refuses a receipt altered by one character, offline and online', async () => {
      const { receipt } = await platform.notarise({ sha256: doc('announcement'), kind: 'announcement' });
      const jwks = await anonymous.jwks();
      const [header, payload, signature] = receipt.split('.') as [string, string, string];
      const at = Math.floor(payload.length / 2);
      const altered = `${header}.${payload.slice(0, at)}${payload[at] === 'x' ? 'y' : 'x'}${payload.slice(at + 1)}.${signature}`;
      const error = await refusal(verifyReceipt(altered, jwks));
      expect(error.error).to.be.instanceOf(ReceiptVerificationError);
      expect(error.code).to.be.oneOf(['RECEIPT_BAD_SIGNATURE', 'RECEIPT_MALFORMED']);
      expect(await anonymous.verifyReceiptOnline(altered)).to.include({ valid: false, signatureValid: false });
      const sigAt = Math.floor(signature.length / 2);
      const badSignature = `${header}.${payload}.${signature.slice(0, sigAt)}${signature[sigAt] === 'x' ? 'y' : 'x'}${signature.slice(sigAt + 1)}`;
      expect((await refusal(verifyReceipt(badSignature, jwks))).code).to.equal('RECEIPT_BAD_SIGNATURE');
    });

    it('says a validly signed receipt for a record that is not on this ledger is not valid', async () => {
      const jwk = JSON.parse(await readFile(path.join(t.dataDir, 'keys', 'receipts', `${t.gateway.receipts.currentKid}.private.jwk.json`), 'utf8')) as JWK;
      const { receipt } = await platform.notarise({ sha256: doc('real'), kind: 'x' });
      const claims = JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      const forged = await new CompactSign(Buffer.from(JSON.stringify({ ...claims, recordId: 'f'.repeat(64) })))
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid as string, typ: 'evidence-receipt+jws' }).sign(await importJWK(jwk, 'ES256'));
      expect(await anonymous.verifyReceiptOnline(forged)).to.include({ valid: false, signatureValid: true, onLedger: false });
      const moved = await new CompactSign(Buffer.from(JSON.stringify({ ...claims, blockNumber: 99 })))
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid as string, typ: 'evidence-receipt+jws' }).sign(await importJWK(jwk, 'ES256'));
      expect(await anonymous.verifyReceiptOnline(moved)).to.include({ valid: false, onLedger: true, recordUnchanged: true, blockMatches: false });
    });

    it('still verifies receipts signed before a key rotation', async () => {
      const before = await platform.notarise({ sha256: doc('before rotation'), kind: 'x' });
      const oldKid = t.gateway.receipts.currentKid;
      const newKid = await t.gateway.receipts.rotate();
      expect(newKid).to.not.equal(oldKid);
      const after = await platform.notarise({ sha256: doc('after rotation'), kind: 'x' });
      const jwks = await anonymous.jwks();
      expect(jwks.keys.map((k) => k.kid)).to.include.members([oldKid, newKid]);
      expect((await verifyReceipt(before.receipt, jwks)).kid).to.equal(oldKid);
      expect((await verifyReceipt(after.receipt, jwks)).kid).to.equal(newKid);
      expect((await anonymous.verifyReceiptOnline(before.receipt)).valid).to.equal(true);
    });
  });

  describe('Idempotency-Key', () => {
    it('answers a retried write with the first answer, never a second record', async () => {
      const tender = new HttpTender(t, platform);
      const body = JSON.stringify(tender.request());
      const token = await t.token('platform', 'gz-etrading');
      const send = (key: string, payload = body) => fetch(`${t.url}/v1/projects`, {
        method: 'POST', body: payload, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      });
      const [first, concurrent] = await Promise.all([send('retry-1'), send('retry-1')]);
      const again = await send('retry-1');
      expect([first.status, concurrent.status, again.status]).to.deep.equal([201, 201, 201]);
      const ids = await Promise.all([first, concurrent, again].map(async (r) => ((await r.json()) as { record: LedgerRecord }).record.recordId));
      expect(new Set(ids).size).to.equal(1);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      const trail = await platform.getTrail(tender.projectId);
      expect(trail.records).to.have.length(1);
      const reused = await send('retry-1', JSON.stringify(tender.request({ name: 'another project' })));
      expect(reused.status).to.equal(422);
      expect(((await reused.json()) as { code: string }).code).to.equal('IDEMPOTENCY_KEY_REUSED');
      const refused = await send('retry-2');
      expect(refused.status).to.equal(409);
      const refusedAgain = await send('retry-2');
      expect(((await refusedAgain.json()) as { code: string }).code).to.equal('PROJECT_EXISTS');
    });
  });

  describe('public verification', () => {
    it('shows where and when a hash was recorded, and plainly nothing for an unknown one', async () => {
      const tender = new HttpTender(t, platform);
      await tender.register();
      const found = await anonymous.verifyHash(doc(`tender ${tender.projectId}`));
      expect(found.records).to.have.length(1);
      expect(found.records[0]).to.include({ step: 'ProjectRegistered', projectId: tender.projectId });
      expect(found.records[0]?.blockNumber).to.be.a('number');
      expect((await anonymous.verifyHash(doc('never recorded'))).records).to.deep.equal([]);
    });

    it('never reveals a bidder of an unopened tender, nor how many', async () => {
      const tender = new HttpTender(t, platform);
      await tender.register();
      const { receipt } = await tender.bidder('B-SECRET-1', 90_000_000);
      await tender.bidder('B-SECRET-2', 91_000_000);
      const commitment = tender.sealed.get('B-SECRET-1')!.commitment;
      const res = await fetch(`${t.url}/v1/verify/${commitment}`);
      const text = await res.text();
      expect(res.status).to.equal(200);
      expect(text).to.not.include('B-SECRET');
      expect(JSON.parse(text).records[0]).to.include({ step: 'BidCommitted', redacted: true });
      expect(JSON.parse(text).records[0]).to.not.have.any.keys('seq', 'prevHash');
      const online = await fetch(`${t.url}/v1/receipts/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ receipt }) });
      const onlineText = await online.text();
      expect(JSON.parse(onlineText)).to.include({ valid: true, sealed: true });
      expect(onlineText).to.not.include('B-SECRET');
      const outsider = await (await t.client('platform', 'outsider')).getTrail(tender.projectId);
      expect(JSON.stringify(outsider)).to.not.include('B-SECRET');
      expect(outsider.records.map((r) => r.step)).to.deep.equal(['ProjectRegistered']);
      const status = await (await t.client('bidder', 'B-SECRET-2')).getProject(tender.projectId);
      expect(status).to.not.have.any.keys('bidders', 'liveBids', 'head');
    });

    it('never reveals a committee member before the award (IR art. 46), and the chain check still holds', async () => {
      const tender = new HttpTender(t, platform);
      await tender.register();
      for (const [bidderId, price] of [['B1', 90_000_000], ['B2', 92_000_000], ['B3', 94_000_000]] as const) await tender.bidder(bidderId, price);
      const members = ['EXPERT-SECRET-1', 'EXPERT-SECRET-2', 'EXPERT-SECRET-3', 'EXPERT-SECRET-4', 'EXPERT-SECRET-5'];
      const { receipt } = await tender.appoint(members);
      await tender.reachOpening();
      await platform.openBids(tender.projectId, { reveals: tender.reveals() });
      await tender.scored(members);
      const outsider = await t.client('platform', 'outsider');
      const before = await outsider.getTrail(tender.projectId);
      expect(JSON.stringify(before)).to.not.include('EXPERT-SECRET');
      expect(before).to.include({ complete: true, chainValid: true });
      expect(before.records.filter((r) => 'redacted' in r).map((r) => r.step)).to.deep.equal(['CommitteeAppointed', ...members.map(() => 'ScoresRecorded')]);
      expect(JSON.stringify(await anonymous.verifyHash(doc(`expert draw ${tender.projectId}`)))).to.not.include('EXPERT-SECRET');
      const online = await anonymous.verifyReceiptOnline(receipt);
      expect(online).to.include({ valid: true });
      expect(JSON.stringify(online)).to.not.include('EXPERT-SECRET');
      expect(JSON.stringify(await regulator.getTrail(tender.projectId))).to.include('EXPERT-SECRET-1');
      await platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('notice') });
      const after = await outsider.getTrail(tender.projectId);
      expect(after.records.some((r) => 'redacted' in r)).to.equal(false);
      expect(JSON.stringify(after)).to.include('EXPERT-SECRET-1');
    });
  });

  describe('bad input', () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${t.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

    it('answers 400 naming every bad field, never 500', async () => {
      const tender = new HttpTender(t, platform);
      const error = await refusal(platform.registerProject({ ...tender.request(), estimatedPrice: 10.5, tenderDocSha256: 'nothex', extra: true } as unknown as RegisterProjectRequest));
      expect(error.status).to.equal(400);
      expect(error.error).to.be.instanceOf(ValidationError);
      expect((error.error as ValidationError).fields.map((f) => f.field)).to.include.members(['/estimatedPrice', '/tenderDocSha256']);
      const badPath = await refusal(platform.registerBidder('bad id!', { bidderId: 'B1', deposit: { form: 'cash', amount: 1 } }));
      expect(badPath.code).to.equal('INVALID_ARGUMENT');
      expect((badPath.error as ValidationError).fields[0]?.field).to.equal('/params/projectId');
    });

    it('answers 400 INVALID_ARGUMENT for instants that do not exist (2026-02-30, T24:00:00, T23:60:00, :60Z)', async () => {
      const tender = new HttpTender(t, platform);
      const year = new Date(t.time.nowMs() + 400 * 86_400_000).getUTCFullYear();
      for (const impossible of [`${year}-02-30T10:00:00Z`, `${year}-06-01T24:00:00Z`, `${year}-06-01T23:60:00Z`, `${year}-06-01T23:59:60Z`]) {
        const error = await refusal(platform.registerProject({ ...tender.request(), bidDeadline: impossible }));
        expect({ status: error.status, code: error.code }, impossible).to.deep.equal({ status: 400, code: 'INVALID_ARGUMENT' });
        expect((error.error as ValidationError).fields.map((f) => f.field), impossible).to.include('/bidDeadline');
      }
    });

    it('answers malformed JSON with 400, a huge body with 413, another media type with 415 and an unknown route with 404', async () => {
      const token = await t.token('platform', 'gz-etrading');
      const auth = { authorization: `Bearer ${token}` };
      const malformed = await post('/v1/evidence', '{"sha256":', auth);
      expect([malformed.status, malformed.headers.get('content-type')]).to.deep.equal([400, 'application/problem+json; charset=utf-8']);
      const huge = await post('/v1/evidence', JSON.stringify({ sha256: doc('x'), kind: 'x', metadata: { big: 'x'.repeat(2_000_000) } }), auth);
      expect(huge.status).to.equal(413);
      expect(((await huge.json()) as { code: string }).code).to.equal('PAYLOAD_TOO_LARGE');
      const text = await fetch(`${t.url}/v1/evidence`, { method: 'POST', body: 'sha256=x', headers: { 'content-type': 'text/plain', ...auth } });
      expect(text.status).to.equal(415);
      const unknown = await fetch(`${t.url}/v1/nothing`);
      expect([unknown.status, ((await unknown.json()) as { code: string }).code]).to.deep.equal([404, 'NOT_FOUND']);
      const receipt = await post('/v1/receipts/verify', JSON.stringify({ receipt: 42 }));
      expect(receipt.status).to.equal(400);
      const hash = await fetch(`${t.url}/v1/verify/not-a-hash`);
      expect(hash.status).to.equal(400);
    });

    it('answers a lone surrogate or a NUL in free text with 400 naming the field, so every record stays canonicalisable (RFC 8785)', async () => {
      const auth = { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` };
      const tender = new HttpTender(t, platform);
      const bodies: [string, unknown, string][] = [
        ['/v1/projects', { ...tender.request(), name: 'road \ud800' }, '/name'],
        ['/v1/projects', { ...tender.request(), tenderer: 'a\u0000b' }, '/tenderer'],
        ['/v1/evidence', { sha256: doc('x'), kind: 'minutes', metadata: { title: '\udfff' } }, '/metadata/title'],
      ];
      for (const [url, body, field] of bodies) {
        const response = await post(url, JSON.stringify(body), auth);
        const problem = (await response.json()) as { code: string; errors: { field: string; message: string }[] };
        expect([url, response.status, problem.code]).to.deep.equal([url, 400, 'INVALID_ARGUMENT']);
        expect(problem.errors).to.deep.include({ field, message: 'must be well-formed Unicode without NUL (RFC 8785)' });
      }
      const emoji = await post('/v1/evidence', JSON.stringify({ sha256: doc('y'), kind: 'minutes 🚧', metadata: { title: '会议纪要 😀' } }), auth);
      expect(emoji.status).to.equal(201);
    });

    it('answers a correction that names no record id (NUL, U+10FFFF: ledger key delimiters) with 400, never 500', async () => {
      const auth = { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` };
      for (const corrects of ['a\u0000b', 'a\u{10FFFF}', '记录']) {
        const response = await post('/v1/evidence', JSON.stringify({ sha256: doc('c'), kind: 'correction', corrects }), auth);
        const problem = (await response.json()) as { code: string; errors: { field: string }[] };
        expect([corrects, response.status, problem.code, problem.errors[0]?.field]).to.deep.equal([corrects, 400, 'INVALID_ARGUMENT', '/corrects']);
      }
    });

    it('answers a path that is not valid percent-encoded UTF-8 with 400 INVALID_ARGUMENT, never 500', async () => {
      const auth = { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` };
      const requests: [string, string][] = [
        ['GET', '/v1/records/%zz'], ['GET', '/certificate/%zz'], ['GET', '/v1/projects/%E0%A4%A'], ['GET', '/v1/projects/%C0%AF'],
        ['POST', '/v1/projects/%zz/bids'],
      ];
      for (const [method, url] of requests) {
        const response = await fetch(`${t.url}${url}`, { method, headers: { ...auth, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
        const problem = (await response.json()) as { code: string; errors?: { field: string }[] };
        expect([method, url, response.status, response.headers.get('content-type'), problem.code])
          .to.deep.equal([method, url, 400, 'application/problem+json; charset=utf-8', 'INVALID_ARGUMENT']);
      }
    });

    it('answers a body its content-encoding does not decode with 400, an unknown encoding or charset with 415, never 500', async () => {
      const auth = { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` };
      const body = JSON.stringify({ sha256: doc('x'), kind: 'x' });
      for (const encoding of ['br', 'gzip', 'deflate']) {
        const response = await post('/v1/evidence', body, { ...auth, 'content-encoding': encoding });
        expect([encoding, response.status, ((await response.json()) as { code: string }).code]).to.deep.equal([encoding, 400, 'INVALID_ARGUMENT']);
      }
      const unknown = await post('/v1/evidence', body, { ...auth, 'content-encoding': 'x-unknown' });
      expect([unknown.status, ((await unknown.json()) as { code: string }).code]).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
      const charset = await post('/v1/evidence', body, { ...auth, 'content-type': 'application/json; charset=koi8-r' });
      expect([charset.status, ((await charset.json()) as { code: string }).code]).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
      const { gzipSync } = await import('node:zlib');
      const gzipped = await fetch(`${t.url}/v1/evidence`, { method: 'POST', body: gzipSync(body), headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' } });
      expect(gzipped.status).to.equal(201);
    });

    it('publishes its schemas as OpenAPI 3.1', async () => {
      const doc31 = (await (await fetch(`${t.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, { post?: { requestBody: { content: { 'application/json': { schema: { required: string[] } } } } } }> };
      expect(doc31.openapi).to.equal('3.1.0');
      expect(doc31.paths['/v1/projects']?.post?.requestBody.content['application/json'].schema.required).to.include('bidDeadline');
      expect(Object.keys(doc31.paths)).to.include.members([
        '/v1/projects/{projectId}/bids', '/v1/projects/{projectId}/committee', '/v1/projects/{projectId}/committee/replacements', '/v1/verify/{sha256}', '/v1/receipts/verify',
      ]);
    });
  });

  describe('rate limiting', () => {
    it('answers 429 with Retry-After past the limit', async () => {
      const limited = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '5' }, backend);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 7; i++) statuses.push((await fetch(`${limited.url}/v1/verify/${doc('x')}`)).status);
        expect(statuses.slice(0, 5)).to.deep.equal([200, 200, 200, 200, 200]);
        const res = await fetch(`${limited.url}/v1/verify/${doc('x')}`);
        expect(res.status).to.equal(429);
        expect(res.headers.get('retry-after')).to.equal('60');
        expect(((await res.json()) as { code: string }).code).to.equal('RATE_LIMITED');
      } finally {
        await limited.close();
      }
    });

    it('limits many random bearer strings from one address: made-up tokens do not each get a fresh count', async () => {
      const limited = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '5' }, backend);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 8; i++) {
          const made = `${Buffer.from(randomBytes(12)).toString('base64url')}.${Buffer.from(randomBytes(24)).toString('base64url')}.${Buffer.from(randomBytes(32)).toString('base64url')}`;
          statuses.push((await fetch(`${limited.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${made}` } })).status);
        }
        expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429, 429, 429]);
      } finally {
        await limited.close();
      }
    });

    it('limits a verified caller by (issuer, sub), whichever of its tokens it sends, and not by the address it shares', async () => {
      const limited = await startTestGateway({ RATE_LIMIT_PER_MINUTE: '5' }, backend);
      try {
        const get = async (token: string) => (await fetch(`${limited.url}/v1/projects/NONE`, { headers: { authorization: `Bearer ${token}` } })).status;
        const statuses: number[] = [];
        // A fresh token per request (lifetimes differ, so the tokens do).
        for (let i = 0; i < 7; i++) statuses.push(await get(await limited.token('platform', 'gz-etrading', 600 + i)));
        expect(statuses).to.deep.equal([404, 404, 404, 404, 404, 429, 429]);
        // Another platform from the same address still has its own allowance.
        expect(await get(await limited.token('platform', 'zunyi-etrading'))).to.equal(404);
      } finally {
        await limited.close();
      }
    });
  });

  describe('supervision and bidder views', () => {
    it('lists projects with their status, filterable, and a record publicly with its block', async () => {
      const tender = new HttpTender(t, platform);
      const { record } = await tender.register({ category: `roads-${RUN}` });
      const listed = (await (await fetch(`${t.url}/v1/projects?category=roads-${RUN}`, { headers: { authorization: `Bearer ${await t.token('regulator', 'supervision-bureau')}` } })).json()) as { projects: { projectId: string; status: string }[] };
      expect(listed.projects).to.deep.equal([{ ...listed.projects[0], projectId: tender.projectId, status: 'bidding' }]);
      const none = (await (await fetch(`${t.url}/v1/projects?category=roads-${RUN}&status=contracted`, { headers: { authorization: `Bearer ${await t.token('regulator', 'supervision-bureau')}` } })).json()) as { projects: unknown[] };
      expect(none.projects).to.deep.equal([]);
      const publicRecord = (await (await fetch(`${t.url}/v1/records/${record.recordId}`)).json()) as { hash: string; blockNumber: number; blockHash: string };
      expect(publicRecord.hash).to.equal(record.hash);
      expect(publicRecord.blockNumber).to.be.a('number');
      expect(publicRecord.blockHash).to.be.a('string');
    });

    it('gives a bidder its bids across projects with a receipt for each commitment, and nobody else\'s', async () => {
      const bidderId = `BIDDER-${RUN}`;
      const first = new HttpTender(t, platform);
      const second = new HttpTender(t, otherPlatform);
      await first.register();
      await second.register();
      await first.bidder(bidderId, 90_000_000);
      await second.bidder(bidderId, 91_000_000);
      await second.bidder('SOMEONE-ELSE', 92_000_000);
      const bidderToken = await t.token('bidder', bidderId);
      const mine = (await (await fetch(`${t.url}/v1/bidders/${bidderId}/bids`, { headers: { authorization: `Bearer ${bidderToken}` } })).json()) as { bids: { projectId: string; commitments: { record: LedgerRecord; receipt: string }[] }[] };
      expect(mine.bids.map((b) => b.projectId).sort()).to.deep.equal([first.projectId, second.projectId].sort());
      const jwks = await anonymous.jwks();
      for (const bid of mine.bids) {
        expect(bid.commitments).to.have.length(1);
        expect((await verifyReceipt(bid.commitments[0]!.receipt, jwks)).claims.recordId).to.equal(bid.commitments[0]!.record.recordId);
      }
      expect(JSON.stringify(mine)).to.not.include('SOMEONE-ELSE');
      const other = await fetch(`${t.url}/v1/bidders/SOMEONE-ELSE/bids`, { headers: { authorization: `Bearer ${bidderToken}` } });
      expect(other.status).to.equal(403);
      const byPlatform = await fetch(`${t.url}/v1/bidders/${bidderId}/bids`, { headers: { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` } });
      expect(byPlatform.status).to.equal(403);
    });
  });

  describe('GET /healthz', () => {
    it('reports the ledger backend and a height that grows with each block', async () => {
      const before = await anonymous.health();
      await platform.notarise({ sha256: doc(`health ${RUN}`), kind: 'x' });
      const after = await anonymous.health();
      expect(after).to.include({ status: 'ok' });
      expect(after.ledger.backend).to.equal(backend);
      expect(after.ledger.height).to.be.greaterThan(before.ledger.height ?? 0);
    });
  });

  describe('SDK errors', () => {
    it('are typed by status', async () => {
      expect((await refusal(anonymous.getTrail('X'))).error).to.be.instanceOf(AuthError);
    });
  });
});

// Embedded only: these need days to pass, which only the embedded ledger's clock can do.
if (testBackends().includes('embedded')) describe('regulator reports (embedded ledger: they need days to pass)', function () {
  let t: TestGateway;
  beforeEach(async () => { t = await startTestGateway(); });
  afterEach(() => t.close());

  it('lists deposits not released within 5 days of the contract or a withdrawal, with days overdue', async () => {
    const platform = await t.client('platform', 'gz-etrading');
    const regulatorToken = await t.token('regulator', 'supervision-bureau');
    const tender = new HttpTender(t, platform);
    await tender.register();
    await tender.bidder('B1', 90_000_000);
    await tender.bidder('B2', 92_000_000);
    await tender.bidder('B3', 94_000_000);
    await tender.bidder('B4', 95_000_000);
    await platform.withdrawBid(tender.projectId, 'B4');
    await tender.appoint();
    await tender.reachOpening();
    await platform.openBids(tender.projectId, { reveals: tender.reveals(['B4']) });
    await tender.scored();
    await platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('notice') });
    await platform.releaseDeposit(tender.projectId, 'B2', { amount: DEPOSIT });
    await platform.signContract(tender.projectId, { contractSha256: doc('contract') });
    // Eight days and a second: steps taken at one instant of the moved clock are stamped 1 ms apart.
    t.clock.advance(8 * 86_400_000 + 1000);
    const report = (await (await fetch(`${t.url}/v1/reports/overdue-deposits`, { headers: { authorization: `Bearer ${regulatorToken}` } })).json()) as { overdue: { bidderId: string; daysOverdue: number; dueAfter: string }[] };
    const byBidder = Object.fromEntries(report.overdue.map((o) => [o.bidderId, o]));
    expect(Object.keys(byBidder).sort()).to.deep.equal(['B1', 'B3', 'B4']);
    expect(byBidder.B4).to.include({ dueAfter: 'withdrawal' });
    expect(byBidder.B4!.daysOverdue).to.be.greaterThan(byBidder.B1!.daysOverdue);
    expect(byBidder.B1).to.include({ dueAfter: 'contract', daysOverdue: 3 });
    await platform.releaseDeposit(tender.projectId, 'B1', { amount: DEPOSIT });
    const after = (await (await fetch(`${t.url}/v1/reports/overdue-deposits`, { headers: { authorization: `Bearer ${regulatorToken}` } })).json()) as { overdue: { bidderId: string }[] };
    expect(after.overdue.map((o) => o.bidderId).sort()).to.deep.equal(['B3', 'B4']);
    const refused = await fetch(`${t.url}/v1/reports/overdue-deposits`, { headers: { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` } });
    expect(refused.status).to.equal(403);
  });

  it('counts projects per category per year with the year-on-year change', async () => {
    const platform = await t.client('platform', 'gz-etrading');
    const register = (category: string) => new HttpTender(t, platform).register({ category });
    await register('construction');
    await register('construction');
    await register('land');
    t.clock.advance(366 * 86_400_000);
    for (let i = 0; i < 5; i++) await register('construction');
    const report = (await (await fetch(`${t.url}/v1/reports/projects-by-category`, { headers: { authorization: `Bearer ${await t.token('regulator', 'r')}` } })).json()) as { rows: { year: number; category: string; projects: number; change: number | null }[]; totals: { year: number; projects: number; change: number | null }[] };
    const year = new Date(t.time.nowMs()).getUTCFullYear();
    expect(report.rows).to.deep.include({ year, category: 'construction', projects: 5, change: 3 });
    expect(report.rows).to.deep.include({ year: year - 1, category: 'land', projects: 1, change: null });
    expect(report.totals[0]).to.deep.equal({ year, projects: 5, change: 2 });
  });
});
