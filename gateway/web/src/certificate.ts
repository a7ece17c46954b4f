import qrcode from 'qrcode-generator';
import { documentHashes, type LedgerRecord, type RecordView } from '@tender-ledger/domain';
import { api } from './api.js';
import { h, formatTime } from './dom.js';
import { t } from './i18n.js';

/** A printable evidence certificate (存证证明) with a QR code that opens the verify page for the record. */
export async function certificatePage(root: HTMLElement, recordId: string): Promise<void> {
  const s = t();
  let record: RecordView & { blockNumber?: number; blockHash?: string };
  try {
    record = await api(`/v1/records/${encodeURIComponent(recordId)}`);
  } catch {
    root.replaceChildren(h('h1', {}, s.certificateHeading), h('p', { class: 'verdict bad' }, s.recordMissing));
    return;
  }
  const link = `${location.origin}/?record=${encodeURIComponent(record.recordId)}`;
  const qr = qrcode(0, 'M');
  qr.addData(link);
  qr.make();
  const subject = 'redacted' in record ? undefined : documentHashes(record as LedgerRecord)[0];
  const row = (label: string, value: string | number | undefined, mono = false) =>
    value === undefined ? null : h('div', { class: 'fact' }, h('dt', {}, label), h('dd', mono ? { class: 'mono' } : {}, String(value)));
  root.replaceChildren(h('article', { class: 'certificate', 'data-testid': 'certificate' },
    h('header', {}, h('h1', {}, s.certificateHeading), h('p', {}, s.certificateIntro)),
    h('div', { class: 'certificate-body' },
      h('dl', {},
        row(s.recordId, record.recordId, true),
        row(s.step, s.steps[record.step] ?? record.step),
        row(s.project, record.projectId ?? s.standalone),
        row(s.ledgerTime, `${formatTime(record.txTime)} (${record.txTime})`),
        row(s.documentHash, subject, true),
        row(s.recordHash, record.hash, true),
        row(s.prevHash, 'prevHash' in record ? record.prevHash : undefined, true),
        row(s.txId, record.txId, true),
        row(s.blockNumber, record.blockNumber),
        row(s.blockHash, record.blockHash, true),
        row(s.actor, record.actor.mspId),
      ),
      h('figure', { class: 'qr' }, h('img', { src: qr.createDataURL(4, 8), alt: `${s.scanToVerify}: ${link}`, width: '200', height: '200' }), h('figcaption', {}, s.scanToVerify, h('br'), h('a', { href: link }, link))),
    ),
    h('button', { type: 'button', class: 'no-print', onclick: () => window.print() }, s.print),
  ));
}
