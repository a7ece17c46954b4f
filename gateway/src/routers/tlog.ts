import { Router, type Request, type RequestHandler, type Response } from 'express';
import { isRedacted, type RecordView } from '@tender-ledger/domain';
import { toBase64 } from '@tender-ledger/tlog';
import { ledgerUnavailable, Problem } from '../problem.js';
import type { TlogService } from '../tlog/service.js';
import { parseTilePath, readTile, TILE_WIDTH } from '../tlog/tiles.js';

export interface TlogRouterDeps {
  readonly tlog: TlogService;
  /** Lets a token's holder through as itself and anyone else as the public. */
  readonly optionalAuth: RequestHandler;
  /** The record as the caller may see it (throws RECORD_NOT_FOUND). */
  readonly readRecord: (req: Request, recordId: string) => Promise<RecordView>;
  /** How long a proof request waits for a witnessed checkpoint covering the record (default 2 s). */
  readonly proofWaitMs?: number;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The transparency log's public read side: `GET /checkpoint` (C2SP tlog-checkpoint signed note,
 * with the witnesses' cosignatures), `GET /tile/...` (c2sp.org/tlog-tiles), `GET /log/policy`
 * (the tlog-policy that verifies this log's bundles) and `GET /v1/records/{id}/proof`.
 */
export function createTlogRouter(deps: TlogRouterDeps): Router {
  const { tlog } = deps;
  const router = Router();

  router.get('/checkpoint', (_req, res) => {
    const latest = tlog.checkpointer.latest;
    if (latest === undefined) throw ledgerUnavailable('no checkpoint signed yet; retry shortly');
    res.setHeader('cache-control', 'no-cache');
    res.type('text/plain; charset=utf-8').send(latest.note);
  });

  router.get('/log/policy', (_req, res) => {
    res.type('text/plain; charset=utf-8').send(tlog.policyText);
  });

  // A consistency proof between two sizes (base64 lines), for `tender log consistency`; the
  // verifier checks it against the roots its two checkpoints sign, so it need not trust this.
  router.get('/log/consistency/:size1/:size2', (req: Request, res: Response) => {
    const [size1, size2] = [req.params['size1'], req.params['size2']].map((s) => (/^(0|[1-9][0-9]{0,15})$/.test(String(s)) ? Number(s) : NaN));
    if (!(size1! <= size2! && size2! <= tlog.log.size)) throw new Problem('NOT_FOUND', `no consistency proof from ${String(req.params['size1'])} to ${String(req.params['size2'])} in a log of ${tlog.log.size}`);
    res.setHeader('cache-control', IMMUTABLE);
    res.type('text/plain; charset=utf-8').send(tlog.log.consistencyProof(size1!, size2!).map((h) => `${toBase64(h)}\n`).join(''));
  });

  router.get(/^\/tile\/(.+)$/, (req: Request, res: Response) => {
    const tile = parseTilePath(req.path.slice('/tile/'.length));
    if (tile === undefined) throw new Problem('NOT_FOUND', 'not a tlog-tiles path (tile/<L>/<N>[.p/<W>], N in x-prefixed 3-digit groups)');
    const bytes = readTile(tlog.log, tile);
    if (bytes === undefined) throw new Problem('NOT_FOUND', 'the log does not hold this tile (yet)');
    // A full tile never changes; a partial one is replaced by a wider one as the log grows.
    res.setHeader('cache-control', tile.width === TILE_WIDTH ? IMMUTABLE : 'no-cache');
    res.type('application/octet-stream').send(Buffer.from(bytes));
  });

  router.get('/v1/records/:recordId/proof', deps.optionalAuth, async (req: Request, res: Response) => {
    const recordId = String(req.params['recordId']);
    if (!/^[0-9A-Za-z._:-]{1,128}$/.test(recordId)) throw new Problem('INVALID_ARGUMENT', 'recordId is not a record id');
    // Whoever may not see a record may not learn where it is in the log either (a sealed bid's
    // leaf index would place it, and count it, among the project's records).
    const record = await deps.readRecord(req, recordId);
    if (isRedacted(record)) throw new Problem('FORBIDDEN', 'this record is sealed for you; its proof is given to those who may read it');
    const bundle = await bundleOrRetry(tlog, record.recordId, record.hash, deps.proofWaitMs ?? 2000);
    res.setHeader('content-disposition', `attachment; filename="${record.recordId}.tlog-proof"`);
    res.setHeader('cache-control', 'no-cache');
    res.type('text/plain; charset=utf-8').send(bundle.text);
  });
  return router;
}

async function bundleOrRetry(tlog: TlogService, recordId: string, hash: string, waitMs: number): Promise<{ text: string; index: number }> {
  let bundle;
  try {
    bundle = await tlog.bundle(recordId, hash, waitMs);
  } catch (error) {
    throw new Problem('PROOF_NOT_READY', (error as Error).message, { headers: { 'retry-after': '1' } });
  }
  if (bundle === undefined) throw new Problem('PROOF_NOT_READY', `record ${recordId} has no leaf in the log yet`, { headers: { 'retry-after': '1' } });
  return bundle;
}

/** `Prefer: wait=proof` (RFC 7240): the write's answer waits for the record's proof bundle. */
export function prefersProof(req: Request): boolean {
  return /(^|[,;\s])wait=proof($|[,;\s])/i.test(req.get('prefer') ?? '');
}

/**
 * Adds `"proof": "<bundle>"` to a 201 write answer (`{"record": {...}, "receipt": "..."}`) when
 * one comes within the wait; without it the answer is as it was (Preference-Applied absent).
 */
export async function withProof(tlog: TlogService, res: Response, body: string, waitMs = 2000): Promise<string> {
  const { record } = JSON.parse(body) as { record: { recordId: string; hash: string } };
  try {
    const bundle = await tlog.bundle(record.recordId, record.hash, waitMs);
    if (bundle === undefined) return body;
    res.setHeader('preference-applied', 'wait=proof');
    return `${body.slice(0, -1)},"proof":${JSON.stringify(bundle.text)}}`;
  } catch {
    return body;
  }
}
