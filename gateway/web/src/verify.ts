import type { JSONWebKeySet } from 'jose';
import { verifyReceipt } from '@tender-ledger/trust/dist/receipt.js';
import { recordHashOfProofExtra, type RecordView } from '@tender-ledger/domain';
import { parsePolicy, parseProofBundle, verifyProof } from '@tender-ledger/tlog';
import { api } from './api.js';
import { h, formatTime, hashText, table } from './dom.js';
import { hashFile } from './hash.js';
import { t } from './i18n.js';

type Found = RecordView & { blockNumber?: number };

function recordsTable(records: Found[]): HTMLElement {
  const s = t();
  return table(
    [s.colTime, s.colProject, s.colStep, s.colRecordHash, s.colBlock, s.colCertificate],
    records.map((r) => [
      formatTime(r.txTime),
      r.projectId ?? s.standalone,
      s.steps[r.step] ?? r.step,
      hashText(r.hash),
      r.blockNumber ?? '',
      h('a', { href: `/certificate/${encodeURIComponent(r.recordId)}` }, s.viewCertificate),
    ]),
  );
}

async function showFile(file: File, progress: HTMLProgressElement, out: HTMLElement): Promise<void> {
  const s = t();
  out.replaceChildren(h('p', {}, `${s.hashing}: ${file.name}`));
  progress.hidden = false;
  progress.value = 0;
  const sha256 = await hashFile(file, (fraction) => {
    progress.value = fraction;
  });
  const { records } = await api<{ records: Found[] }>(`/v1/verify/${sha256}`);
  out.replaceChildren(
    h('p', {}, `${s.fileHash} (${file.name}): `, hashText(sha256)),
    records.length === 0
      ? h('p', { class: 'verdict bad', 'data-testid': 'not-found' }, s.notFound)
      : h('div', {}, h('p', { class: 'verdict good', 'data-testid': 'found' }, s.foundRecords(records.length)), recordsTable(records)),
  );
}

async function showReceipt(receipt: string, out: HTMLElement): Promise<void> {
  const s = t();
  const checks = { signatureValid: false, onLedger: false, recordUnchanged: false, blockMatches: false };
  let claims: { step: string; projectId: string | null; ledgerTime: string; blockNumber: number; recordId: string } | undefined;
  let sealed = false;
  try {
    // The signature is checked here, in the browser, against the gateway's published keys.
    const jwks = await api<JSONWebKeySet>('/.well-known/jwks.json');
    ({ claims } = await verifyReceipt(receipt, jwks));
    checks.signatureValid = true;
    const online = await api<typeof checks & { sealed?: boolean }>('/v1/receipts/verify', { method: 'POST', body: { receipt } });
    checks.onLedger = online.onLedger;
    checks.recordUnchanged = online.recordUnchanged;
    checks.blockMatches = online.blockMatches;
    sealed = online.sealed === true;
  } catch {
    // a receipt that fails offline is not asked about online
  }
  const valid = Object.values(checks).every(Boolean);
  const item = (ok: boolean, label: string) =>
    h(
      'li',
      { class: ok ? 'pass' : 'fail' },
      h('span', { 'aria-hidden': 'true' }, ok ? '✓ ' : '✗ '),
      label,
      h('span', { class: 'visually-hidden' }, ok ? ' (passed)' : ' (failed)'),
    );
  out.replaceChildren(
    h(
      'p',
      { class: `verdict ${valid ? 'good' : 'bad'}`, 'data-testid': valid ? 'receipt-valid' : 'receipt-invalid' },
      valid ? s.receiptValid : s.receiptInvalid,
    ),
    h(
      'ul',
      { class: 'checks' },
      item(checks.signatureValid, s.checkSignature),
      item(checks.onLedger, s.checkOnLedger),
      item(checks.recordUnchanged, s.checkUnchanged),
      item(checks.blockMatches, s.checkBlock),
    ),
    claims
      ? h(
          'p',
          {},
          `${s.steps[claims.step] ?? claims.step} · ${claims.projectId ?? s.standalone} · ${formatTime(claims.ledgerTime)} · ${s.colBlock} ${claims.blockNumber} · `,
          h('a', { href: `/certificate/${encodeURIComponent(claims.recordId)}` }, s.viewCertificate),
        )
      : '',
    sealed ? h('p', { class: 'note' }, s.sealedNote) : '',
  );
}

/**
 * A tlog-proof bundle, checked here in the browser with the same code as the SDK: the record's
 * leaf is in the tree the checkpoint commits to, the log signed it and the witnesses the
 * gateway's published policy names cosigned it. Nothing is asked of the ledger.
 */
