import { bidCommitment } from '@tender-ledger/domain';
import { ApiError, api, signOut } from './api.js';
import { fileInput, formatTime, h, hashText, yuan } from './dom.js';
import { hashFile } from './hash.js';
import { t } from './i18n.js';
import { requireSession, sessionBar } from './signin.js';

/** What `GET /v1/bidders/{bidderId}/tenders` answers for each project. */
interface Tender {
  projectId: string;
  name: string;
  status: string;
  bidDeadline: string;
  openingTime: string;
  depositRequired: number;
  registration?: {
    recordId: string;
    at: string;
    deposit: { form: 'cash' | 'guarantee'; amount: number; issuer?: string; reference?: string };
  };
  commitments: { recordId: string; at: string; commitment: string; live: boolean; supersededBy?: string; withdrawn: boolean }[];
  withdrawal?: { recordId: string; at: string };
  opening?: { recordId: string; at: string; outcome: 'VALID' | 'REVEAL_MISMATCH' | 'NOT_REVEALED'; price?: number };
  award?: { result: 'won' | 'lost'; at: string; price?: number; recordId?: string };
  contract?: { recordId: string; at: string };
  release?: { recordId: string; at: string; amount: number; interest?: number; basis: string };
  receipts: Record<string, string>;
}

/** The bidder's own tenders: each step of its bid with labelled times and a receipt per record, and one local bid check. */
export async function bidderPage(root: HTMLElement, rerender: () => void): Promise<void> {
  const s = t();
  const current = requireSession(root, 'bidder', rerender);
  if (!current) return;
  let tenders: Tender[];
  try {
    ({ tenders } = await api<{ tenders: Tender[] }>(`/v1/bidders/${encodeURIComponent(current.sub)}/tenders`, { token: current.token }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      // The gateway refused the token (bad signature, wrong audience, expired): say so, sign out.
      signOut();
      sessionStorage.setItem('token-refused', '1');
      rerender();
      return;
    }
    throw error;
  }
  const sections = tenders.map((tender) => tenderCard(tender));
  root.replaceChildren(
    h('h1', {}, s.bidderHeading),
    sessionBar(current, rerender),
    ...(sections.length ? sections : [h('p', {}, s.noBids)]),
    ...(tenders.some((x) => x.commitments.length > 0)
      ? [
          localCheck(
            tenders.filter((x) => x.commitments.length > 0),
            current.sub,
          ),
        ]
      : []),
  );
}

function receiptLinks(tender: Tender, recordId: string | undefined): HTMLElement | null {
  const s = t();
  const receipt = recordId ? tender.receipts[recordId] : undefined;
  if (!recordId || !receipt) return null;
  const download = h('a', { href: '#', class: 'receipt-download', download: `receipt-${recordId.slice(0, 16)}.jws` }, s.downloadReceipt);
  // A blob link made on click: the receipt is saved as a file, nothing is fetched.
  download.addEventListener('click', () => {
    download.setAttribute('href', URL.createObjectURL(new Blob([`${receipt}\n`], { type: 'application/jose' })));
  });
  return h(
    'span',
    { class: 'record-links' },
    download,
    ' · ',
    h('a', { href: `/#receipt=${receipt}` }, s.verifyThis),
    ' · ',
    h('a', { href: `/certificate/${encodeURIComponent(recordId)}` }, s.viewCertificate),
  );
}

function fact(label: string, ...value: (Node | string | null)[]): HTMLElement {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, ...value));
}

