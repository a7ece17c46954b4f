import { expect } from 'chai';
import { ValidationError, verifyReceipt, type WriteResult } from '@tender-ledger/client-sdk';
import { checkChain, type LedgerRecord, type RegisterProjectRequest } from '@tender-ledger/domain';
import { instanceOf, present } from '../helpers/assert.js';
import { onEachBackend } from '../helpers/http-suite.js';
import { DEPOSIT, Tender, doc } from '../helpers/tender.js';
import { expectRefusal, refusal } from '../helpers/refusal.js';

onEachBackend((s) => {
  describe('POST /v1/projects and every step after it', () => {
    describe('through a whole tender', () => {
      it("records every step with a receipt that verifies offline and online, and the trail's chain holds", async () => {
        const { platform, regulator, anonymous } = s;
        const tender = Tender.overHttp(s.t, platform);
        const results: WriteResult[] = [];
        results.push(await tender.register());
        results.push(await tender.bid('B1', 90_000_000));
        results.push(await tender.bid('B2', 92_000_000));
        results.push(await tender.bid('B3', 94_000_000));
        await tender.bid('B4', 95_000_000);
        results.push(await tender.withdraw('B4'));
        results.push(await platform.releaseDeposit(tender.projectId, 'B4', { amount: DEPOSIT }));
        results.push(await tender.appointCommittee(['E1', 'E2', 'E3', 'E4', 'E9']));
        results.push(
          await platform.replaceCommitteeMember(tender.projectId, {
            memberId: 'E9',
            replacementId: 'E5',
            reason: 'E9 is related to bidder B2',
            reasonDocSha256: doc('recusal E9'),
          }),
        );
        await tender.reachOpening();
        const opened = await tender.open(tender.reveals(['B4']));
        expect((opened.record as LedgerRecord<'BidsOpened'>).payload.bids.every((b) => b.outcome === 'VALID')).to.equal(true);
        await tender.scoreByCommittee();
        const award = await platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('notice') });
        expect(award.record.payload.firstRanked).to.equal(true);
        for (const bidderId of ['B2', 'B3']) results.push(await platform.releaseDeposit(tender.projectId, bidderId, { amount: DEPOSIT }));
        results.push(await platform.signContract(tender.projectId, { contractSha256: doc('contract') }));
        results.push(await platform.releaseDeposit(tender.projectId, 'B1', { amount: DEPOSIT, interest: 1234 }));

        const jwks = await anonymous.jwks();
        for (const { record, receipt } of results) {
          const { claims } = await verifyReceipt(receipt, jwks);
          expect(claims).to.include({
            recordId: record.recordId,
            recordHash: record.hash,
            step: record.step,
            projectId: tender.projectId,
            ledgerTime: record.txTime,
          });
          const online = await anonymous.verifyReceiptOnline(receipt);
          expect(online).to.include({ valid: true, signatureValid: true, onLedger: true, recordUnchanged: true, blockMatches: true });
        }
        const trail = await regulator.getTrail(tender.projectId);
        expect(trail.chainValid).to.equal(true);
        expect(trail.records).to.have.length(24);
        expect(checkChain(trail.records as LedgerRecord[]).valid).to.equal(true);
        expect((await regulator.getProject(tender.projectId)).status).to.equal('contracted');
        const commitmentReceipt = (await verifyReceipt(present(results[1], "the commitment's answer").receipt, jwks)).claims;
        expect(commitmentReceipt.subjectSha256).to.equal(tender.bids.get('B1')?.commitment);
      });
    });

    // The tender rules each step enforces: step-rules.test.ts.

    describe('when the caller may not write the step', () => {
      let tender: Tender<'http'>;
      beforeEach(async () => {
        tender = Tender.overHttp(s.t, s.platform);
        await tender.register();
        await tender.bid('B1', 90_000_000);
      });

      it('answers 403 NOT_PROJECT_OWNER to another platform, which still notarises its own documents', async () => {
        await expectRefusal(
          s.otherPlatform.registerBidder(tender.projectId, { bidderId: 'B2', deposit: { form: 'cash', amount: DEPOSIT } }),
          'NOT_PROJECT_OWNER',
        );
        const other = await s.otherPlatform.notarise({ sha256: doc('other platform archive'), kind: 'archive' });
        expect(other.record.projectId).to.equal(null);
      });

      it('answers 403 READ_ONLY_IDENTITY to a regulator', async () => {
        await expectRefusal(s.regulator.notarise({ sha256: doc('x'), kind: 'archive' }), 'READ_ONLY_IDENTITY');
        await expectRefusal(s.regulator.registerProject(Tender.overHttp(s.t, s.regulator).projectRequest()), 'READ_ONLY_IDENTITY');
      });

      it('answers 403 FORBIDDEN to a bidder', async () => {
        const bidder = await s.t.client('bidder', 'B1');
        await expectRefusal(bidder.notarise({ sha256: doc('x'), kind: 'x' }), 'FORBIDDEN');
      });

      it('answers 401 UNAUTHENTICATED without a token', async () => {
        await expectRefusal(s.anonymous.notarise({ sha256: doc('x'), kind: 'x' }), 'UNAUTHENTICATED');
      });
    });

    describe('with an Idempotency-Key', () => {
      it('answers a retried write with the first answer, never a second record', async () => {
        const { t, platform } = s;
        const tender = Tender.overHttp(t, platform);
        const body = JSON.stringify(tender.projectRequest());
        const token = await t.token('platform', 'gz-etrading');
        const send = (key: string, payload = body) =>
          fetch(`${t.url}/v1/projects`, {
            method: 'POST',
            body: payload,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
          });
        const [first, concurrent] = await Promise.all([send('retry-1'), send('retry-1')]);
        const again = await send('retry-1');
        expect([first.status, concurrent.status, again.status]).to.deep.equal([201, 201, 201]);
        const answers = await Promise.all(
          [first, concurrent, again].map(async (r) => (await r.json()) as { record: LedgerRecord; receipt: string }),
        );
        expect(new Set(answers.map((a) => a.record.recordId)).size).to.equal(1);
        expect(again.headers.get('idempotent-replayed')).to.equal('true');
        // The first answer again, rebuilt from the ledger and what the store kept: the very same receipt.
        expect(answers[2]).to.deep.equal(answers[0]);
        expect(answers[1]).to.deep.equal(answers[0]);
        const trail = await platform.getTrail(tender.projectId);
        expect(trail.records).to.have.length(1);
        const reused = await send('retry-1', JSON.stringify(tender.projectRequest({ name: 'another project' })));
        expect(reused.status).to.equal(422);
        expect(((await reused.json()) as { code: string }).code).to.equal('IDEMPOTENCY_KEY_REUSED');
        const refused = await send('retry-2');
        expect(refused.status).to.equal(409);
        const refusedAgain = await send('retry-2');
        expect(((await refusedAgain.json()) as { code: string }).code).to.equal('PROJECT_EXISTS');
      });
    });

    describe('with bad input', () => {
      const post = (path: string, body: string, headers: Record<string, string> = {}) =>
        fetch(`${s.t.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

      it('answers a lone surrogate or a NUL in free text with 400 naming the field, so every record stays canonicalisable (RFC 8785)', async () => {
        const auth = { authorization: `Bearer ${await s.t.token('platform', 'gz-etrading')}` };
        const tender = Tender.overHttp(s.t, s.platform);
        const bodies: [string, unknown, string][] = [
          ['/v1/projects', { ...tender.projectRequest(), name: 'road \ud800' }, '/name'],
          ['/v1/projects', { ...tender.projectRequest(), tenderer: 'a\u0000b' }, '/tenderer'],
          ['/v1/evidence', { sha256: doc('x'), kind: 'minutes', metadata: { title: '\udfff' } }, '/metadata/title'],
        ];
        for (const [url, body, field] of bodies) {
          const response = await post(url, JSON.stringify(body), auth);
          const problem = (await response.json()) as { code: string; errors: { field: string; message: string }[] };
          expect([url, response.status, problem.code]).to.deep.equal([url, 400, 'INVALID_ARGUMENT']);
          expect(problem.errors).to.deep.include({ field, message: 'must be well-formed Unicode without NUL (RFC 8785)' });
        }
        const emoji = await post(
          '/v1/evidence',
          JSON.stringify({ sha256: doc('y'), kind: 'minutes 🚧', metadata: { title: '会议纪要 😀' } }),
          auth,
        );
        expect(emoji.status).to.equal(201);
      });

      it('answers a correction that names no record id (NUL, U+10FFFF: ledger key delimiters) with 400, never 500', async () => {
        const auth = { authorization: `Bearer ${await s.t.token('platform', 'gz-etrading')}` };
        for (const corrects of ['a\u0000b', 'a\u{10FFFF}', '记录']) {
          const response = await post('/v1/evidence', JSON.stringify({ sha256: doc('c'), kind: 'correction', corrects }), auth);
          const problem = (await response.json()) as { code: string; errors: { field: string }[] };
          expect([corrects, response.status, problem.code, problem.errors[0]?.field]).to.deep.equal([
            corrects,
            400,
            'INVALID_ARGUMENT',
            '/corrects',
          ]);
        }
      });

      it('answers 400 naming every bad field, never 500', async () => {
        const tender = Tender.overHttp(s.t, s.platform);
        const error = await refusal(
          s.platform.registerProject({
            ...tender.projectRequest(),
            estimatedPrice: 10.5,
            tenderDocSha256: 'nothex',
            extra: true,
          } as unknown as RegisterProjectRequest),
        );
        expect(error.status).to.equal(400);
        expect(instanceOf(error.error, ValidationError).fields.map((f) => f.field)).to.include.members([
          '/estimatedPrice',
          '/tenderDocSha256',
        ]);
        const badPath = await refusal(s.platform.registerBidder('bad id!', { bidderId: 'B1', deposit: { form: 'cash', amount: 1 } }));
        expect(badPath.code).to.equal('INVALID_ARGUMENT');
        expect(instanceOf(badPath.error, ValidationError).fields[0]?.field).to.equal('/params/projectId');
      });

      it('answers 400 INVALID_ARGUMENT for instants that do not exist (2026-02-30, T24:00:00, T23:60:00, :60Z)', async () => {
        const { t, platform } = s;
        const tender = Tender.overHttp(t, platform);
        const year = new Date(t.time.nowMs() + 400 * 86_400_000).getUTCFullYear();
        for (const impossible of [
          `${year}-02-30T10:00:00Z`,
          `${year}-06-01T24:00:00Z`,
          `${year}-06-01T23:60:00Z`,
          `${year}-06-01T23:59:60Z`,
        ]) {
          const error = await refusal(platform.registerProject({ ...tender.projectRequest(), bidDeadline: impossible }));
          expect({ status: error.status, code: error.code }, impossible).to.deep.equal({ status: 400, code: 'INVALID_ARGUMENT' });
          expect(
            instanceOf(error.error, ValidationError, impossible).fields.map((f) => f.field),
            impossible,
          ).to.include('/bidDeadline');
        }
      });
    });
  });

  describe('POST /v1/evidence', () => {
    describe('with a body that is not acceptable', () => {
      it('answers malformed JSON with 400, a huge body with 413 and another media type with 415', async () => {
        const { t } = s;
        const auth = { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` };
        const post = (body: string) =>
          fetch(`${t.url}/v1/evidence`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...auth } });
        const malformed = await post('{"sha256":');
        expect([malformed.status, malformed.headers.get('content-type')]).to.deep.equal([400, 'application/problem+json; charset=utf-8']);
        const huge = await post(JSON.stringify({ sha256: doc('x'), kind: 'x', metadata: { big: 'x'.repeat(2_000_000) } }));
        expect(huge.status).to.equal(413);
        expect(((await huge.json()) as { code: string }).code).to.equal('PAYLOAD_TOO_LARGE');
        const text = await fetch(`${t.url}/v1/evidence`, {
          method: 'POST',
          body: 'sha256=x',
          headers: { 'content-type': 'text/plain', ...auth },
        });
        expect(text.status).to.equal(415);
      });

      it('answers a body its content-encoding does not decode with 400, an unknown encoding or charset with 415, never 500', async () => {
        const { t } = s;
        const auth = { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` };
        const post = (body: string, headers: Record<string, string>) =>
          fetch(`${t.url}/v1/evidence`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
        const body = JSON.stringify({ sha256: doc('x'), kind: 'x' });
        for (const encoding of ['br', 'gzip', 'deflate']) {
          const response = await post(body, { ...auth, 'content-encoding': encoding });
          expect([encoding, response.status, ((await response.json()) as { code: string }).code]).to.deep.equal([
            encoding,
            400,
            'INVALID_ARGUMENT',
          ]);
        }
        const unknown = await post(body, { ...auth, 'content-encoding': 'x-unknown' });
        expect([unknown.status, ((await unknown.json()) as { code: string }).code]).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
        const charset = await post(body, { ...auth, 'content-type': 'application/json; charset=koi8-r' });
        expect([charset.status, ((await charset.json()) as { code: string }).code]).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
        const { gzipSync } = await import('node:zlib');
        const gzipped = await fetch(`${t.url}/v1/evidence`, {
          method: 'POST',
          body: gzipSync(body),
          headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        });
        expect(gzipped.status).to.equal(201);
      });
    });
  });
});
