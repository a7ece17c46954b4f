import qrcode from 'qrcode-generator';
import { api } from './api.js';
import { h } from './dom.js';
import { currentLang, t } from './i18n.js';

type Bilingual = { zh: string; en: string };
/** What `GET /v1/records/{id}/certificate` answers: the same facts the PDF shows. */
interface Certificate {
  certificateNo: string;
  issuer: string;
  issuedAt: string;
  recordId: string;
  recordHash: string;
  facts: { key: string; label: Bilingual; value: string | Bilingual; mono?: boolean }[];
  notices: Bilingual[];
  receipt?: string;
  verifyUrl: string;
  /** The record's tlog-proof bundle and the verify link carrying it (`#proof=`), when the gateway keeps a log. */
  proof?: string;
  proofUrl?: string;
}

/**
 * A printable evidence certificate (存证证明): the gateway's certificate of the record (the same
 * facts as its PDF), a QR code that opens the verify page for it, a second one carrying the
 * record's inclusion proof to check offline (when the gateway keeps a log), and the PDF to download.
 */
export async function certificatePage(root: HTMLElement, recordId: string): Promise<void> {
  const s = t();
  const lang = currentLang();
  let certificate: Certificate;
  try {
    certificate = await api(`/v1/records/${encodeURIComponent(recordId)}/certificate`);
  } catch {
    root.replaceChildren(h('h1', {}, s.certificateHeading), h('p', { class: 'verdict bad' }, s.recordMissing));
    return;
  }
  // The QR code opens this origin's verify page for the record.
  const link = `${location.origin}/?record=${encodeURIComponent(certificate.recordId)}`;
  const qr = qrcode(0, 'M');
  qr.addData(link);
  qr.make();
  // The offline proof: the verify page on this origin with the bundle in the link. Level L holds
  // the most bytes (a 10-million-leaf log's proof with three cosignatures needs about 2.7 KB).
  const proofLink = certificate.proof ? `${link}#proof=${base64url(certificate.proof)}` : undefined;
  let proofQr: ReturnType<typeof qrcode> | undefined;
  if (proofLink) {
    try {
      proofQr = qrcode(0, 'L');
      proofQr.addData(proofLink, 'Byte');
      proofQr.make();
    } catch {
      proofQr = undefined;
    }
  }
  const words = (v: string | Bilingual) => (typeof v === 'string' ? v : v[lang]);
  const row = (key: string, label: string, value: string, mono = false) =>
    h('div', { class: 'fact', 'data-fact': key }, h('dt', {}, label), h('dd', mono ? { class: 'mono' } : {}, value));
  root.replaceChildren(
    h(
      'article',
      { class: 'certificate', 'data-testid': 'certificate' },
      h('header', {}, h('h1', {}, s.certificateHeading), h('p', {}, s.certificateIntro)),
      h(
        'div',
        { class: 'certificate-body' },
        h(
          'dl',
          {},
          row('certificateNo', s.certificateNo, certificate.certificateNo, true),
          row('issuer', s.issuedBy, certificate.issuer),
          ...certificate.facts.map((f) => row(f.key, f.label[lang], words(f.value), f.mono === true)),
        ),
        h(
          'figure',
          { class: 'qr' },
          h('img', { src: qr.createDataURL(4, 8), alt: `${s.scanToVerify}: ${link}`, width: '200', height: '200' }),
          h('figcaption', {}, s.scanToVerify, h('br'), h('a', { href: link }, link)),
        ),
      ),
      ...certificate.notices.map((n) => h('p', { class: 'notice', 'data-testid': 'notice' }, n[lang])),
      proofQr && proofLink
        ? h(
            'figure',
            { class: 'proof-qr', 'data-testid': 'proof-qr' },
            h('figcaption', {}, h('strong', {}, s.offlineProof), h('br'), s.offlineProofIntro),
            h('img', { src: proofQr.createDataURL(2, 8), alt: s.offlineProof, width: '360', height: '360' }),
            h('a', { href: proofLink }, s.offlineProof),
          )
        : null,
      certificate.receipt
        ? h('details', { class: 'receipt-block' }, h('summary', {}, s.receipt), h('code', { class: 'hash' }, certificate.receipt))
        : null,
      h(
        'div',
        { class: 'actions no-print' },
        h(
          'a',
          {
            class: 'button',
            href: `/v1/records/${encodeURIComponent(certificate.recordId)}/certificate.pdf`,
            download: `certificate-${certificate.certificateNo}.pdf`,
            'data-testid': 'pdf',
          },
          s.downloadPdf,
        ),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              window.print();
            },
          },
          s.print,
        ),
      ),
    ),
  );
}

/** base64url of a text's UTF-8 bytes, as the verify page reads `#proof=`. */
function base64url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
