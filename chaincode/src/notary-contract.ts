import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { GENESIS_HASH, LedgerError, NotariseDocumentRequest, parseArgument, sealRecord } from '@tender-ledger/domain';
import { ledgerTime, refuseClockSkew, refuseForeignCorrection, storeRecord, writerOf } from './evidence.js';
import { keys } from './state.js';

/**
 * Standalone notarisation (存证): the hash of a document that belongs to no project, recorded
 * for any platform as a record of its own (a chain of one). A project's documents join that
 * project's chain through `TenderContract.notariseDocument` instead. Called as
 * `notary:notariseDocument`.
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
      throw new LedgerError('INVALID_ARGUMENT', `request: /projectId a project's documents are recorded in its chain (tender:notariseDocument), not here`);
    }
    if (document.corrects !== undefined) await refuseForeignCorrection(ctx, document.corrects, null, actor);
    const record = sealRecord({
      recordId: ctx.stub.getTxID(), projectId: null, step: 'DocumentNotarised', seq: 1, prevHash: GENESIS_HASH,
      payload: document, actor, txId: ctx.stub.getTxID(), txTime: ledgerTime(ctx),
    });
    return storeRecord(ctx, keys.standaloneRecord(ctx, record.recordId), record);
  }
}
