import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import express, { type Response, type Router } from 'express';
import { LedgerRecordSchema, canonicalJson, type LedgerRecord } from '@tender-ledger/domain';
import type { Caller } from '../auth.js';
import type { Committed, TxIntent } from '../backend.js';
import { checkedEntry, type WriteAttempt } from '../idempotency.js';
import { OutcomeUnknownError, Problem, sendProblem, toProblem } from '../problem.js';
import { noteTxId } from '../logging.js';
import { KeptReceiptSchema, keepReceipt } from '../receipts.js';
import { IdempotencyKey, STEP_ROUTES, type StepRoute } from '../routes.js';
import { checkedAnswer, requireJson, validate, validateParams, type RouterDeps } from './http.js';
import { prefersProof, withProof } from './tlog.js';

/**
 * 202: the write is under way or its outcome is not known yet. Nothing new will be sent for it;
 * the same request with the same key gets the answer once known, and the record, if it lands,
 * has the transaction's id.
 */
function sendPending(res: Response, txId: string | undefined): void {
  res.setHeader('retry-after', '1');
  if (txId) res.setHeader('location', `/v1/records/${txId}`);
  res.status(202).json({
    status: 'pending',
    ...(txId ? { txId, record: `/v1/records/${txId}` } : {}),
    detail: 'the outcome of this write is not known yet; send the same request with the same Idempotency-Key again for the answer',
  });
}

/**
 * What the idempotency store keeps of a step's answer (201): the record's transaction and what
 * rebuilds the receipt. The record itself is on the ledger; keeping it twice cost CPU and disk.
 */
const KeptStep = Type.Object({ txId: Type.String({ minLength: 1 }), receipt: KeptReceiptSchema });

/** Whether a receipt signed at sealing states exactly where the transaction landed. */
function sameLanding(a: Committed | undefined, b: Committed): boolean {
  return (
    a !== undefined &&
    a.txId === b.txId &&
    a.blockNumber === b.blockNumber &&
    a.blockHash === b.blockHash &&
    a.leafIndex === b.leafIndex &&
    a.result === b.result
  );
}

