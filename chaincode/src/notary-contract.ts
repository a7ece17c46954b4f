import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import {
  GENESIS_HASH,
  LedgerError,
  NotariseBatchRequest,
  NotariseDocumentRequest,
  parseArgument,
  sealRecordText,
} from '@tender-ledger/domain';
import { leafHash, rootOfLeaves, toHex } from '@tender-ledger/tlog';
import { ledgerTime, refuseClockSkew, refuseForeignCorrection, storeRecord, writerOf } from './evidence.js';
import { keys, putState } from './state.js';

/**
 * Standalone notarisation (存证): the hash of a document that belongs to no project, recorded
 * for any platform as a record of its own (a chain of one). A project's documents join that
 * project's chain through `TenderContract.notariseDocument` instead. Called as
 * `notary:notariseDocument`. Batches of document hashes too (`notary:notariseBatch`).
 */
@Info({ title: 'NotaryContract', description: 'Standalone document notarisation' })
export class NotaryContract extends Contract {
  constructor() {
    super('notary');
  }

  /** The same trusted-time guard as the tender steps (DOMAIN rule 12). */
  override async beforeTransaction(ctx: Context): Promise<void> {
    refuseClockSkew(ctx);
  }

  @Transaction()
  @Param('request', 'string', 'NotariseDocumentRequest as JSON, without a projectId')
  @Returns('string')
  async notariseDocument(ctx: Context, request: string): Promise<string> {
    const actor = writerOf(ctx);
    const req = parseArgument(NotariseDocumentRequest, request, 'request');
    const { projectId, ...document } = req;
    if (projectId !== undefined) {
      throw new LedgerError(
        'INVALID_ARGUMENT',
        `request: /projectId a project's documents are recorded in its chain (tender:notariseDocument), not here`,
      );
    }
    if (document.corrects !== undefined) await refuseForeignCorrection(ctx, document.corrects, null, actor);
    const sealed = sealRecordText({
      recordId: ctx.stub.getTxID(),
      projectId: null,
      step: 'DocumentNotarised',
      seq: 1,
      prevHash: GENESIS_HASH,
      payload: document,
      actor,
      txId: ctx.stub.getTxID(),
      txTime: ledgerTime(ctx),
    });
    return storeRecord(ctx, keys.standaloneRecord(ctx, sealed.record.recordId), sealed);
  }

  /**
   * Up to MAX_BATCH document hashes in one transaction. The record holds their Merkle root; each
   * hash is indexed (so findByHash finds it, with its inclusion proof) and the hashes are kept in
   * order under the batch, from which any hash's proof is rebuilt. Called as `notary:notariseBatch`.
   */
  @Transaction()
  @Param('request', 'string', 'NotariseBatchRequest as JSON')
  @Returns('string')
  async notariseBatch(ctx: Context, request: string): Promise<string> {
    const actor = writerOf(ctx);
    const req = parseArgument(NotariseBatchRequest, request, 'request');
    if (new Set(req.hashes).size !== req.hashes.length) {
      throw new LedgerError('INVALID_ARGUMENT', 'request: /hashes names a hash twice');
    }
    const root = toHex(rootOfLeaves(req.hashes.map((h) => leafHash(Buffer.from(h, 'hex')))));
    const sealed = sealRecordText({
      recordId: ctx.stub.getTxID(),
      projectId: null,
      step: 'BatchNotarised',
      seq: 1,
      prevHash: GENESIS_HASH,
      payload: { kind: req.kind, merkleRoot: root, count: req.hashes.length },
      actor,
      txId: ctx.stub.getTxID(),
      txTime: ledgerTime(ctx),
    });
    const { record } = sealed;
    const stateKey = keys.standaloneRecord(ctx, record.recordId);
    const json = await storeRecord(ctx, stateKey, sealed);
    await putState(ctx, keys.batchLeaves(ctx, record.recordId), Buffer.from(req.hashes.join('')));
    const buckets = new Map<string, string[]>();
    for (const sha256 of req.hashes) {
      const prefix = sha256.slice(0, 2);
      const bucket = buckets.get(prefix) ?? [];
      bucket.push(sha256);
      buckets.set(prefix, bucket);
    }
    // Key order, so every peer writes the same set in the same order.
    for (const prefix of [...buckets.keys()].sort()) {
      await putState(ctx, keys.batchIndex(ctx, prefix, record.recordId), Buffer.from((buckets.get(prefix) ?? []).join('')));
    }
    return json;
  }
}
