import type { BidderRegisteredPayload, BidWithdrawnPayload, DepositReleasedPayload, LedgerRecord } from './records.js';
import { DEPOSIT_RELEASE_DAYS, type ProjectState } from './project.js';

const DAY_MS = 86_400_000;

/** A deposit not released in time (IR art. 35, 57): what regulators want flagged. */
export interface OverdueDeposit {
  projectId: string;
  bidderId: string;
  form: 'cash' | 'guarantee';
  amount: number;
  /** Why it became due: the contract, the bidder's withdrawal, or the failed tender. */
  dueAfter: 'contract' | 'withdrawal' | 'failedTender';
  dueBy: string;
  daysOverdue: number;
}

/**
 * Deposits still held more than 5 days after they fell due, from one project's full trail:
 * after a withdrawal (IR 35), after the contract (IR 57), or after a failed tender.
 */
export function overdueDeposits(records: readonly LedgerRecord[], now: Date): OverdueDeposit[] {
  const registered = new Map<string, BidderRegisteredPayload>();
  const released = new Set<string>();
  const dueFrom = new Map<string, { at: string; why: OverdueDeposit['dueAfter'] }>();
  let projectDue: { at: string; why: OverdueDeposit['dueAfter'] } | undefined;
  for (const record of records) {
    switch (record.step) {
      case 'BidderRegistered': {
        const payload = record.payload as BidderRegisteredPayload;
        registered.set(payload.bidderId, payload);
        break;
      }
      case 'BidWithdrawn':
        dueFrom.set((record.payload as BidWithdrawnPayload).bidderId, { at: record.txTime, why: 'withdrawal' });
        break;
      case 'DepositReleased':
        released.add((record.payload as DepositReleasedPayload).bidderId);
        break;
      case 'ContractSigned':
        projectDue = { at: record.txTime, why: 'contract' };
        break;
      case 'TenderFailed':
        projectDue = { at: record.txTime, why: 'failedTender' };
        break;
      default:
        break;
    }
  }
  const overdue: OverdueDeposit[] = [];
  for (const [bidderId, { deposit }] of registered) {
    if (released.has(bidderId)) continue;
    const due = dueFrom.get(bidderId) ?? projectDue;
    if (!due) continue;
    const dueBy = Date.parse(due.at) + DEPOSIT_RELEASE_DAYS * DAY_MS;
    if (now.getTime() <= dueBy) continue;
    overdue.push({
      projectId: records[0]?.projectId ?? '',
      bidderId,
      form: deposit.form,
      amount: deposit.amount,
      dueAfter: due.why,
      dueBy: new Date(dueBy).toISOString(),
      daysOverdue: Math.floor((now.getTime() - dueBy) / DAY_MS),
    });
  }
  return overdue;
}

export interface CategoryYearRow {
  year: number;
  category: string;
  projects: number;
  /** Change against the same category the year before (null in its first year). */
  change: number | null;
}

/** Projects registered per category per year, with the year-on-year change (the seed's "1,290, 240 more"). */
export function projectsByCategoryYear(projects: readonly Pick<ProjectState, 'category' | 'registeredAt'>[]): {
  rows: CategoryYearRow[];
  totals: { year: number; projects: number; change: number | null }[];
} {
  const counts = new Map<string, number>();
  const totals = new Map<number, number>();
  for (const { category, registeredAt } of projects) {
    const year = new Date(registeredAt).getUTCFullYear();
    counts.set(`${year}\u0000${category}`, (counts.get(`${year}\u0000${category}`) ?? 0) + 1);
    totals.set(year, (totals.get(year) ?? 0) + 1);
  }
  // A category new this year counts from zero (when the year before has any projects at all);
  // one that had projects last year and none this year is listed with 0. Only a first year has no change.
  const keys = new Set(counts.keys());
  for (const key of counts.keys()) {
    const [year, category] = key.split('\u0000') as [string, string];
    if (totals.has(Number(year) + 1)) keys.add(`${Number(year) + 1}\u0000${category}`);
  }
  const rows = [...keys]
    .map((key) => {
      const [year, category] = key.split('\u0000') as [string, string];
      const n = counts.get(key) ?? 0;
      const before = counts.get(`${Number(year) - 1}\u0000${category}`) ?? (totals.has(Number(year) - 1) ? 0 : undefined);
      return { year: Number(year), category, projects: n, change: before === undefined ? null : n - before };
    })
    .sort((a, b) => b.year - a.year || a.category.localeCompare(b.category));
  const years = [...totals.entries()]
    .map(([year, n]) => ({ year, projects: n, change: totals.has(year - 1) ? n - (totals.get(year - 1) as number) : null }))
    .sort((a, b) => b.year - a.year);
  return { rows, totals: years };
}