function tenderCard(tender: Tender): HTMLElement {
  const s = t();
  const reg = tender.registration;
  const deposit = reg
    ? [
        `${reg.deposit.form === 'cash' ? s.cash : s.guarantee}${reg.deposit.issuer ? `（${reg.deposit.issuer} ${reg.deposit.reference ?? ''}）` : ''}`,
        ` · ${s.paid} ${yuan(reg.deposit.amount)} ${s.yuanUnit}`,
      ].join('')
    : s.notRegistered;
  const release = tender.release
    ? `${s.released} ${yuan(tender.release.amount + (tender.release.interest ?? 0))} ${s.yuanUnit}${tender.release.interest ? `（${s.interest} ${yuan(tender.release.interest)}）` : ''} · ${formatTime(tender.release.at)} · ${s.basis[tender.release.basis] ?? tender.release.basis}`
    : s.notReleased;
  const commitments = h(
    'ol',
    { class: 'commitments' },
    ...tender.commitments.map((c) =>
      h(
        'li',
        { 'data-testid': 'commitment' },
        h(
          'span',
          { class: `badge ${c.live && !c.withdrawn ? 'good' : 'muted'}` },
          c.withdrawn ? s.withdrawn : c.live ? s.current : s.superseded,
        ),
        h('dl', {}, fact(s.committedAt, formatTime(c.at)), fact(s.commitment, hashText(c.commitment))),
        receiptLinks(tender, c.recordId),
      ),
    ),
  );
  const opening = tender.opening
    ? `${formatTime(tender.opening.at)} · ${tender.opening.outcome === 'VALID' ? s.bidValid : s.bidInvalid(tender.opening.outcome)}${tender.opening.price !== undefined ? ` · ${yuan(tender.opening.price)} ${s.yuanUnit}` : ''}`
    : tender.status === 'failed'
      ? s.tenderFailed
      : s.notOpenedYet;
  const award = !tender.award
    ? s.noAwardYet
    : tender.award.result === 'won'
      ? `${s.youWon} · ${yuan(tender.award.price ?? 0)} ${s.yuanUnit} · ${formatTime(tender.award.at)}`
      : `${s.awardedToAnother} · ${formatTime(tender.award.at)}`;
  return h(
    'section',
    { class: 'bid card', 'aria-label': tender.projectId },
    h('h2', {}, `${tender.name} (${tender.projectId})`),
    h(
      'dl',
      { class: 'facts' },
      fact(s.colStatus, s.status[tender.status] ?? tender.status),
      fact(s.bidDeadline, formatTime(tender.bidDeadline)),
      fact(s.openingTime, formatTime(tender.openingTime)),
      fact(s.registration, reg ? formatTime(reg.at) : s.notRegistered, receiptLinks(tender, reg?.recordId)),
      fact(s.deposit, deposit, h('br'), release, receiptLinks(tender, tender.release?.recordId)),
      fact(s.opening, opening, receiptLinks(tender, tender.opening?.recordId)),
      fact(s.award, award, receiptLinks(tender, tender.award?.recordId)),
      fact(s.contract, tender.contract ? formatTime(tender.contract.at) : s.noContractYet, receiptLinks(tender, tender.contract?.recordId)),
    ),
    h('h3', {}, s.commitmentsHeading),
    commitments,
  );
}

/** One check for all the bidder's tenders: the file, price and salt never leave the browser. */
function localCheck(tenders: Tender[], bidderId: string): HTMLElement {
  const s = t();
  const project = h(
    'select',
    { id: 'check-project' },
    ...tenders.map((x) => h('option', { value: x.projectId }, `${x.name} (${x.projectId})`)),
  );
  const file = fileInput('check-file', s.bidFile);
  const price = h('input', { type: 'number', id: 'check-price', min: '0', step: '1', required: true, inputmode: 'numeric' });
  const salt = h('input', {
    type: 'text',
    id: 'check-salt',
    required: true,
    pattern: '[0-9a-f]{32,128}',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const out = h('p', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'local-check card' },
    h('h2', {}, s.localCheckHeading),
    h('p', {}, s.localCheckIntro),
    h('label', { for: 'check-project' }, s.project),
    project,
    file.element,
    h('label', { for: 'check-price' }, s.price),
    price,
    h('label', { for: 'check-salt' }, s.salt),
    salt,
    h('button', { type: 'submit' }, s.checkLocally),
    out,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.input.files?.[0];
    const tender = tenders.find((x) => x.projectId === project.value);
    if (!chosen || !tender) return;
    void (async () => {
      const bidFileSha256 = await hashFile(chosen, () => undefined);
      const commitment = bidCommitment({
        projectId: tender.projectId,
        bidderId,
        bidFileSha256,
        price: Number(price.value),
        salt: salt.value.trim(),
      });
      const live = tender.commitments.find((c) => c.live)?.commitment;
      const ok = commitment === live;
      out.className = `verdict ${ok ? 'good' : 'bad'}`;
      out.textContent = ok ? s.localMatch : s.localMismatch;
    })();
  });
  return form;
}
