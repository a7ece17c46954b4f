import express, { type Router } from 'express';
import type { BidInclusionBody, LedgerQuery, LedgerRecord, ProjectState, PublicProjectStatus, RecordView } from '@tender-ledger/domain';
import { callerKey, type Caller } from '../auth.js';
import type { Reader } from '../backend.js';
import { ProjectCatalogue, parseProjectQuery } from '../project-catalogue.js';
import { evaluateJson, hidesBlock, readerOf, validateParams, type RouterDeps } from './http.js';

/** Reads of projects, trails, records and a bidder's own records, each as the caller may see them. */
export function readsRouter({ backend, receipts, signedIn, maybeSignedIn, now }: RouterDeps): Router {
  const router = express.Router();
  const query = <T>(reader: Reader, fn: LedgerQuery, ...args: string[]) => evaluateJson<T>(backend, reader, fn, ...args);

  router.get('/v1/projects/:projectId', signedIn(), async (req, res) => {
    const { projectId } = validateParams(req) as { projectId: string };
    res.json(await query<ProjectState | PublicProjectStatus>(readerOf(req.caller), 'getProjectStatus', projectId));
  });

  // The contract checks the whole chain and shows each caller what it may see of it.
  router.get('/v1/projects/:projectId/trail', signedIn(), async (req, res) => {
    const { projectId } = validateParams(req) as { projectId: string };
    res.json(
      await query<{ projectId: string; complete: boolean; records: RecordView[]; chainValid: boolean }>(
        readerOf(req.caller),
        'getTrail',
        projectId,
      ),
    );
  });

  router.get('/v1/projects/:projectId/bidders/:bidderId/records', signedIn(), async (req, res) => {
    const { projectId, bidderId } = validateParams(req) as { projectId: string; bidderId: string };
    res.json(
      await query<{ projectId: string; bidderId: string; records: RecordView[] }>(
        readerOf(req.caller),
        'getBidderRecords',
        projectId,
        bidderId,
      ),
    );
  });

  // Public once the bids are opened (who bid is public then): the bidder's completeness proof.
  router.get('/v1/projects/:projectId/bids/:bidderId/inclusion', maybeSignedIn, async (req, res) => {
    const { projectId, bidderId } = validateParams(req) as { projectId: string; bidderId: string };
    res.json(await query<BidInclusionBody>({ kind: 'public' }, 'getBidInclusion', projectId, bidderId));
  });

  // Public without a token (the evidence certificate page); a token's holder sees what it may.
  router.get('/v1/records/:recordId', maybeSignedIn, async (req, res) => {
    const { recordId } = validateParams(req) as { recordId: string };
    const record = await query<RecordView>(readerOf(req.caller), 'getRecord', recordId);
    // A sealed project's record (no chain position in this view) goes without its block: on a
    // quiet ledger the gaps between block numbers would count the sealed steps (BL art. 22).
    const landed = hidesBlock(record) ? undefined : await backend.transaction(record.txId);
    res.json({ ...record, ...(landed ? { blockNumber: landed.blockNumber, blockHash: landed.blockHash } : {}) });
  });

  // Paged, searched and filtered by gateway/src/project-catalogue.ts.
  const catalogue = new ProjectCatalogue(backend);
  router.get('/v1/projects', signedIn(), async (req, res) => {
    const caller = req.caller as Caller;
    const readerKey = caller.role === 'regulator' ? 'regulator' : caller.role === 'bidder' ? 'public' : `platform:${callerKey(caller)}`;
    res.json(await catalogue.page(readerOf(caller), readerKey, parseProjectQuery(req.query), now()));
  });

  router.get('/v1/bidders/:bidderId/bids', signedIn(), async (req, res) => {
    const { bidderId } = validateParams(req) as { bidderId: string };
    type Bid = { projectId: string; name: string; status: string; bidDeadline: string; openingTime: string; records: LedgerRecord[] };
    const found = await query<{ bidderId: string; bids: Bid[] }>(readerOf(req.caller), 'getBidderBids', bidderId);
    const bids = [];
    for (const bid of found.bids) {
      const commitments = [];
      for (const record of bid.records.filter((r) => r.step === 'BidCommitted')) {
        const landed = await backend.transaction(record.txId);
        // A receipt states a fact about the ledger; issuing it again for the bidder states the same fact.
        if (landed) commitments.push({ record, receipt: await receipts.sign(record, { txId: record.txId, ...landed }) });
      }
      bids.push({ ...bid, commitments });
    }
    res.json({ bidderId, bids });
  });
  return router;
}
