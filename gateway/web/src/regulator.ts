import type { LedgerRecord, OverdueDeposit, PublicProjectStatus } from '@tender-ledger/domain';
import { api } from './api.js';
import { h, formatTime, hashText, table, yuan } from './dom.js';
import { t } from './i18n.js';
import { requireSession, sessionBar } from './signin.js';

interface Report {
  rows: { year: number; category: string; projects: number; change: number | null }[];
  totals: { year: number; projects: number; change: number | null }[];
}

/** The facts of a step a supervisor reads first. */
function detail(record: LedgerRecord): string {
  const s = t();
  const p = record.payload as Record<string, unknown> & { bidderId?: string };
  switch (record.step) {
    case 'ProjectRegistered': return `${s.colCategory} ${String(p.category)} · ${yuan(Number(p.estimatedPrice))} · ${formatTime(String(p.bidDeadline))}`;
    case 'BidderRegistered': {
      const deposit = p.deposit as { form: string; amount: number; issuer?: string };
      return `${p.bidderId} · ${yuan(deposit.amount)} · ${deposit.form === 'guarantee' ? deposit.issuer ?? '' : s.cash}`;
    }
    case 'BidCommitted': return `${p.bidderId} · ${String(p.commitment).slice(0, 16)}…${p.supersedes ? ` · ${s.superseded}` : ''}`;
    case 'BidWithdrawn': return String(p.bidderId);
    case 'BidsOpened': {
      const bids = p.bids as { bidderId: string; outcome: string; price?: number }[];
      return bids.map((b) => `${b.bidderId} ${b.outcome === 'VALID' ? yuan(b.price ?? 0) : b.outcome}`).join(' · ');
    }
    case 'TenderFailed': return `${String(p.liveBids)} / ${String(p.minimumBids)}`;
    case 'CommitteeAppointed': return Array.isArray(p.members) ? (p.members as string[]).join(', ') : s.membersHidden;
    case 'CommitteeMemberReplaced': return p.memberId === undefined ? s.membersHidden : `${String(p.memberId)} ${s.replacedBy} ${String(p.replacementId)} · ${String(p.reason)}`;
    case 'ScoresRecorded': return `${p.evaluatorId === undefined ? s.membersHidden : String(p.evaluatorId)}: ${(p.scores as { bidderId: string; score: number }[]).map((x) => `${x.bidderId} ${points(x.score)}`).join(', ')}`;
    // A departure from the ranking, or a choice among bids tied first, shows its reason.
    case 'BidAwarded': return `${p.bidderId} · ${yuan(Number(p.price))}${p.reason === undefined ? '' : ` · ${String(p.reason)}`}`;
    case 'ContractSigned': return `${p.bidderId} · ${String(p.contractSha256).slice(0, 16)}…`;
    case 'DepositReleased': return `${p.bidderId} · ${yuan(Number(p.amount))} · ${s.basis[String(p.basis)] ?? String(p.basis)}`;
    case 'DocumentNotarised': return String(p.kind);
    default: return '';
  }
}

