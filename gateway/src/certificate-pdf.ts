import { readFileSync } from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import qrcode from 'qrcode-generator';
import { PROOF_STEP, VERIFY_STEPS, proofQr, type Bilingual, type Certificate } from './certificate.js';

let fontBytes: Buffer | undefined;

/** Noto Sans SC (SIL OFL) as `@expo-google-fonts/noto-sans-sc` ships it; read once. */
function notoSansSc(): Buffer {
  fontBytes ??= readFileSync(
    path.join(path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json')), '400Regular', 'NotoSansSC_400Regular.ttf'),
  );
  return fontBytes;
}

const MARGIN = 48;
const INK = '#1b1f24';
const MUTED = '#4a535d';
const BRAND = '#8a1c1c';
const LINE = '#c9d0d6';
// 88 mm: a version-40 code's 177 modules at 0.5 mm each, which phone cameras read from paper.
const PROOF_QR_SIZE = 250;

/**
 * Renders a certificate as an A4 PDF with Noto Sans SC embedded as a subset (pdfkit keeps only
 * the glyphs used), so Chinese text is real text a reader can copy and search, and the file
 * stays small (tens of kilobytes, against a 10.5 MB font).
 */
export function certificatePdf(certificate: Certificate): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: false,
    info: {
      Title: `存证证明 Evidence certificate ${certificate.certificateNo}`,
      Subject: `record ${certificate.recordId} hash ${certificate.recordHash}`,
      Author: certificate.issuer,
      CreationDate: new Date(certificate.issuedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => {
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    doc.on('error', reject);
  });
  doc.registerFont('noto', notoSansSc());
  doc.font('noto');
  const width = doc.page.width - 2 * MARGIN;
  const both = (b: Bilingual | string) => (typeof b === 'string' ? b : `${b.zh}\n${b.en}`);

  // The QR code at the top right: it opens the verify page for this record.
  const qrSize = 110;
  const qr = qrcode(0, 'M');
  qr.addData(certificate.verifyUrl);
  qr.make();
  const qrX = doc.page.width - MARGIN - qrSize;
  const qrY = MARGIN;
  drawQr(doc, qr, qrX, qrY, qrSize);
  doc
    .fontSize(7)
    .fillColor(MUTED)
    .text('扫码核验 Scan to verify', qrX, qrY + qrSize + 2, { width: qrSize, align: 'center' });

  const headWidth = width - qrSize - 16;
  doc.fontSize(24).fillColor(BRAND).text('存证证明', MARGIN, MARGIN, { width: headWidth });
  doc.fontSize(12).text('Evidence certificate', { width: headWidth });
  doc.moveDown(0.5).fontSize(10).fillColor(INK);
  doc.text(`证明编号 Certificate No.：${certificate.certificateNo}`, { width: headWidth });
  doc.text(`出具机构 Issued by：${certificate.issuer}`, { width: headWidth });
  doc.text(`出具时间 Issued at：${certificate.issuedAt}（UTC）`, { width: headWidth });
  doc.y = Math.max(doc.y, qrY + qrSize + 16);
  doc
    .moveDown(0.5)
    .fontSize(9)
    .fillColor(MUTED)
    .text('本证明所列记录已写入区块链账本，内容由网关从账本读取；任何人可按文末方法独立核验，无需信任出具机构。', MARGIN, doc.y, { width })
    .text(
      'The record below is on the blockchain ledger; anyone can check it independently as described at the end, without trusting the issuer.',
      { width },
    );
  doc.moveDown(0.6);

  const labelWidth = 140;
  const valueX = MARGIN + labelWidth + 10;
  const valueWidth = width - labelWidth - 10;
  for (const fact of certificate.facts) {
    const value = typeof fact.value === 'string' ? fact.value : both(fact.value);
    const valueSize = fact.mono ? 9 : 10;
    doc.fontSize(valueSize);
    const needed = Math.max(doc.heightOfString(value, { width: valueWidth }), 26) + 8;
    if (doc.y + needed > doc.page.height - MARGIN) doc.addPage();
    const top = doc.y;
    doc.fontSize(10).fillColor(MUTED).text(fact.label.zh, MARGIN, top, { width: labelWidth });
    doc.fontSize(7.5).text(fact.label.en, { width: labelWidth });
    const labelBottom = doc.y;
    doc.fontSize(valueSize).fillColor(INK).text(value, valueX, top, { width: valueWidth });
    doc.y = Math.max(doc.y, labelBottom) + 3;
    doc
      .moveTo(MARGIN, doc.y)
      .lineTo(MARGIN + width, doc.y)
      .lineWidth(0.4)
      .strokeColor(LINE)
      .stroke();
    doc.y += 4;
  }
  doc.x = MARGIN;
  doc.moveDown(0.5);
  for (const notice of certificate.notices) {
    doc.fontSize(10).fillColor(BRAND).text(`说明：${notice.zh}`, MARGIN, doc.y, { width });
    doc.fontSize(9).text(`Notice: ${notice.en}`, { width }).moveDown(0.5);
  }
  if (certificate.receipt) {
    doc.fontSize(10).fillColor(MUTED).text('签名回执（JWS，ES256）Signed receipt', MARGIN, doc.y, { width });
    doc.fontSize(6.5).fillColor(INK).text(certificate.receipt, { width }).moveDown(0.5);
  }
  doc.fontSize(11).fillColor(BRAND).text('独立核验方法 How to check it independently', MARGIN, doc.y, { width });
  doc.fontSize(9).fillColor(INK).text(`核验链接 Verify link：${certificate.verifyUrl}`, { width });
  const proofCode = certificate.proofUrl ? proofQr(certificate.proofUrl) : undefined;
  const steps = proofCode ? [...VERIFY_STEPS.slice(0, 1), PROOF_STEP, ...VERIFY_STEPS.slice(1)] : VERIFY_STEPS;
  steps.forEach((step, i) => {
    doc
      .fontSize(9)
      .fillColor(INK)
      .text(`${i + 1}. ${step.zh}`, { width });
    doc.fontSize(8).fillColor(MUTED).text(`    ${step.en}`, { width });
  });
  if (proofCode) {
    // The offline proof: a dense code (up to 177 modules), printed large enough to scan (~0.5 mm a
    // module), on a page of its own if it does not fit below.
    const size = PROOF_QR_SIZE;
    if (doc.y + size + 80 > doc.page.height - MARGIN) doc.addPage();
    doc.moveDown(0.8).fontSize(11).fillColor(BRAND).text('离线核验码 Offline proof', MARGIN, doc.y, { width });
    doc
      .fontSize(8)
      .fillColor(MUTED)
      .text('此码携带本记录的透明日志收录证明与见证方联署的检查点：扫码打开核验页面即在浏览器中离线核对，无需信任出具机构。', { width })
      .text(
        "This code carries the record's inclusion proof in the transparency log and a checkpoint cosigned by its witnesses: scanned, the verify page checks it in the browser, offline, without trusting the issuer.",
        { width },
      );
    const top = doc.y + 6;
    drawQr(doc, proofCode, MARGIN + (width - size) / 2, top, size);
    doc.y = top + size + 6;
  }
  doc.end();
  return done;
}

/** A QR code drawn as filled squares (vector, sharp at any print size). */
function drawQr(doc: PDFKit.PDFDocument, qr: ReturnType<typeof qrcode>, x: number, y: number, size: number): void {
  const modules = qr.getModuleCount();
  const cell = size / modules;
  for (let r = 0; r < modules; r++) {
    for (let c = 0; c < modules; c++) {
      if (qr.isDark(r, c)) doc.rect(x + c * cell, y + r * cell, cell + 0.05, cell + 0.05);
    }
  }
  doc.fill('#000000');
}
