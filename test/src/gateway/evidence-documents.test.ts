import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { commitBid, verifyEvidencePackage, verifyProof, type TenderLedgerClient } from '@tender-ledger/client-sdk';
import { proofLink, proofQr } from '@tender-ledger/gateway';
import {
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  addSignatures,
  cosignText,
  formatProofBundle,
  inclusionPlan,
  parseNote,
  signCheckpoint,
} from '@tender-ledger/tlog';
import { generateSignerKey, parseSignerKey } from '@tender-ledger/tlog/node';
import { proofExtra, sha256Hex } from '@tender-ledger/domain';
import { present } from '../helpers/assert.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { embeddedFonts, readPdf, renderFirstPage } from '../helpers/pdf.js';
import { tempDir } from '../helpers/temp.js';

const CLI = path.resolve(__dirname, '../../../client-sdk/dist/bundle/cli.cjs');
const SHOTS = path.resolve(__dirname, '../../../test-artifacts/screenshots');
const DAY = 86_400_000;
const CENTRE = '六盘水市公共资源交易中心';
const doc = (name: string) => sha256Hex(`evidence document ${name}`);

function tender(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('evidence certificates and packages', function () {
  this.timeout(120_000);
  let t: TestGateway;
  let platform: TenderLedgerClient;
  let files: ReturnType<typeof tempDir>;
  const projectId = 'GZ-2026-0777';
  const bidders = ['91520200MA6DKQ7X1B', 'B-SECOND', 'B-THIRD'] as const;
  let announcementId: string;
  let sealedBidRecordId: string;

  before(async () => {
    files = tempDir('tender-evidence-');
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestGateway({
      TRADING_CENTRE_NAME: CENTRE,
      PLATFORM_NAMES: JSON.stringify({
        'gz-etrading': '贵州省公共资源交易电子平台',
        '91520200MA6DKQ7X1B': '贵州路桥建设有限公司',
        'B-SECOND': '六盘水第二建设公司',
      }),
    });
    platform = await t.client('platform', 'gz-etrading');
    const deadline = t.time.iso(3 * DAY);
    await platform.registerProject({
      projectId,
      name: '水城区供水管网改造',
      category: '房建市政',
      estimatedPrice: 500_000_000,
      depositAmount: 2_000_000,
      bidDeadline: deadline,
      openingTime: deadline,
      tenderDocSha256: doc('tender'),
    });
    announcementId = (
      await platform.notarise({
        sha256: doc('announcement'),
        kind: 'announcement',
        projectId,
        metadata: { fileName: '招标公告（水城区）.pdf' },
      })
    ).record.recordId;
    for (const bidderId of bidders) {
      await platform.registerBidder(projectId, { bidderId, deposit: { form: 'cash', amount: 2_000_000 } });
      const sealed = commitBid({ projectId, bidderId, bidFileSha256: doc(`bid ${bidderId}`), price: 430_000_000 });
      const { record } = await platform.submitBid(projectId, { bidderId, commitment: sealed.commitment });
      if (bidderId === '91520200MA6DKQ7X1B') sealedBidRecordId = record.recordId;
    }
  });
  after(async () => {
    await t?.close();
    files?.remove();
  });

  describe('GET /v1/records/{recordId}/certificate.pdf', () => {
    it('is a small PDF with Noto Sans SC embedded as a subset: the Chinese labels, the centre, the document by name and kind, the parties by name, Beijing time and the record hash', async () => {
      const response = await fetch(`${t.url}/v1/records/${announcementId}/certificate.pdf`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('application/pdf');
      const pdf = new Uint8Array(await response.arrayBuffer());
      expect(Buffer.from(pdf.subarray(0, 5)).toString()).to.equal('%PDF-');
      expect(pdf.length, 'subset font keeps it small').to.be.below(150_000);
      // Embedded (a FontFile2 stream) and subset: the whole font is 10.5 MB, the file a fraction of that.
      expect(embeddedFonts(pdf).length, 'a font').to.be.above(0);
      expect(
        embeddedFonts(pdf).every((f) => /^[A-Z]{6}\+NotoSansSC-Regular$/.test(f)),
        `fonts ${embeddedFonts(pdf).join(', ')}`,
      ).to.equal(true);
      expect(Buffer.from(pdf).toString('latin1')).to.include('/FontFile2');
      const record = await platform.getRecord(announcementId);
      const { text } = await readPdf(pdf);
      for (const label of [
        '存证证明',
        '证明编号',
        '出具机构',
        '项目名称',
        '项目编号',
        '环节',
        '文件名称',
        '文件类型',
        '记录方',
        '上链时间',
        '北京时间',
        '区块号',
        '交易编号',
        '记录哈希',
        '签名回执',
        '独立核验方法',
      ]) {
        expect(text, label).to.include(label);
      }

      expect(text)
        .to.include(CENTRE)
        .and.include('水城区供水管网改造')
        .and.include('招标公告（水城区）.pdf')
        .and.include('招标公告')
        .and.include('贵州省公共资源交易电子平台')
        .and.include(record.hash)
        .and.include(record.txId);
      expect(text).to.not.include('platform::').and.not.include('TradingCentreMSP');
      writeFileSync(path.join(SHOTS, 'certificate-document.pdf'), pdf);
      await renderFirstPage(pdf, path.join(SHOTS, 'certificate-pdf-document.png'));
    });

    it('for a sealed bid says what stays hidden until the opening and why (BL art. 22), and names no bidder', async () => {
      const response = await fetch(`${t.url}/v1/records/${sealedBidRecordId}/certificate.pdf`);
      expect(response.status).to.equal(200);
      const pdf = new Uint8Array(await response.arrayBuffer());
      const { text } = await readPdf(pdf);
      expect(text).to.include('第二十二条').and.include('art. 22').and.include('投标递交（密封）');
      for (const bidderId of bidders) expect(text).to.not.include(bidderId);
      expect(text).to.not.include('贵州路桥建设有限公司').and.not.include('签名回执');
      writeFileSync(path.join(SHOTS, 'certificate-sealed.pdf'), pdf);
      await renderFirstPage(pdf, path.join(SHOTS, 'certificate-pdf-sealed.png'));
    });

    it('answers 404 RECORD_NOT_FOUND for an unknown record', async () => {
      const response = await fetch(`${t.url}/v1/records/no-such-record/certificate.pdf`);
      expect(response.status).to.equal(404);
      expect(((await response.json()) as { code: string }).code).to.equal('RECORD_NOT_FOUND');
    });
  });

  describe('GET /v1/records/{recordId}/certificate', () => {
    it('gives the page the same facts as the PDF, with the centre, a stable certificate number and the receipt', async () => {
      const response = await fetch(`${t.url}/v1/records/${announcementId}/certificate`);
      const certificate = (await response.json()) as {
        issuer: string;
        certificateNo: string;
        facts: { key: string; value: unknown }[];
        receipt?: string;
      };
      expect(certificate.issuer).to.equal(CENTRE);
      expect(certificate.certificateNo).to.match(/^CZ-\d{8}-[0-9A-F]{16}$/);
      expect(certificate.facts.map((f) => f.key)).to.include.members([
        'project',
        'projectId',
        'step',
        'documentName',
        'documentKind',
        'actor',
        'ledgerTime',
        'blockNumber',
        'txId',
        'recordHash',
      ]);
      expect(certificate.receipt).to.be.a('string');
    });

    it('carries, for whoever may read the record, its proof bundle and a verify link holding it that one QR code takes (the PDF prints it); none for a sealed record', async () => {
      const owner = { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` };
      const response = await fetch(`${t.url}/v1/records/${announcementId}/certificate`, { headers: owner });
      const certificate = (await response.json()) as { proof?: string; proofUrl?: string; verifyUrl: string };
      const record = await platform.getRecord(announcementId);
      const policy = await (await fetch(`${t.url}/log/policy`)).text();
      expect(certificate.proof, 'a proof bundle').to.be.a('string');
      expect(verifyProof(certificate.proof ?? '', record.hash, policy).index).to.be.a('number');
      const [link, fragment] = (certificate.proofUrl ?? '').split('#proof=');
      expect(link).to.equal(certificate.verifyUrl);
      expect(Buffer.from(fragment ?? '', 'base64url').toString('utf8')).to.equal(certificate.proof);
      expect(proofQr(certificate.proofUrl ?? '')?.getModuleCount()).to.be.a('number');
      const { text } = await readPdf(
        new Uint8Array(await (await fetch(`${t.url}/v1/records/${announcementId}/certificate.pdf`, { headers: owner })).arrayBuffer()),
      );
      expect(text).to.include('离线核验码 Offline proof').and.include('离线核验收录证明');
      // While bidding runs, the public sees the project's records sealed: no proof (its leaf index
      // would place it among the project's records), as GET /v1/records/{id}/proof answers 403.
      for (const recordId of [announcementId, sealedBidRecordId]) {
        const sealed = (await (await fetch(`${t.url}/v1/records/${recordId}/certificate`)).json()) as { proof?: string; proofUrl?: string };
        expect(sealed, recordId).to.not.have.property('proof');
        expect(sealed, recordId).to.not.have.property('proofUrl');
      }
      const publicPdf = await readPdf(
        new Uint8Array(await (await fetch(`${t.url}/v1/records/${announcementId}/certificate.pdf`)).arrayBuffer()),
      );
      expect(publicPdf.text).to.not.include('离线核验码 Offline proof').and.not.include('离线核验收录证明');
    });

    it('holds in one QR code the proof of a 10-million-leaf log with three cosignatures (bundle ≤ 2,900 bytes), and says when a link is too long for one', () => {
      const origin = 'tender-ledger.gz-etrading.example/log';
      const log = parseSignerKey(generateSignerKey(origin, SIG_ED25519));
      const witnesses = ['witness.regulator.example', 'witness.notary.example', 'witness.centre2.example'].map((name) =>
        parseSignerKey(generateSignerKey(name, SIG_COSIGNATURE_V1)),
      );
      const size = 10_000_000;
      // The longest path: an index in the left complete subtree, ceil(log2 n) hashes.
      const index = 2 ** (Math.ceil(Math.log2(size)) - 1) - 1;
      const note = signCheckpoint({ origin, size, rootHash: randomBytes(32), extensions: [] }, log.signer);
      const text = parseNote(note).text;
      const checkpoint = addSignatures(
        note,
        witnesses.map((w) => cosignText(text, w.name, w.signer, 1_780_000_000)),
      );
      const recordId = randomBytes(32).toString('hex');
      const bundle = formatProofBundle({
        extra: proofExtra(recordId, randomBytes(32).toString('hex')),
        index,
        inclusionProof: Array.from({ length: inclusionPlan(index, size).length }, () => randomBytes(32)),
        checkpoint,
      });
      expect(Buffer.byteLength(bundle), 'bundle bytes').to.be.at.most(2_900);
      const url = proofLink(`https://ggzy.guizhou.gov.cn/?record=${recordId}`, bundle);
      const code = proofQr(url);
      expect(code, `a ${url.length}-byte link in one QR code`).to.not.equal(undefined);
      expect(code?.getModuleCount()).to.be.at.most(177);
      expect(proofQr(`${url}${'x'.repeat(400)}`), 'a link beyond a version-40 code').to.equal(undefined);
    });
  });

  describe('GET /v1/projects/{projectId}/evidence-package', () => {
    let zipFile: string;

    it('packs every record with its receipt and certificate, the JWKS, the chain check, a guide and a manifest, for the owning platform', async () => {
      const response = await fetch(`${t.url}/v1/projects/${projectId}/evidence-package`, {
        headers: { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` },
      });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('application/zip');
      const zip = new Uint8Array(await response.arrayBuffer());
      zipFile = path.join(files.dir, 'package.zip');
      writeFileSync(zipFile, zip);
      const entries = unzipSync(zip);
      const names = Object.keys(entries);
      const records = names.filter((n) => n.startsWith('records/'));
      expect(records).to.have.length(8);
      expect(names.filter((n) => n.startsWith('receipts/'))).to.have.length(8);
      expect(names.filter((n) => n.startsWith('certificates/'))).to.have.length(8);
      expect(names).to.include.members(['manifest.json', 'jwks.json', 'chain-check.json', 'README-verify.md']);
      const guide = strFromU8(present(entries['README-verify.md'], 'README-verify.md'));
      expect(guide).to.include('第十七条').and.include('art. 17').and.include('tender package verify');
      expect(JSON.parse(strFromU8(present(entries['chain-check.json'], 'chain-check.json')))).to.include({
        gatewayCheckedWholeChain: true,
      });
    });

    it('is verified offline by `tender package verify`, record by record', async () => {
      const result = await tender(['package', 'verify', zipFile]);
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.include('VALID: 8 record(s)');
      expect(result.stdout.match(/^ {2}OK/gm)).to.have.length(8);
    });

    it('names the record whose file had one byte changed, and exits non-zero', async () => {
      const entries = unzipSync(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(zipFile))));
      // A byte of a document's kind: the record still reads as a record, its content changed.
      const target = present(
        Object.entries(entries)
          .filter(([n, b]) => n.startsWith('records/') && strFromU8(b).includes('"kind": "'))
          .map(([n]) => n)
          .sort()[0],
        'a record file of a document',
      );
      const bytes = present(entries[target], target);
      const record = JSON.parse(strFromU8(bytes)) as { recordId: string };
      const at = strFromU8(bytes).indexOf('"kind": "') + 9;
      bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61;
      const tampered = path.join(files.dir, 'tampered.zip');
      writeFileSync(tampered, zipSync(entries));
      const result = await tender(['package', 'verify', tampered]);
      expect(result.code).to.equal(1);
      const broken = result.stdout.split('\n').filter((l) => l.includes('BROKEN'));
      expect(broken).to.have.length(1);
      expect(broken[0]).to.include(record.recordId);
      expect(result.stdout).to.include('does not match the manifest').and.include('the record was changed').and.include('INVALID');
      const report = await verifyEvidencePackage(zipSync(entries));
      expect(report.records.filter((r) => r.problems.length > 0).map((r) => r.recordId)).to.deep.equal([record.recordId]);
    });

    it('gives a bidder a package of its own records only', async () => {
      const response = await fetch(`${t.url}/v1/projects/${projectId}/evidence-package`, {
        headers: { authorization: `Bearer ${await t.token('bidder', 'B-SECOND')}` },
      });
      expect(response.status).to.equal(200);
      const zip = new Uint8Array(await response.arrayBuffer());
      const report = await verifyEvidencePackage(zip);
      expect(report.valid, JSON.stringify(report.problems)).to.equal(true);
      expect(report.scope).to.equal('bidder');
      expect(report.records.map((r) => r.step)).to.deep.equal(['BidderRegistered', 'BidCommitted']);
      const text = Object.entries(unzipSync(zip))
        .filter(([n]) => n.endsWith('.json'))
        .map(([, b]) => strFromU8(b))
        .join('\n');
      expect(text).to.not.include('91520200MA6DKQ7X1B').and.not.include('B-THIRD');
    });

    it("still verifies re-zipped unchanged (the check is of content, not of the zip's bytes)", async () => {
      const entries = unzipSync(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(zipFile))));
      entries['manifest.json'] = strToU8(strFromU8(present(entries['manifest.json'], 'manifest.json')));
      expect((await verifyEvidencePackage(zipSync(entries))).valid).to.equal(true);
    });

    describe('when a file of the package is not what its schema says', () => {
      const packaged = () => unzipSync(new Uint8Array(readFileSync(zipFile)));

      it('reports a manifest that is not JSON or not a manifest, and checks nothing it lists', async () => {
        const manifest = JSON.parse(strFromU8(present(packaged()['manifest.json'], 'manifest.json'))) as {
          files: { path: string; sha256: string }[];
        };
        for (const [bad, says] of [
          ['{"files": [', 'not UTF-8 JSON'],
          [JSON.stringify({ ...manifest, files: 'all of them' }), '/files'],
          [
            JSON.stringify({ ...manifest, files: manifest.files.map((f, i) => (i === 0 ? { ...f, sha256: 'whatever' } : f)) }),
            '/files/0/sha256',
          ],
          [JSON.stringify({ ...manifest, scope: { kind: 'everything' } }), '/scope'],
        ] as const) {
          const entries = packaged();
          entries['manifest.json'] = strToU8(bad);
          const report = await verifyEvidencePackage(zipSync(entries));
          expect(report.valid, says).to.equal(false);
          expect(report.records, says).to.deep.equal([]);
          expect(report.problems.join('\n'), says).to.include('manifest.json is missing or unreadable').and.include(says);
        }
      });

      it("checks no receipt against a jwks.json that is not the gateway's keys", async () => {
        const entries = packaged();
        entries['jwks.json'] = strToU8(JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }] }));
        const report = await verifyEvidencePackage(zipSync(entries));
        expect(report.valid).to.equal(false);
        expect(report.problems.join('\n'))
          .to.include('jwks.json is missing or unreadable (/keys/0')
          .and.include('no receipt can be checked');
        expect(report.records.every((r) => !r.receiptValid)).to.equal(true);
      });

      it('names a record file that is not a record, and still checks the others', async () => {
        const entries = packaged();
        const [first, ...rest] = Object.keys(entries)
          .filter((n) => n.startsWith('records/'))
          .sort();
        entries[present(first, 'a record file')] = strToU8(JSON.stringify({ hash: 'a'.repeat(64), seq: 1 }));
        const report = await verifyEvidencePackage(zipSync(entries));
        expect(report.valid).to.equal(false);
        const broken = present(
          report.records.find((r) => r.file === first),
          `the report on ${first ?? 'the first record file'}`,
        );
        expect(broken.problems.join('\n')).to.include('the file is not a record: /');
        expect(broken).to.include({ recordHashValid: false, receiptValid: false });
        expect(report.records.filter((r) => rest.includes(r.file)).every((r) => r.recordHashValid && r.receiptValid)).to.equal(true);
      });
    });

    it('refuses another platform while the tender is sealed (403 FORBIDDEN)', async () => {
      const response = await fetch(`${t.url}/v1/projects/${projectId}/evidence-package`, {
        headers: { authorization: `Bearer ${await t.token('platform', 'zunyi-etrading')}` },
      });
      expect(response.status).to.equal(403);
    });

    it('is refused without a token (401)', async () => {
      const response = await fetch(`${t.url}/v1/projects/${projectId}/evidence-package`);
      expect(response.status).to.equal(401);
    });
  });
});