/** Scores are integer hundredths of a point: 9150 is 91.50. */
const points = (hundredths: number) => `${Math.trunc(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;

const signed = (n: number | null) => (n === null ? '—' : n > 0 ? `+${n}` : String(n));

/** Projects, a project's timeline with its chain check, overdue deposits and the yearly report. */
export async function regulatorPage(root: HTMLElement, rerender: () => void): Promise<void> {
  const s = t();
  const current = requireSession(root, 'regulator', rerender);
  if (!current) return;
  const token = current.token;
  const [{ projects }, { overdue }, report] = await Promise.all([
    api<{ projects: PublicProjectStatus[] }>('/v1/projects', { token }),
    api<{ overdue: (OverdueDeposit & { projectName: string })[] }>('/v1/reports/overdue-deposits', { token }),
    api<Report>('/v1/reports/projects-by-category', { token }),
  ]);
  const timeline = h('section', { id: 'timeline', 'aria-live': 'polite' });
  const categories = [...new Set(projects.map((p) => p.category))].sort();
  const category = h('select', { id: 'filter-category' }, h('option', { value: '' }, s.all), ...categories.map((c) => h('option', { value: c }, c)));
  const status = h('select', { id: 'filter-status' }, h('option', { value: '' }, s.all), ...Object.entries(s.status).map(([value, label]) => h('option', { value }, label)));
  const list = h('div', {});
  const renderList = () => {
    const shown = projects.filter((p) => (!category.value || p.category === category.value) && (!status.value || p.status === status.value));
    list.replaceChildren(table([s.colProject, s.colName, s.colCategory, s.colStatus, s.colRegistered, ''], shown.map((p) => [
      p.projectId, p.name, p.category, s.status[p.status] ?? p.status, formatTime(p.registeredAt),
      h('button', { type: 'button', class: 'link', onclick: () => void showTrail(p.projectId, timeline, token) }, s.openTrail),
    ])));
  };
  category.addEventListener('change', renderList);
  status.addEventListener('change', renderList);
  renderList();

  root.replaceChildren(
    h('h1', {}, s.regulatorHeading), sessionBar(current, rerender),
    h('section', { 'aria-labelledby': 'projects-h' }, h('h2', { id: 'projects-h' }, s.projects),
      h('div', { class: 'filters' }, h('label', { for: 'filter-category' }, s.filterCategory), category, h('label', { for: 'filter-status' }, s.filterStatus), status),
      list),
    timeline,
    h('section', { 'aria-labelledby': 'overdue-h', id: 'overdue' }, h('h2', { id: 'overdue-h' }, s.overdueHeading),
      overdue.length === 0 ? h('p', {}, s.noOverdue) : table([s.colProject, s.colBidder, s.colAmount, s.colBasis, s.colDueBy, s.colDaysOverdue], overdue.map((o) => [
        `${o.projectName} (${o.projectId})`, o.bidderId, yuan(o.amount), s.basis[o.dueAfter] ?? o.dueAfter, formatTime(o.dueBy), h('strong', {}, String(o.daysOverdue)),
      ]))),
    h('section', { 'aria-labelledby': 'report-h', id: 'report' }, h('h2', { id: 'report-h' }, s.reportHeading),
      table([s.colYear, s.colCategory, s.colProjects, s.colChange], [
        ...report.totals.map((r) => [h('strong', {}, String(r.year)), h('strong', {}, s.total), h('strong', {}, String(r.projects)), h('strong', {}, signed(r.change))]),
        ...report.rows.map((r) => [String(r.year), r.category, String(r.projects), signed(r.change)]),
      ])),
  );
}

async function showTrail(projectId: string, out: HTMLElement, token: string): Promise<void> {
  const s = t();
  const trail = await api<{ records: LedgerRecord[]; chainValid: boolean }>(`/v1/projects/${encodeURIComponent(projectId)}/trail`, { token });
  out.replaceChildren(
    h('h2', {}, s.trailHeading(projectId)),
    h('p', { class: `verdict ${trail.chainValid ? 'good' : 'bad'}`, 'data-testid': 'chain' }, trail.chainValid ? s.chainOk : s.chainBroken),
    h('ol', { class: 'timeline' }, ...trail.records.map((r) => h('li', {},
      h('div', { class: 'when' }, formatTime(r.txTime)),
      h('div', { class: 'what' }, h('strong', {}, s.steps[r.step] ?? r.step), ` #${r.seq} · ${r.actor.mspId} · ${r.actor.clientId}`),
      h('div', { class: 'detail' }, detail(r)),
      h('div', { class: 'hashes' }, hashText(r.hash), ' ', h('a', { href: `/certificate/${encodeURIComponent(r.recordId)}` }, s.viewCertificate)),
    ))),
  );
  out.scrollIntoView({ behavior: 'smooth', block: 'start' });
}
