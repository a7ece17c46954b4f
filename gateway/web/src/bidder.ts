import { bidCommitment, type LedgerRecord } from '@tender-ledger/domain';
import { api } from './api.js';
import { h, formatTime, hashText, table } from './dom.js';
import { hashFile } from './hash.js';
import { t } from './i18n.js';
import { requireSession, sessionBar } from './signin.js';

interface Bid {
  projectId: string;
  name: string;
  status: string;
  bidDeadline: string;
  commitments: { record: LedgerRecord<'BidCommitted'>; receipt: string }[];
}

/** The bidder's own bids across projects, and a local check that what will be opened is what was sealed. */
export async function bidderPage(root: HTMLElement, rerender: () => void): Promise<void> {
  const s = t();
  const current = requireSession(root, 'bidder', rerender);
  if (!current) return;
  const { bids } = await api<{ bids: Bid[] }>(`/v1/bidders/${encodeURIComponent(current.sub)}/bids`, { token: current.token });
  const sections = bids.map((bid) => {
    const latest = bid.commitments.at(-1)?.record.recordId;
    const rows = bid.commitments.map(({ record, receipt }) => [
      formatTime(record.txTime), hashText(record.payload.commitment),
      record.recordId === latest ? s.current : s.superseded,
      h('a', { href: `/#receipt=${receipt}` }, s.verifyThis),
    ]);
    return h('section', { class: 'bid', 'aria-label': bid.projectId },
      h('h2', {}, `${bid.name} (${bid.projectId})`),
      h('p', {}, `${s.colStatus}: ${s.status[bid.status] ?? bid.status} · ${formatTime(bid.bidDeadline)}`),
      table([s.committedAt, s.commitment, s.colStatus, s.receipt], rows),
      localCheck(bid, current.sub));
  });
  root.replaceChildren(h('h1', {}, s.bidderHeading), sessionBar(current, rerender), ...(sections.length ? sections : [h('p', {}, s.noBids)]));
}

function localCheck(bid: Bid, bidderId: string): HTMLElement {
  const s = t();
  const id = (name: string) => `${name}-${bid.projectId}`;
  const file = h('input', { type: 'file', id: id('file'), required: true });
  const price = h('input', { type: 'number', id: id('price'), min: '0', step: '1', required: true, inputmode: 'numeric' });
  const salt = h('input', { type: 'text', id: id('salt'), required: true, pattern: '[0-9a-f]{32,128}', spellcheck: 'false', autocomplete: 'off' });
  const out = h('p', { 'aria-live': 'polite' });
  const form = h('form', { class: 'local-check' },
    h('h3', {}, s.localCheckHeading), h('p', {}, s.localCheckIntro),
    h('label', { for: id('file') }, s.bidFile), file,
    h('label', { for: id('price') }, s.price), price,
    h('label', { for: id('salt') }, s.salt), salt,
    h('button', { type: 'submit' }, s.checkLocally), out);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return;
    void (async () => {
      // Everything happens here: the file, price and salt never leave the browser.
      const bidFileSha256 = await hashFile(chosen, () => undefined);
      const commitment = bidCommitment({ projectId: bid.projectId, bidderId, bidFileSha256, price: Number(price.value), salt: salt.value.trim() });
      const latest = bid.commitments.at(-1)?.record.payload.commitment;
      const ok = commitment === latest;
      out.className = `verdict ${ok ? 'good' : 'bad'}`;
      out.textContent = ok ? s.localMatch : s.localMismatch;
    })();
  });
  return form;
}