async function showProof(text: string, out: HTMLElement): Promise<void> {
  const s = t();
  try {
    const recordHash = recordHashOfProofExtra(parseProofBundle(text).extra);
    if (recordHash === undefined) throw Object.assign(new Error(s.proofNoRecord), { code: 'TLOG_PROOF_MALFORMED' });
    const response = await fetch('/log/policy');
    if (!response.ok) throw Object.assign(new Error(s.proofNoPolicy), { code: 'LOG_NOT_KEPT' });
    const policy = parsePolicy(await response.text());
    const verified = verifyProof(text, recordHash, policy, { cache: false });
    const witnesses = verified.cosignatures.map((c) => c.witness);
    out.replaceChildren(
      h('p', { class: 'verdict good', 'data-testid': 'proof-valid' }, s.proofValid),
      h(
        'ul',
        { class: 'checks' },
        h('li', { class: 'pass' }, s.proofLeaf(verified.index, verified.checkpoint.size)),
        h('li', { class: 'pass' }, `${s.proofLog}${verified.checkpoint.origin}`),
        h(
          'li',
          { class: 'pass', 'data-testid': 'proof-witnesses' },
          `${s.proofWitnesses}${witnesses.length > 0 ? witnesses.join(', ') : s.proofNoWitnesses}`,
        ),
      ),
      h('p', {}, `${s.colRecordHash}: `, hashText(recordHash)),
    );
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    out.replaceChildren(
      h('p', { class: 'verdict bad', 'data-testid': 'proof-invalid' }, s.proofInvalid),
      h('p', { 'data-testid': 'proof-reason' }, `${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message}`),
    );
  }
}

async function showRecord(recordId: string, out: HTMLElement): Promise<void> {
  const s = t();
  try {
    const record = await api<Found>(`/v1/records/${encodeURIComponent(recordId)}`);
    out.replaceChildren(h('p', { class: 'verdict good', 'data-testid': 'found' }, s.foundRecords(1)), recordsTable([record]));
  } catch {
    out.replaceChildren(h('p', { class: 'verdict bad' }, s.recordMissing));
  }
}

export function verifyPage(root: HTMLElement): void {
  const s = t();
  const progress = h('progress', { max: '1', value: '0', hidden: true, 'aria-label': s.hashing });
  const fileOut = h('div', { 'aria-live': 'polite', id: 'file-result' });
  const input = h('input', { type: 'file', id: 'file-input', class: 'visually-hidden' });
  const run = (file: File | undefined) => {
    if (file)
      showFile(file, progress, fileOut).catch((e: unknown) => {
        fileOut.replaceChildren(h('p', { class: 'verdict bad' }, s.error + (e as Error).message));
      });
  };
  input.addEventListener('change', () => {
    run(input.files?.[0]);
  });
  const drop = h(
    'label',
    { for: 'file-input', class: 'drop', id: 'drop-zone' },
    h('span', { class: 'drop-icon', 'aria-hidden': 'true' }, '⇪'),
    h('span', {}, s.dropHere),
    input,
  );
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => {
    drop.classList.remove('over');
  });
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    run(event.dataTransfer?.files?.[0]);
  });

  const receiptOut = h('div', { 'aria-live': 'polite', id: 'receipt-result' });
  const textarea = h('textarea', { id: 'receipt', rows: '4', spellcheck: 'false', autocomplete: 'off' });
  const check = () => showReceipt(textarea.value.trim(), receiptOut);
  const form = h('form', {}, h('label', { for: 'receipt' }, s.receiptLabel), textarea, h('button', { type: 'submit' }, s.verifyReceipt));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void check();
  });

  const proofOut = h('div', { 'aria-live': 'polite', id: 'proof-result' });
  const proofInput = h('input', { type: 'file', id: 'proof-input', accept: '.tlog-proof,text/plain' });
  proofInput.addEventListener('change', () => {
    const file = proofInput.files?.[0];
    if (file) void file.text().then((text) => showProof(text, proofOut));
  });

  root.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'verify-h' },
      h('h1', { id: 'verify-h' }, s.verifyHeading),
      h('p', {}, s.verifyIntro),
      drop,
      progress,
      fileOut,
    ),
    h('section', { 'aria-labelledby': 'receipt-h' }, h('h2', { id: 'receipt-h' }, s.receiptHeading), form, receiptOut),
    h(
      'section',
      { 'aria-labelledby': 'proof-h' },
      h('h2', { id: 'proof-h' }, s.proofHeading),
      h('p', {}, s.proofIntro),
      h('label', { for: 'proof-input' }, s.proofLabel),
      proofInput,
      proofOut,
    ),
  );
  // A receipt can arrive in the link (#receipt=…), e.g. from a QR code; a record as ?record=….
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('receipt');
  if (fromHash) {
    textarea.value = fromHash;
    void check();
  }
  // A proof can arrive in the link too (#proof=<base64url of the bundle>), e.g. from a certificate's QR code.
  const proofInLink = new URLSearchParams(location.hash.slice(1)).get('proof');
  if (proofInLink) {
    try {
      void showProof(
        new TextDecoder().decode(Uint8Array.from(atob(proofInLink.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))),
        proofOut,
      );
    } catch {
      void showProof('', proofOut);
    }
  }
  const recordId = new URLSearchParams(location.search).get('record');
  if (recordId) void showRecord(recordId, fileOut);
}
