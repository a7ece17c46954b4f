import { Router, type Request, type RequestHandler, type Response } from 'express';
import { Type } from '@sinclair/typebox';
import { RecordId, Sha256Hex, isRedacted, jsonValue, schemaErrors, type RecordView } from '@tender-ledger/domain';
import { toBase64 } from '@tender-ledger/tlog';
import type { LedgerBackend } from '../backend.js';
import { ledgerUnavailable, Problem } from '../problem.js';
import { validateParams } from './http.js';
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
    const sizeOf = (s: unknown) => (/^(0|[1-9][0-9]{0,15})$/.test(String(s)) ? Number(s) : NaN);
    const size1 = sizeOf(req.params['size1']);
    const size2 = sizeOf(req.params['size2']);
    if (!(size1 <= size2 && size2 <= tlog.log.size))
      throw new Problem(
        'NOT_FOUND',
        `no consistency proof from ${String(req.params['size1'])} to ${String(req.params['size2'])} in a log of ${tlog.log.size}`,
      );
    // From the empty tree the proof is empty, as tlog-witness has it for `old 0` (any tree extends
    // it, so it proves nothing; the verifier says so): an answer, not a malformed request.
    const proof = size1 === 0 ? [] : tlog.log.consistencyProof(size1, size2);
    res.setHeader('cache-control', IMMUTABLE);
    res.type('text/plain; charset=utf-8').send(proof.map((h) => `${toBase64(h)}\n`).join(''));
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
    const { recordId } = validateParams(req) as { recordId: string };
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

/**
 * The same paths on a gateway that keeps no log (a Fabric gateway with `FABRIC_TLOG` off): a
 * coded 404 `LOG_NOT_KEPT` rather than "no route", so a monitor, `tender proof get` or a
 * client reading the OpenAPI document learns why, and never takes it for a missing record.
 * An embedded ledger always keeps its log, so one without is a damaged store: 503 LEDGER_DAMAGED
 * (from `health`), as every other route answers, not a claim that there is no log.
 */
export function createNoLogRouter(backend: Pick<LedgerBackend, 'kind' | 'health'>): Router {
  const router = Router();
  router.get(
    ['/checkpoint', '/log/policy', '/log/consistency/:size1/:size2', /^\/tile\/(.+)$/, '/v1/records/:recordId/proof'],
    async () => {
      if (backend.kind === 'embedded') await backend.health();
      throw new Problem(
        'LOG_NOT_KEPT',
        "this gateway keeps no transparency log (on Fabric, FABRIC_TLOG=true builds one from the peer's blocks)",
      );
    },
  );
  return router;
}

async function bundleOrRetry(tlog: TlogService, recordId: string, hash: string, waitMs: number): Promise<{ text: string; index: number }> {
  let bundle;
  try {
    bundle = await tlog.bundle(recordId, hash, waitMs);
  } catch (error) {
    throw new Problem('PROOF_NOT_READY', (error as Error).message, { headers: { 'retry-after': '1' } });
  }
  if (bundle === undefined)
    throw new Problem('PROOF_NOT_READY', `record ${recordId} has no leaf in the log yet`, { headers: { 'retry-after': '1' } });
  return bundle;
}

/** What a write's answer must name for its proof to be looked up: the record's id and hash. */
const ProvableAnswer = Type.Object({ record: Type.Object({ recordId: RecordId, hash: Sha256Hex }) });

/** `Prefer: wait=proof` (RFC 7240): the write's answer waits for the record's proof bundle. */
export function prefersProof(req: Request): boolean {
  return /(^|[,;\s])wait=proof($|[,;\s])/i.test(req.get('prefer') ?? '');
}

/**
 * Adds `"proof": "<bundle>"` to a 201 write answer (`{"record": {...}, "receipt": "..."}`) when
 * one comes within the wait; without it the answer is as it was (Preference-Applied absent).
 */
export async function withProof(tlog: TlogService, res: Response, body: string, waitMs = 2000): Promise<string> {
  // The answer may be one stored by the idempotency store, read back from disk: what names no
  // record (damaged, or not a write's answer) is sent as it was, with no proof, never a 500.
  const written = jsonValue(body);
  if (schemaErrors(ProvableAnswer, written).length > 0) return body;
  const { record } = written as { record: { recordId: string; hash: string } };
  try {
    const bundle = await tlog.bundle(record.recordId, record.hash, waitMs);
    if (bundle === undefined) return body;
    res.setHeader('preference-applied', 'wait=proof');
    return `${body.slice(0, -1)},"proof":${JSON.stringify(bundle.text)}}`;
  } catch {
    return body;
  }
}
