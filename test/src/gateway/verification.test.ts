import { expect } from 'chai';
import { CompactSign, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ReceiptVerificationError, verifyReceipt } from '@tender-ledger/client-sdk';
import { present } from '../helpers/assert.js';
import { onEachBackend } from '../helpers/http-suite.js';
import { Tender, doc } from '../helpers/tender.js';
import { refusal } from '../helpers/refusal.js';

onEachBackend((s) => {
  describe('GET /v1/verify/:sha256', () => {
    it('shows where and when a hash was recorded, and plainly nothing for an unknown one', async () => {
      const tender = Tender.overHttp(s.t, s.platform);
      const { record } = await tender.register();
      const found = await s.anonymous.verifyHash(record.payload.tenderDocSha256);
      expect(found.records).to.have.length(1);
      expect(found.records[0]).to.include({ step: 'ProjectRegistered', projectId: tender.projectId });
      // A sealed project's records go without their block until the opening: on a quiet ledger
      // the gaps between block numbers would count its sealed steps.
      expect(found.records[0]).to.not.have.property('blockNumber');
      expect((await s.anonymous.verifyHash(doc('never recorded'))).records).to.deep.equal([]);
    });

    describe('for a bid of an unopened tender (BL art. 22)', () => {
      it('gives an attacker no block numbers of a sealed project to count gaps between, and no inclusion proof', async () => {
        const { t, platform } = s;
        const tender = Tender.overHttp(t, platform);
        const { record } = await tender.register();
        await tender.bid('B-GAP-1', 90_000_000);
        await tender.bid('B-GAP-2', 91_000_000);
        const { commitment } = present(tender.bids.get('B-GAP-1'), "B-GAP-1's bid");
        // On a quiet ledger, block(b) - block(a) - 1 would count the sealed steps between two records.
        const registration = (await (await fetch(`${t.url}/v1/records/${record.recordId}`)).json()) as Record<string, unknown>;
        const bid = (await (await fetch(`${t.url}/v1/verify/${commitment}`)).json()) as { records: Record<string, unknown>[] };
        expect(registration).to.not.have.any.keys('blockNumber', 'blockHash');
        expect(bid.records[0]).to.not.have.any.keys('blockNumber', 'bidderChain', 'seq', 'prevHash');
        // The inclusion proof does not exist before the opening either.
        const early = await fetch(`${t.url}/v1/projects/${tender.projectId}/bids/B-GAP-1/inclusion`);
        expect(early.status).to.equal(409);
        expect(((await early.json()) as { code: string }).code).to.equal('NOT_OPENED');
      });

      it("never reveals a bidder nor how many: not here, nor on the receipt check, another platform's trail or a bidder's status view", async () => {
        const { t, platform } = s;
        const tender = Tender.overHttp(t, platform);
        await tender.register();
        const { receipt } = await tender.bid('B-SECRET-1', 90_000_000);
        await tender.bid('B-SECRET-2', 91_000_000);
        const { commitment } = present(tender.bids.get('B-SECRET-1'), "B-SECRET-1's bid");
        const res = await fetch(`${t.url}/v1/verify/${commitment}`);
        const text = await res.text();
        expect(res.status).to.equal(200);
        expect(text).to.not.include('B-SECRET');
        expect(JSON.parse(text).records[0]).to.include({ step: 'BidCommitted', redacted: true });
        expect(JSON.parse(text).records[0]).to.not.have.any.keys('seq', 'prevHash');
        const online = await fetch(`${t.url}/v1/receipts/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ receipt }),
        });
        const onlineText = await online.text();
        expect(JSON.parse(onlineText)).to.include({ valid: true, sealed: true });
        expect(onlineText).to.not.include('B-SECRET');
        const outsider = await (await t.client('platform', 'outsider')).getTrail(tender.projectId);
        expect(JSON.stringify(outsider)).to.not.include('B-SECRET');
        expect(outsider.records.map((r) => r.step)).to.deep.equal(['ProjectRegistered']);
        const status = await (await t.client('bidder', 'B-SECRET-2')).getProject(tender.projectId);
        expect(status).to.not.have.any.keys('bidders', 'liveBids', 'head');
      });
    });

    describe("for the committee's draw before the award (IR art. 46)", () => {
      it('never reveals a committee member, here nor on the trail or receipt check, and the chain check still holds', async () => {
        const { t, platform, anonymous, regulator } = s;
        const tender = Tender.overHttp(t, platform);
        await tender.register();
        for (const [bidderId, price] of [
          ['B1', 90_000_000],
          ['B2', 92_000_000],
          ['B3', 94_000_000],
        ] as const)
          await tender.bid(bidderId, price);
        const members = ['EXPERT-SECRET-1', 'EXPERT-SECRET-2', 'EXPERT-SECRET-3', 'EXPERT-SECRET-4', 'EXPERT-SECRET-5'];
        const { receipt } = await tender.appointCommittee(members);
        await tender.reachOpening();
        await tender.open(tender.reveals());
        await tender.scoreByCommittee(members);
        const outsider = await t.client('platform', 'outsider');
        const before = await outsider.getTrail(tender.projectId);
        expect(JSON.stringify(before)).to.not.include('EXPERT-SECRET');
        expect(before).to.include({ complete: true, chainValid: true });
        expect(before.records.filter((r) => 'redacted' in r).map((r) => r.step)).to.deep.equal([
          'CommitteeAppointed',
          ...members.map(() => 'ScoresRecorded'),
        ]);
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

    describe('with something that is not a SHA-256', () => {
      it('answers 400', async () => {
        const hash = await fetch(`${s.t.url}/v1/verify/not-a-hash`);
        expect(hash.status).to.equal(400);
      });
    });
  });

  describe('POST /v1/receipts/verify', () => {
    it('refuses a receipt altered by one character, offline and online', async () => {
      const { receipt } = await s.platform.notarise({ sha256: doc('announcement'), kind: 'announcement' });
      const jwks = await s.anonymous.jwks();
      const [header, payload, signature] = receipt.split('.') as [string, string, string];
      const at = Math.floor(payload.length / 2);
      const altered = `${header}.${payload.slice(0, at)}${payload[at] === 'x' ? 'y' : 'x'}${payload.slice(at + 1)}.${signature}`;
      const error = await refusal(verifyReceipt(altered, jwks));
      expect(error.error).to.be.instanceOf(ReceiptVerificationError);
      expect(error.code).to.be.oneOf(['RECEIPT_BAD_SIGNATURE', 'RECEIPT_MALFORMED']);
      expect(await s.anonymous.verifyReceiptOnline(altered)).to.include({ valid: false, signatureValid: false });
      const sigAt = Math.floor(signature.length / 2);
      const badSignature = `${header}.${payload}.${signature.slice(0, sigAt)}${signature[sigAt] === 'x' ? 'y' : 'x'}${signature.slice(sigAt + 1)}`;
      expect((await refusal(verifyReceipt(badSignature, jwks))).code).to.equal('RECEIPT_BAD_SIGNATURE');
    });

    it('says a validly signed receipt for a record that is not on this ledger is not valid', async () => {
      const { t, platform, anonymous } = s;
      const jwk = JSON.parse(
        await readFile(path.join(t.dataDir, 'keys', 'receipts', `${t.gateway.receipts.currentKid}.private.jwk.json`), 'utf8'),
      ) as JWK;
      const { receipt } = await platform.notarise({ sha256: doc('real'), kind: 'x' });
      const claims = JSON.parse(Buffer.from(present(receipt.split('.')[1], "the receipt's payload"), 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const forged = await new CompactSign(Buffer.from(JSON.stringify({ ...claims, recordId: 'f'.repeat(64) })))
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'evidence-receipt+jws' })
        .sign(await importJWK(jwk, 'ES256'));
      expect(await anonymous.verifyReceiptOnline(forged)).to.include({ valid: false, signatureValid: true, onLedger: false });
      const moved = await new CompactSign(Buffer.from(JSON.stringify({ ...claims, blockNumber: 99 })))
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'evidence-receipt+jws' })
        .sign(await importJWK(jwk, 'ES256'));
      expect(await anonymous.verifyReceiptOnline(moved)).to.include({
        valid: false,
        onLedger: true,
        recordUnchanged: true,
        blockMatches: false,
      });
    });

    it('still verifies receipts signed before a key rotation', async () => {
      const { t, platform, anonymous } = s;
      const before = await platform.notarise({ sha256: doc('before rotation'), kind: 'x' });
      const oldKid = t.gateway.receipts.currentKid;
      const newKid = await t.gateway.receipts.rotate();
      expect(newKid).to.not.equal(oldKid);
      const after = await platform.notarise({ sha256: doc('after rotation'), kind: 'x' });
      const jwks = await anonymous.jwks();
      expect(jwks.keys.map((k) => k.kid)).to.include.members([oldKid, newKid]);
      expect((await verifyReceipt(before.receipt, jwks)).kid).to.equal(oldKid);
      expect((await verifyReceipt(after.receipt, jwks)).kid).to.equal(newKid);
      // RFC 7515 §7.1 with nothing more in the header than a verifier needs, and an ES256 signature of r‖s (RFC 7518 §3.4).
      expect(decodeProtectedHeader(after.receipt)).to.deep.equal({ alg: 'ES256', kid: newKid, typ: 'evidence-receipt+jws' });
      expect(Buffer.from(after.receipt.split('.')[2] ?? '', 'base64url')).to.have.length(64);
      expect((await anonymous.verifyReceiptOnline(before.receipt)).valid).to.equal(true);
    });

    describe('with a body that breaks its schema', () => {
      it('answers 400', async () => {
        const receipt = await fetch(`${s.t.url}/v1/receipts/verify`, {
          method: 'POST',
          body: JSON.stringify({ receipt: 42 }),
          headers: { 'content-type': 'application/json' },
        });
        expect(receipt.status).to.equal(400);
      });
    });
  });
});
