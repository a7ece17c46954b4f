import type { LedgerRecord, OverdueDeposit, PublicProjectStatus } from '@tender-ledger/domain';
import { api } from './api.js';
import { h, formatTime, hashText, table, yuan as yuanNumber } from './dom.js';
import { currentLang, t } from './i18n.js';
import { requireSession, sessionBar } from './signin.js';

/** What `GET /v1/directory` answers: names for ids, document kinds in words. */
interface Directory {
  names: Record<string, string>;
  kinds: Record<string, { zh: string; en: string }>;
}
let directory: Directory = { names: {}, kinds: {} };

/** A party by its name when the directory knows it. */
const party = (id: unknown) => directory.names[String(id)] ?? String(id);

/** The writer of a record in words: its name, else its subject and organisation (never the raw client id). */
function actorName(actor: { mspId: string; clientId: string }): string {
  const withoutRole = actor.clientId.replace(/^(platform|regulator)::/, '');
  const subject = withoutRole.split('::').at(-1) ?? withoutRole;
  const organisation = directory.names[actor.mspId];
  return (
    directory.names[actor.clientId] ??
    directory.names[withoutRole] ??
    directory.names[subject] ??
    (organisation ? `${organisation} (${subject})` : `${subject} (${actor.mspId})`)
  );
}

const kindWords = (kind: unknown) => directory.kinds[String(kind)]?.[currentLang()] ?? String(kind);

/** Integer fen in yuan with grouping and its unit. */
const yuan = (fen: number) => `${yuanNumber(fen)} ${t().yuanUnit}`;

/** Records superseded by a later commitment of the same bidder (`supersedes` sits on the newer record). */
function supersededIds(records: LedgerRecord[]): Set<string> {
  const superseded = new Set<string>();
  const lastOf = new Map<string, string>();
  for (const r of records) {
    if (r.step !== 'BidCommitted') continue;
    const p = r.payload as { bidderId: string; supersedes?: string };
    if (p.supersedes) superseded.add(p.supersedes);
    const before = lastOf.get(p.bidderId);
    if (before) superseded.add(before);
    lastOf.set(p.bidderId, r.recordId);
  }
  return superseded;
}

interface Report {
  rows: { year: number; category: string; projects: number; change: number | null }[];
  totals: { year: number; projects: number; change: number | null }[];
}

/** The facts of a step a supervisor reads first. */
function detail(record: LedgerRecord, superseded: Set<string>): string {
  const s = t();
  const p = record.payload as Record<string, unknown> & { bidderId?: string; memberId?: string; evaluatorId?: string; reason?: string };
  switch (record.step) {
    case 'ProjectRegistered':
      return `${s.colCategory} ${String(p.category)} · ${yuan(Number(p.estimatedPrice))} · ${formatTime(String(p.bidDeadline))}`;
    case 'BidderRegistered': {
      const deposit = p.deposit as { form: string; amount: number; issuer?: string };
      return `${party(p.bidderId)} · ${yuan(deposit.amount)} · ${deposit.form === 'guarantee' ? `${s.guarantee} ${deposit.issuer ?? ''}` : s.cash}`;
    }
    case 'BidCommitted':
      return `${party(p.bidderId)} · ${String(p.commitment).slice(0, 16)}… · ${superseded.has(record.recordId) ? s.superseded : s.current}`;
    case 'BidWithdrawn':
      return party(p.bidderId);
    case 'BidsOpened': {
      const bids = p.bids as { bidderId: string; outcome: string; price?: number }[];
      return bids.map((b) => `${party(b.bidderId)} ${b.outcome === 'VALID' ? yuan(b.price ?? 0) : s.bidInvalid(b.outcome)}`).join(' · ');
    }
    case 'TenderFailed':
      return `${String(p.liveBids)} / ${String(p.minimumBids)}`;
    case 'CommitteeAppointed':
      return Array.isArray(p.members) ? (p.members as string[]).join(', ') : s.membersHidden;
    case 'CommitteeMemberReplaced':
      return p.memberId === undefined ? s.membersHidden : `${p.memberId} ${s.replacedBy} ${String(p.replacementId)} · ${String(p.reason)}`;
    case 'ScoresRecorded':
      return `${p.evaluatorId === undefined ? s.membersHidden : p.evaluatorId}: ${(p.scores as { bidderId: string; score: number }[]).map((x) => `${party(x.bidderId)} ${points(x.score)}`).join(', ')}`;
    // A departure from the ranking, or a choice among bids tied first, shows its reason.
    case 'BidAwarded':
      return `${party(p.bidderId)} · ${yuan(Number(p.price))}${p.reason === undefined ? '' : ` · ${p.reason}`}`;
    case 'ContractSigned':
      return `${party(p.bidderId)} · ${String(p.contractSha256).slice(0, 16)}…`;
    case 'DepositReleased':
      return `${party(p.bidderId)} · ${yuan(Number(p.amount))} · ${s.basis[String(p.basis)] ?? String(p.basis)}`;
    case 'DocumentNotarised': {
      const name = (p.metadata as Record<string, string> | undefined)?.fileName;
      return `${kindWords(p.kind)}${name ? ` · ${name}` : ''}`;
    }
    default:
      return '';
  }
}

