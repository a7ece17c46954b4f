import express, { type Request, type RequestHandler } from 'express';
import {
  SEALED_STEPS,
  isRedacted,
  schemaErrors,
  type LedgerRecord,
  type PublicProjectStatus,
  type RecordView,
} from '@tender-ledger/domain';
import type { Caller } from '../auth.js';
import type { LedgerBackend } from '../backend.js';
import { KIND_WORDS, STEP_WORDS, buildCertificate, proofLink, type Certificate, type PartyDirectory } from '../certificate.js';
import type { TlogService } from '../tlog/service.js';
import { certificatePdf } from '../certificate-pdf.js';
import { buildEvidencePackage, type PackagedRecord } from '../evidence-package.js';
import { ledgerUnavailable, Problem } from '../problem.js';
import type { ReceiptSigner } from '../receipts.js';
import { PATH_PARAMS } from '../routes.js';
import { evaluateJson, readerOf } from './http.js';

export interface EvidenceRoutesDeps {
  backend: LedgerBackend;
  receipts: ReceiptSigner;
  directory: PartyDirectory;
  /** Authenticates a token when one is sent (public without one). */
  optionalCaller: RequestHandler;
  /** Requires a verified caller. */
  signedIn: RequestHandler;
  now?: () => Date;
  /** The transparency log: a certificate then carries the record's proof bundle (none without a log). */
  tlog?: TlogService;
}

/** How long a certificate waits for a checkpoint covering its record before going without a proof. */
const CERTIFICATE_PROOF_WAIT_MS = 2000;

function param(req: Request, name: string): string {
  const value = (req.params as Record<string, string>)[name] ?? '';
  const schema = PATH_PARAMS[name];
  const errors = schema ? schemaErrors(schema, value) : [];
  const [first] = errors;
  if (first) {
    throw new Problem('INVALID_ARGUMENT', `/params/${name} ${errors.map((e) => e.message).join('; ')}`, {
      errors: [{ field: `/params/${name}`, message: first.message }],
    });
  }
  return value;
}

/**
 * Evidence a court or an auditor can take away: a record's certificate (存证证明) as JSON for the
 * printable page and as PDF, and a project's evidence package (证据包), a zip that
 * `tender package verify` checks offline.
 */
