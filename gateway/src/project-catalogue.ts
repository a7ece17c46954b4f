import { Type } from '@sinclair/typebox';
import { Identifier, Instant, jsonValue, schemaErrors, type PublicProjectStatus } from '@tender-ledger/domain';
import type { LedgerBackend, Reader } from './backend.js';
import { Problem } from './problem.js';
import { evaluateJson } from './routers/http.js';

/** The filters and paging `GET /v1/projects` takes. */
export interface ProjectQuery {
  limit: number;
  /** Opaque: where the previous page ended (newest first). */
  cursor?: { registeredAt: string; projectId: string };
  /** Part of the project number or name (case-insensitive). */
  q?: string;
  category?: string;
  /** A ledger status, or `awaiting-opening`: bidding whose deadline has passed without an opening. */
  status?: string;
  year?: string;
  /** The owning platform: its subject, its ledger client id or its MSP id. */
  owner?: string;
}

export interface ProjectPage {
  projects: PublicProjectStatus[];
  /** Present when more match: pass it as `cursor` for the next page. */
  nextCursor?: string;
  /** How many projects match the filters in all. */
  total: number;
  /** The gateway's time the page was made at (for "awaiting opening"). */
  asOf: string;
}

/**
 * A cursor as this gateway gives it: the last project's registration instant and number. A
 * client sends it back, so it is checked like any input; one of another shape is a 400.
 */
const Cursor = Type.Tuple([Instant, Identifier]);
/** What the contract's listProjects answers: every project the reader may see. */

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;
const SHORT = 100;

/** Reads `GET /v1/projects`'s query, naming each bad field in one 400. */
export function parseProjectQuery(query: Record<string, unknown>): ProjectQuery {
  const errors: { field: string; message: string }[] = [];
  const text = (name: string): string | undefined => {
    const value = query[name];
    // Characters (code points) as the published maxLength counts them, not UTF-16 units.
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points are what is meant: JSON Schema's maxLength counts them, not graphemes
    if (value !== undefined && (typeof value !== 'string' || [...value].length > SHORT)) {
      errors.push({ field: `/query/${name}`, message: 'must be one short string' });
      return undefined;
    }
    return value === '' ? undefined : value;
  };
  const parsed: ProjectQuery = { limit: DEFAULT_PAGE };
  for (const name of ['q', 'category', 'status', 'year', 'owner'] as const) {
    const value = text(name);
    if (value !== undefined) parsed[name] = value;
  }
  // An empty limit is as wrong as limit=0: the document's pattern refuses both.
  const limit = query.limit === '' ? '' : text('limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!/^(?:[1-9][0-9]?|1[0-9][0-9]|200)$/.test(limit) || n < 1 || n > MAX_PAGE)
      errors.push({ field: '/query/limit', message: `must be an integer from 1 to ${MAX_PAGE}` });
    else parsed.limit = n;
  }
  const cursor = query.cursor;
  if (cursor !== undefined) {
    const value =
      typeof cursor === 'string' && cursor.length <= 400 ? jsonValue(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
    if (schemaErrors(Cursor, value).length === 0) {
      const [registeredAt, projectId] = value as [string, string];
      parsed.cursor = { registeredAt, projectId };
    } else {
      errors.push({ field: '/query/cursor', message: 'is not a cursor this gateway gave' });
    }
  }
  if (errors.length > 0) throw new Problem('INVALID_ARGUMENT', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
  return parsed;
}

/** Newest first; the project number breaks ties, so the order is total and a cursor is exact. */
const newestFirst = (a: PublicProjectStatus, b: PublicProjectStatus) =>
  b.registeredAt.localeCompare(a.registeredAt) || (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0);

const after = (p: PublicProjectStatus, cursor: { registeredAt: string; projectId: string }) =>
  p.registeredAt < cursor.registeredAt || (p.registeredAt === cursor.registeredAt && p.projectId > cursor.projectId);

/** Bidding, but the deadline has passed and nobody opened the bids yet. */
export function awaitingOpening(p: PublicProjectStatus, now: Date): boolean {
  return p.status === 'bidding' && Date.parse(p.bidDeadline) <= now.getTime();
}

/**
 * Pages through the projects a caller may see. The contract answers the whole list; the gateway
 * keeps it sorted per reader until the ledger grows (a new block may change any project), so
 * paging, search and filters cost a scan of memory, not a ledger read, while nothing is written.
 */
export class ProjectCatalogue {
  readonly #backend: LedgerBackend;
  readonly #cache = new Map<string, { height: number; projects: PublicProjectStatus[] }>();

  constructor(backend: LedgerBackend) {
    this.#backend = backend;
  }

  async #sorted(reader: Reader, readerKey: string): Promise<PublicProjectStatus[]> {
    const { height } = await this.#backend.health();
    const cached = this.#cache.get(readerKey);
    if (height !== undefined && cached?.height === height) return cached.projects;
    const projects = (await evaluateJson<PublicProjectStatus[]>(this.#backend, reader, 'listProjects')).sort(newestFirst);
    if (height !== undefined) {
      // A few readers at most are kept: regulators share one view; platforms each have their own.
      if (this.#cache.size >= 16) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(readerKey, { height, projects });
    }
    return projects;
  }

  async page(reader: Reader, readerKey: string, query: ProjectQuery, now: Date): Promise<ProjectPage> {
    const sorted = await this.#sorted(reader, readerKey);
    const q = query.q?.toLowerCase();
    const matches = (p: PublicProjectStatus) =>
      (query.category === undefined || p.category === query.category) &&
      (query.status === undefined || (query.status === 'awaiting-opening' ? awaitingOpening(p, now) : p.status === query.status)) &&
      (query.year === undefined || p.registeredAt.startsWith(`${query.year}-`)) &&
      (query.owner === undefined ||
        p.owner.clientId === query.owner ||
        p.owner.mspId === query.owner ||
        p.owner.clientId.endsWith(`::${query.owner}`)) &&
      (q === undefined || p.projectId.toLowerCase().includes(q) || p.name.toLowerCase().includes(q));
    const projects: PublicProjectStatus[] = [];
    let total = 0;
    let more = false;
    for (const p of sorted) {
      if (!matches(p)) continue;
      total += 1;
      if (query.cursor && !after(p, query.cursor)) continue;
      if (projects.length < query.limit) projects.push(p);
      else more = true;
    }
    const last = projects.at(-1);
    return {
      projects,
      total,
      asOf: now.toISOString(),
      ...(more && last ? { nextCursor: Buffer.from(JSON.stringify([last.registeredAt, last.projectId])).toString('base64url') } : {}),
    };
  }
}