/** Scores are integer hundredths of a point: 9150 is 91.50. */
const points = (hundredths: number) => `${Math.trunc(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;

/** The change as a number and a percentage of last year's count (a category new this year has no percentage). */
function change(projects: number, delta: number | null): string {
  if (delta === null) return '—';
  const before = projects - delta;
  const sign = delta > 0 ? '+' : '';
  return before === 0 ? `${sign}${delta} (${t().newThisYear})` : `${sign}${delta} (${sign}${((delta / before) * 100).toFixed(1)}%)`;
}

/** Projects (searched and paged by the gateway), a project's timeline, and the reports on their own tabs. */
export async function regulatorPage(root: HTMLElement, rerender: () => void): Promise<void> {
  const s = t();
  const current = requireSession(root, 'regulator', rerender);
  if (!current) return;
  const token = current.token;
  const [dir, { overdue }, report] = await Promise.all([
    api<Directory>('/v1/directory', { token }),
    api<{ overdue: (OverdueDeposit & { projectName: string })[] }>('/v1/reports/overdue-deposits', { token }),
    api<Report>('/v1/reports/projects-by-category', { token }),
  ]);
  directory = dir;
  const timeline = h('section', { id: 'timeline', 'aria-live': 'polite' });
  const categories = [...new Set(report.rows.map((r) => r.category))].sort();
  const years = [...new Set(report.rows.map((r) => r.year))].sort((a, b) => b - a);
  const search = h('input', { type: 'search', id: 'search', placeholder: s.searchPlaceholder, autocomplete: 'off' });
  const category = h(
    'select',
    { id: 'filter-category' },
    h('option', { value: '' }, s.all),
    ...categories.map((c) => h('option', { value: c }, c)),
  );
  const status = h(
    'select',
    { id: 'filter-status' },
    h('option', { value: '' }, s.all),
    h('option', { value: 'awaiting-opening' }, s.awaitingOpening),
    ...Object.entries(s.status).map(([value, label]) => h('option', { value }, label)),
  );
  const year = h(
    'select',
    { id: 'filter-year' },
    h('option', { value: '' }, s.all),
    ...years.map((y) => h('option', { value: String(y) }, String(y))),
  );
  const owner = h('input', { type: 'text', id: 'filter-owner', autocomplete: 'off' });
  const list = h('ol', { class: 'project-list', id: 'projects' });
  const count = h('p', { id: 'project-count', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', id: 'more', class: 'secondary' }, s.more);
  let cursor: string | undefined;
  const load = async (append: boolean) => {
    const query = new URLSearchParams({ limit: '50' });
    for (const [name, el] of [
      ['q', search],
      ['category', category],
      ['status', status],
      ['year', year],
      ['owner', owner],
    ] as const) {
      if (el.value.trim()) query.set(name, el.value.trim());
    }
    if (append && cursor) query.set('cursor', cursor);
    const page = await api<{ projects: PublicProjectStatus[]; nextCursor?: string; total: number; asOf: string }>(
      `/v1/projects?${query.toString()}`,
      { token },
    );
    cursor = page.nextCursor;
    const items = page.projects.map((p) => {
      // Bidding whose deadline has passed without an opening is awaiting its opening, not open for bids.
      const waiting = p.status === 'bidding' && Date.parse(p.bidDeadline) <= Date.parse(page.asOf);
      return h(
        'li',
        { class: 'project card', 'data-project': p.projectId },
        h('h3', {}, p.name),
        h(
          'dl',
          { class: 'facts' },
          h('div', { class: 'fact' }, h('dt', {}, s.colProject), h('dd', {}, p.projectId)),
          h('div', { class: 'fact' }, h('dt', {}, s.colCategory), h('dd', {}, p.category)),
          h(
            'div',
            { class: 'fact' },
            h('dt', {}, s.colStatus),
            h('dd', { class: 'status' }, waiting ? s.awaitingOpening : (s.status[p.status] ?? p.status)),
          ),
          h('div', { class: 'fact' }, h('dt', {}, s.owner), h('dd', {}, actorName(p.owner))),
          h('div', { class: 'fact' }, h('dt', {}, s.colRegistered), h('dd', {}, formatTime(p.registeredAt))),
        ),
        h('button', { type: 'button', class: 'link', onclick: () => void showTrail(p.projectId, timeline, token) }, s.openTrail),
      );
    });
    if (append) list.append(...items);
    else list.replaceChildren(...items);
    count.textContent = s.projectCount(list.children.length, page.total);
    more.hidden = cursor === undefined;
  };
  more.addEventListener('click', () => void load(true));
  const form = h(
    'form',
    { class: 'filters', role: 'search' },
    h('div', {}, h('label', { for: 'search' }, s.search), search),
    h('div', {}, h('label', { for: 'filter-category' }, s.filterCategory), category),
    h('div', {}, h('label', { for: 'filter-status' }, s.filterStatus), status),
    h('div', {}, h('label', { for: 'filter-year' }, s.colYear), year),
    h('div', {}, h('label', { for: 'filter-owner' }, s.owner), owner),
    h('button', { type: 'submit' }, s.searchButton),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load(false);
  });
  for (const select of [category, status, year]) select.addEventListener('change', () => void load(false));
  await load(false);

  const panels = {
    projects: h(
      'section',
      { id: 'panel-projects', role: 'tabpanel', 'aria-labelledby': 'tab-projects' },
      h('h2', { class: 'visually-hidden' }, s.projects),
      form,
      count,
      list,
      more,
      timeline,
    ),
    overdue: h(
      'section',
      { id: 'overdue', role: 'tabpanel', 'aria-labelledby': 'tab-overdue', hidden: true },
      h('h2', { id: 'overdue-h' }, s.overdueHeading),
      overdue.length === 0
        ? h('p', {}, s.noOverdue)
        : table(
            [s.colProject, s.colBidder, s.colAmount, s.colBasis, s.colDueBy, s.colDaysOverdue],
            overdue.map((o) => [
              `${o.projectName} (${o.projectId})`,
              party(o.bidderId),
              yuan(o.amount),
              s.basis[o.dueAfter] ?? o.dueAfter,
              formatTime(o.dueBy),
              h('strong', {}, String(o.daysOverdue)),
            ]),
          ),
    ),
    report: h(
      'section',
      { id: 'report', role: 'tabpanel', 'aria-labelledby': 'tab-report', hidden: true },
      h('h2', { id: 'report-h' }, s.reportHeading),
      table(
        [s.colYear, s.colCategory, s.colProjects, s.colChange],
        [
          ...report.totals.map((r) => [
            h('strong', {}, String(r.year)),
            h('strong', {}, s.total),
            h('strong', {}, String(r.projects)),
            h('strong', {}, change(r.projects, r.change)),
          ]),
          ...report.rows.map((r) => [String(r.year), r.category, String(r.projects), change(r.projects, r.change)]),
        ],
      ),
    ),
  };
  const tabs = (['projects', 'overdue', 'report'] as const).map((name) => {
    const tab = h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${name}`,
        'aria-controls': panels[name].id,
        'aria-selected': name === 'projects' ? 'true' : 'false',
      },
      name === 'projects' ? s.projects : name === 'overdue' ? s.overdueTab(overdue.length) : s.reportTab,
    );
    tab.addEventListener('click', () => {
      for (const [other, panel] of Object.entries(panels)) {
        panel.hidden = other !== name;
        document.getElementById(`tab-${other}`)?.setAttribute('aria-selected', other === name ? 'true' : 'false');
      }
    });
    return tab;
  });
  root.replaceChildren(
    h('h1', {}, s.regulatorHeading),
    sessionBar(current, rerender),
    h('div', { class: 'tabs', role: 'tablist' }, ...tabs),
    panels.projects,
    panels.overdue,
    panels.report,
  );
}