export function evidenceRouter(deps: EvidenceRoutesDeps): express.Router {
  const { backend, receipts, directory } = deps;
  const router = express.Router();
  const origin = (req: Request) => `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;

  async function certificateOf(record: RecordView, req: Request): Promise<Certificate> {
    // Certificates keep the block (an announcement is certified while bidding runs); the JSON
    // views of a sealed project's records do not (see hidesBlock in routers/http.ts).
    const landed = await backend.transaction(record.txId);
    let project: { name: string; category?: string } | undefined;
    if (record.projectId !== null) {
      const status = await evaluateJson<PublicProjectStatus>(backend, { kind: 'public' }, 'getProjectStatus', record.projectId);
      project = { name: status.name, category: status.category };
    }
    // A receipt states a fact about the ledger. Its claims name no bidder and no chain position,
    // but a sealed bid's would give its commitment away before the opening: none for those.
    const sealed = isRedacted(record) && SEALED_STEPS.has(record.step);
    const receipt = landed && !sealed ? await receipts.sign(record as LedgerRecord, { txId: record.txId, ...landed }) : undefined;
    // The proof goes only to whoever may see the record (as GET /v1/records/{id}/proof): a sealed
    // bid's leaf index would place it, and count it, among the project's records. A record whose
    // checkpoint is not witnessed yet gets its certificate without one, not an error.
    const proof =
      deps.tlog && !isRedacted(record)
        ? await deps.tlog.bundle(record.recordId, record.hash, CERTIFICATE_PROOF_WAIT_MS).then(
            (bundle) => bundle?.text,
            () => undefined,
          )
        : undefined;
    const verifyUrl = `${origin(req)}/?record=${encodeURIComponent(record.recordId)}`;
    return buildCertificate(directory, {
      record,
      ...(landed ? { block: landed } : {}),
      ...(project ? { project } : {}),
      ...(receipt ? { receipt } : {}),
      ...(proof ? { proof, proofUrl: proofLink(verifyUrl, proof) } : {}),
      verifyUrl,
      issuedAt: deps.now?.() ?? new Date(),
    });
  }

  async function recordFor(req: Request): Promise<RecordView> {
    return evaluateJson<RecordView>(backend, readerOf(req.caller), 'getRecord', param(req, 'recordId'));
  }

  // The names pages show instead of ids, and document kinds in words (signed-in callers).
  router.get('/v1/directory', deps.signedIn, (_req, res) => {
    res.json({ tradingCentreName: directory.tradingCentreName, names: directory.names, kinds: KIND_WORDS, steps: STEP_WORDS });
  });

  router.get('/v1/records/:recordId/certificate', deps.optionalCaller, async (req, res) => {
    res.json(await certificateOf(await recordFor(req), req));
  });

  router.get('/v1/records/:recordId/certificate.pdf', deps.optionalCaller, async (req, res) => {
    const certificate = await certificateOf(await recordFor(req), req);
    const pdf = await certificatePdf(certificate);
    res
      .type('application/pdf')
      .setHeader('content-disposition', `attachment; filename="certificate-${certificate.certificateNo}.pdf"`)
      .send(Buffer.from(pdf));
  });

  router.get('/v1/projects/:projectId/evidence-package', deps.signedIn, async (req, res) => {
    const projectId = param(req, 'projectId');
    const caller = req.caller as Caller;
    const status = await evaluateJson<PublicProjectStatus>(backend, { kind: 'public' }, 'getProjectStatus', projectId);
    let records: LedgerRecord[];
    let scope: { kind: 'trail' } | { kind: 'bidder'; bidderId: string };
    if (caller.role === 'bidder') {
      // A bidder's own records, as the contract gives them to that bidder; nothing of another bidder leaves.
      const bidderId = caller.sub;
      ({ records } = await evaluateJson<{ records: LedgerRecord[] }>(backend, readerOf(caller), 'getBidderRecords', projectId, bidderId));
      if (records.length === 0) throw new Problem('FORBIDDEN', 'this bidder has no records in this project');
      scope = { kind: 'bidder', bidderId };
    } else {
      const trail = await evaluateJson<{ complete: boolean; records: RecordView[] }>(backend, readerOf(caller), 'getTrail', projectId);
      if (!trail.complete || trail.records.some(isRedacted)) {
        throw new Problem('FORBIDDEN', "only the owning platform and regulators take a sealed project's evidence package");
      }
      records = trail.records as LedgerRecord[];
      scope = { kind: 'trail' };
    }
    // The contract's check of the whole chain, whatever part of it this caller sees.
    const { chainValid } = await evaluateJson<{ chainValid: boolean }>(backend, readerOf(caller), 'getTrail', projectId);
    const packaged: PackagedRecord[] = [];
    for (const record of records) {
      const landed = await backend.transaction(record.txId);
      if (!landed) throw ledgerUnavailable(`record ${record.recordId} has no block yet`);
      const receipt = await receipts.sign(record, { txId: record.txId, ...landed });
      const certificate = await certificateOf(record, req);
      packaged.push({ record, receipt, certificatePdf: await certificatePdf(certificate) });
    }
    const zip = buildEvidencePackage({
      projectId,
      projectName: status.name,
      issuer: directory.tradingCentreName,
      createdAt: deps.now?.() ?? new Date(),
      requestedBy: { role: caller.role, sub: caller.sub },
      scope,
      records: packaged,
      jwks: receipts.jwks(),
      chainValid,
    });
    res.type('application/zip').setHeader('content-disposition', `attachment; filename="evidence-${projectId}.zip"`).send(Buffer.from(zip));
  });

  return router;
}
