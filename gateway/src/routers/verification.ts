import express, { type Router } from 'express';
import { isRedacted, type RecordView } from '@tender-ledger/domain';
import { verifyReceipt, ReceiptVerificationError } from '@tender-ledger/trust';
import { toProblem } from '../problem.js';
import { VerifyReceiptRequest } from '../routes.js';
import { evaluateJson, hidesBlock, requireJson, validate, validateParams, type RouterDeps } from './http.js';

/** Public verification: every record of a hash, and a receipt checked against the ledger. */
export function verificationRouter({ backend, receipts, jsonBody }: RouterDeps): Router {
  const router = express.Router();

  router.get('/v1/verify/:sha256', async (req, res) => {
    const { sha256 } = validateParams(req) as { sha256: string };
    const found = await evaluateJson<{ sha256: string; records: RecordView[] }>(backend, { kind: 'public' }, 'findByHash', sha256);
    const records = [];
    for (const record of found.records) {
      const landed = hidesBlock(record) ? undefined : await backend.transaction(record.txId);
      records.push({ ...record, ...(landed ? { blockNumber: landed.blockNumber } : {}) });
    }
    res.json({ sha256, records });
  });

  router.post('/v1/receipts/verify', requireJson, jsonBody, async (req, res) => {
    validate(VerifyReceiptRequest, req.body, '');
    const { receipt } = req.body as { receipt: string };
    const checks = { valid: false, signatureValid: false, onLedger: false, recordUnchanged: false, blockMatches: false };
    let claims;
    try {
      ({ claims } = await verifyReceipt(receipt, receipts.jwks()));
    } catch (error) {
      if (!(error instanceof ReceiptVerificationError)) throw error;
      res.json({ ...checks, reason: error.code, detail: error.message });
      return;
    }
    checks.signatureValid = true;
    let record: RecordView | undefined;
    try {
      record = await evaluateJson<RecordView>(backend, { kind: 'public' }, 'getRecord', claims.recordId);
    } catch (error) {
      if (toProblem(error).code !== 'RECORD_NOT_FOUND') throw error;
    }
    checks.onLedger = record !== undefined;
    checks.recordUnchanged =
      record?.hash === claims.recordHash &&
      record.txId === claims.txId &&
      (record.projectId ?? null) === claims.projectId &&
      record.step === claims.step &&
      record.txTime === claims.ledgerTime;
    const landed = await backend.transaction(claims.txId);
    checks.blockMatches = landed?.blockNumber === claims.blockNumber && landed.blockHash === claims.blockHash;
    checks.valid = checks.signatureValid && checks.onLedger && checks.recordUnchanged && checks.blockMatches;
    res.json({ ...checks, claims, ...(record && isRedacted(record) ? { sealed: true } : {}) });
  });
  return router;
}