async function showTrail(projectId: string, out: HTMLElement, token: string): Promise<void> {
  const s = t();
  const trail = await api<{ records: LedgerRecord[]; chainValid: boolean }>(`/v1/projects/${encodeURIComponent(projectId)}/trail`, {
    token,
  });
  const superseded = supersededIds(trail.records);
  out.replaceChildren(
    h('h2', {}, s.trailHeading(projectId)),
    h('p', { class: `verdict ${trail.chainValid ? 'good' : 'bad'}`, 'data-testid': 'chain' }, trail.chainValid ? s.chainOk : s.chainBroken),
    h(
      'p',
      {},
      h('button', { type: 'button', id: 'evidence-package', onclick: () => void downloadPackage(projectId, token) }, s.evidencePackage),
    ),
    h(
      'ol',
      { class: 'timeline' },
      ...trail.records.map((r) =>
        h(
          'li',
          {},
          h('div', { class: 'when' }, formatTime(r.txTime)),
          h('div', { class: 'what' }, h('strong', {}, s.steps[r.step] ?? r.step), ` #${r.seq} · ${actorName(r.actor)}`),
          h('div', { class: 'detail' }, detail(r, superseded)),
          h(
            'div',
            { class: 'hashes' },
            hashText(r.hash),
            ' ',
            h('a', { href: `/certificate/${encodeURIComponent(r.recordId)}` }, s.viewCertificate),
          ),
        ),
      ),
    ),
  );
  out.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

/** The evidence package needs the token, so it is fetched and handed to the browser as a file. */
async function downloadPackage(projectId: string, token: string): Promise<void> {
  const response = await fetch(`/v1/projects/${encodeURIComponent(projectId)}/evidence-package`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`${response.status}`);
  const link = h('a', { href: URL.createObjectURL(await response.blob()), download: `evidence-${projectId}.zip` });
  document.body.append(link);
  link.click();
  link.remove();
}