/** The recorded steps (POST), each answered `201 {record, receipt}`, idempotent under a key. */
export function stepsRouter({ backend, receipts, idempotency, jsonBody, signedIn, closer, writeWaitMs, tlog }: RouterDeps): Router {
  const router = express.Router();

  /** A transaction's commit as the ledger holds it, with its record as the caller reads it; undefined if not on the ledger. */
  async function onLedger(caller: Caller, txId: string): Promise<Committed | undefined> {
    const landed = await backend.transaction(txId);
    return landed && { txId, ...landed, result: await backend.evaluate({ kind: 'caller', caller }, 'getRecord', [txId]) };
  }

  /**
   * Records a step; the answer's body is JSON text, built around the ledger's own record text.
   * With an earlier attempt recorded (its outcome lost), its transaction's record is the answer
   * if it is on the ledger; if not, that same transaction is resumed, never a new one.
   */
  async function recordStep(
    route: StepRoute,
    caller: Caller,
    params: Record<string, string>,
    body: unknown,
    res: Response,
    attempt?: WriteAttempt,
  ) {
    const projectId = params.projectId ?? (body as { projectId?: string }).projectId;
    const recorded = attempt?.recorded;
    noteTxId(res, recorded?.txId);
    const beforeSend = attempt?.beforeSend;
    const landed = recorded ? await onLedger(caller, recorded.txId) : undefined;
    // The receipt is signed while the block is being fsynced, and sent only once it is durable.
    const early: { landing?: Committed; receipt?: Promise<string> } = {};
    const committed =
      landed ??
      (await backend.submit(caller, route.invoke?.(body) ?? route.fn, route.args(params, body), projectId, {
        ...(beforeSend
          ? {
              beforeSend: async (intent: TxIntent) => {
                noteTxId(res, intent.txId);
                await beforeSend(intent);
              },
            }
          : {}),
        ...(recorded ? { resume: recorded } : {}),
        onSealed: (landing) => {
          early.landing = landing;
          // Signed before the check below: sent only if this same text then passes it (sameLanding compares it).
          const sealed: unknown = JSON.parse(landing.result);
          early.receipt = receipts.sign(sealed as LedgerRecord, landing);
          // Awaited below if the write lands; if it does not, the receipt is dropped unsent.
          early.receipt.catch(() => undefined);
        },
      }));
    noteTxId(res, committed.txId);
    // The writer's own record, in full: checked before it is signed for and passed on.
    const record = checkedAnswer<LedgerRecord>(route.fn, LedgerRecordSchema, committed.result);
    if (record.step === 'ProjectRegistered' && record.projectId !== null) {
      closer?.schedule({
        projectId: record.projectId,
        bidDeadline: (record as LedgerRecord<'ProjectRegistered'>).payload.bidDeadline,
        owner: record.actor,
      });
    }
    const receipt = await (early.receipt && sameLanding(early.landing, committed) ? early.receipt : receipts.sign(record, committed));
    return {
      status: 201,
      body: `{"record":${committed.result},"receipt":"${receipt}"}`,
      ...(attempt ? { keep: { txId: committed.txId, receipt: keepReceipt(receipt) } satisfies Static<typeof KeptStep> } : {}),
    };
  }

  /**
   * A keyed step's first answer again, from what the store kept: the record read from the ledger,
   * and the same receipt, byte for byte (signed anew only if its claims cannot be rebuilt, as when
   * the gateway's issuer name has changed since).
   */
  async function rebuiltAnswer(route: StepRoute, caller: Caller, kept: unknown, res: Response): Promise<string> {
    const { txId, receipt } = checkedEntry(KeptStep, kept);
    noteTxId(res, txId);
    const committed = await onLedger(caller, txId);
    // Acknowledged once, so on the ledger, unless an operator accepted its block as lost (ledger:repair).
    if (!committed) throw new Error(`transaction ${txId}, answered earlier under this key, is not on the ledger`);
    const record = checkedAnswer<LedgerRecord>(route.fn, LedgerRecordSchema, committed.result);
    const signed = receipts.restore(receipt, record, committed) ?? (await receipts.sign(record, committed));
    return `{"record":${committed.result},"receipt":"${signed}"}`;
  }

  for (const route of STEP_ROUTES) {
    router.post(route.path, signedIn(), requireJson, jsonBody, async (req, res) => {
      const caller = req.caller as Caller;
      // Bidders have no ledger identity to write with: their platform records their steps.
      if (caller.role === 'bidder') throw new Problem('FORBIDDEN', 'bidders read their records; their platform records their steps');
      const params = validateParams(req);
      const body: unknown = req.body ?? {};
      validate(route.schema, body, '');
      const key = req.get('idempotency-key');
      if (key === undefined) {
        try {
          const answer = await recordStep(route, caller, params, body, res);
          const text = tlog && prefersProof(req) ? await withProof(tlog, res, answer.body) : answer.body;
          res.status(answer.status).type('application/json').send(text);
        } catch (error) {
          if (!(error instanceof OutcomeUnknownError)) throw error;
          sendPending(res, error.intent.txId);
        }
        return;
      }
      validate(IdempotencyKey, key, '/headers/idempotency-key');
      const fingerprint = createHash('sha256')
        .update(`${req.method} ${req.path}\n${canonicalJson(body)}`)
        .digest('hex');
      const answer = await idempotency.once(
        `${caller.issuer}\u0000${caller.sub}`,
        key,
        fingerprint,
        async (attempt) => {
          try {
            return await recordStep(route, caller, params, body, res, attempt);
          } catch (error) {
            if (error instanceof OutcomeUnknownError) return { unknown: error.intent };
            const problem = toProblem(error);
            if (problem.status >= 500) throw error;
            return { status: problem.status, body: { problem: { code: problem.code, detail: problem.detail } } };
          }
        },
        writeWaitMs,
      );
      if (answer.reused) throw new Problem('IDEMPOTENCY_KEY_REUSED', 'this key was used for a different request');
      if (answer.kind === 'pending') {
        sendPending(res, answer.txId);
        return;
      }
      if (answer.replayed) res.setHeader('idempotent-replayed', 'true');
      const storedProblem = (answer.body as { problem?: { code: Problem['code']; detail: string } } | undefined)?.problem;
      if (storedProblem) {
        sendProblem(res, new Problem(storedProblem.code, storedProblem.detail), req.originalUrl);
        return;
      }
      const answered = answer.kept === undefined ? (answer.body as string) : await rebuiltAnswer(route, caller, answer.kept, res);
      const text = tlog && answer.status === 201 && prefersProof(req) ? await withProof(tlog, res, answered) : answered;
      res.status(answer.status).type('application/json').send(text);
    });
  }
  return router;
}
