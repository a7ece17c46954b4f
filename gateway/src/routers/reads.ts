import express, { type Router } from 'express';
import {
  checkChain, isRedacted, type LedgerRecord, type ProjectState, type PublicProjectStatus, type RecordView,
} from '@tender-ledger/domain';
import type { Caller } from '../auth.js';
import type { Reader } from '../backend.js';
import { Problem } from '../problem.js';
import { evaluateJson, readerOf, validateParams, type RouterDeps } from './http.js';

/** Reads of projects, trails, records and a bidder's own records, each as the caller may see them. */
export function readsRouter({ backend, receipts, signedIn, maybeSignedIn }: RouterDeps): Router {
  const router = express.Router();
  const query = <T>(reader: Reader, fn: string, ...args: string[]) => evaluateJson<T>(backend, reader, fn, ...args);

  router.get('/v1/projects/:projectId', signedIn(), async (req, res) => {
    const { projectId } = validateParams(req) as { projectId: string };
    res.json(await query<ProjectState | PublicProjectStatus>(readerOf(req.caller), 'getProjectStatus', projectId));
  });

  router.get('/v1/projects/:projectId/trail', signedIn(), async (req, res) => {
    const { projectId } = validateParams(req) as { projectId: string };
    const trail = await query<{ projectId: string; complete: boolean; records: RecordView[] }>(readerOf(req.caller), 'getTrail', projectId);
    let chainValid: boolean;
    if (trail.complete && !trail.records.some(isRedacted)) {
      chainValid = checkChain(trail.records as LedgerRecord[]).valid;
    } else {
      // A sealed trail hides records (or committee members) from this caller; the gateway checks
      // the whole chain as the owning platform and passes on only the verdict.
      const status = await query<PublicProjectStatus>({ kind: 'public' }, 'getProjectStatus', projectId);
      const whole = await query<{ records: LedgerRecord[] }>({ kind: 'owner', owner: status.owner }, 'getTrail', projectId);
      chainValid = checkChain(whole.records).valid;
    }
    res.json({ ...trail, chainValid });
  });

  router.get('/v1/projects/:projectId/bidders/:bidderId/records', signedIn(), async (req, res) => {
    const { projectId, bidderId } = validateParams(req) as { projectId: string; bidderId: string };
    const caller = req.caller as Caller;
    let reader: Reader;
    if (caller.role === 'bidder') {
      if (caller.sub !== bidderId) throw new Problem('FORBIDDEN', 'a bidder reads only its own records');
      const status = await query<PublicProjectStatus>({ kind: 'public' }, 'getProjectStatus', projectId);
      reader = { kind: 'owner', owner: status.owner };
    } else {
      reader = { kind: 'caller', caller };
    }
    const trail = await query<{ complete: boolean; records: LedgerRecord[] }>(reader, 'getTrail', projectId);
    if (!trail.complete) throw new Problem('FORBIDDEN', 'only the bidder, the owning platform and regulators read a sealed bid');
    const records = trail.records.filter((r) => (r.payload as { bidderId?: string }).bidderId === bidderId
      || (r.step === 'BidsOpened' && (r as LedgerRecord<'BidsOpened'>).payload.bids.some((b) => b.bidderId === bidderId)));
    res.json({ projectId, bidderId, records });
  });

  // Public without a token (the evidence certificate page); a token's holder sees what it may.
  router.get('/v1/records/:recordId', maybeSignedIn, async (req, res) => {
    const { recordId } = validateParams(req) as { recordId: string };
    const record = await query<RecordView>(readerOf(req.caller), 'getRecord', recordId);
    const landed = await backend.transaction(record.txId);
    res.json({ ...record, ...(landed ? { blockNumber: landed.blockNumber, blockHash: landed.blockHash } : {}) });
  });

  router.get('/v1/projects', signedIn(), async (req, res) => {
    const params = req.query as Record<string, unknown>;
    const filters = { category: params.category, status: params.status, year: params.year };
    for (const [name, value] of Object.entries(filters)) {
      if (value !== undefined && (typeof value !== 'string' || value.length > 100)) {
        throw new Problem('INVALID_ARGUMENT', `${name} must be one short string`, { errors: [{ field: `/query/${name}`, message: 'must be one short string' }] });
      }
    }
    const projects = await query<PublicProjectStatus[]>(readerOf(req.caller), 'listProjects');
    res.json({
      projects: projects.filter((p) => (filters.category === undefined || p.category === filters.category)
        && (filters.status === undefined || p.status === filters.status)
        && (filters.year === undefined || p.registeredAt.startsWith(`${filters.year as string}-`)))
        .sort((a, b) => b.registeredAt.localeCompare(a.registeredAt)),
    });
  });

  router.get('/v1/bidders/:bidderId/bids', signedIn(['bidder', 'regulator']), async (req, res) => {
    const { bidderId } = validateParams(req) as { bidderId: string };
    const caller = req.caller as Caller;
    if (caller.role === 'bidder' && caller.sub !== bidderId) throw new Problem('FORBIDDEN', 'a bidder reads only its own bids');
    const projectIds = await query<string[]>({ kind: 'supervision' }, 'getBidderProjects', bidderId);
    const bids = [];
    for (const projectId of projectIds) {
      const status = await query<ProjectState>({ kind: 'supervision' }, 'getProjectStatus', projectId);
      const trail = await query<{ records: LedgerRecord[] }>({ kind: 'supervision' }, 'getTrail', projectId);
      const own = trail.records.filter((r) => (r.payload as { bidderId?: string }).bidderId === bidderId);
      const commitments = [];
      for (const record of own.filter((r) => r.step === 'BidCommitted')) {
        const landed = await backend.transaction(record.txId);
        // A receipt states a fact about the ledger; issuing it again for the bidder states the same fact.
        if (landed) commitments.push({ record, receipt: await receipts.sign(record, { txId: record.txId, ...landed }) });
      }
      bids.push({ projectId, name: status.name, status: status.status, bidDeadline: status.bidDeadline, openingTime: status.openingTime, records: own, commitments });
    }
    res.json({ bidderId, bids });
  });
  return router;
}
