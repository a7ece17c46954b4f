import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import {
  GENESIS_HASH,
  LedgerError,
  MAX_BATCH,
  NotariseBatchRequest,
  NotariseDocumentRequest,
  PackedBatchRequest,
  assertSchema,
  jsonValue,
  parseArgument,
  sealRecordText,
} from '@tender-ledger/domain';
import { leafHash, rootOfLeaves, toHex } from '@tender-ledger/tlog';
import { ledgerTime, refuseClockSkew, refuseForeignCorrection, storeRecord, writerOf } from './evidence.js';
import { encodeBuckets, encodeLeaves } from './batch-store.js';
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
  @Param('request', 'string', 'PackedBatchRequest (or NotariseBatchRequest) as JSON')
  @Returns('string')
  async notariseBatch(ctx: Context, request: string): Promise<string> {
    const actor = writerOf(ctx);
    const { hashes, kind } = batchArgument(request);
    const root = toHex(rootOfLeaves(hashes.map((hash) => leafHash(hash))));
    const sealed = sealRecordText({
      recordId: ctx.stub.getTxID(),
      projectId: null,
      step: 'BatchNotarised',
      seq: 1,
      prevHash: GENESIS_HASH,
      payload: { kind, merkleRoot: root, count: hashes.length },
      actor,
      txId: ctx.stub.getTxID(),
      txTime: ledgerTime(ctx),
    });
    const { record } = sealed;
    const stateKey = keys.standaloneRecord(ctx, record.recordId);
    const json = await storeRecord(ctx, stateKey, sealed);
    await putState(ctx, keys.batchLeaves(ctx, record.recordId), Buffer.from(encodeLeaves(hashes)));
    for (const [bucket, fingerprints] of encodeBuckets(hashes)) {
      await putState(ctx, keys.batchBucket(ctx, bucket, record.recordId), Buffer.from(fingerprints));
    }
    return json;
  }
}

/**
 * A batch's hashes, each 32 bytes, from either argument form: packed (what the gateway sends)
 * or hex JSON (NotariseBatchRequest). One batch has one encoding: packed base64 must be
 * canonical, so two peers, or two callers, never disagree on which bytes were named.
 */
function batchArgument(request: string): { hashes: Buffer[]; kind: string } {
  const value = jsonValue(request);
  let bytes: Buffer;
  let kind: string;
  if (typeof value === 'object' && value !== null && 'packed' in value) {
    assertSchema(PackedBatchRequest, value, 'request');
    bytes = Buffer.from(value.packed, 'base64');
    if (bytes.length % 32 !== 0 || bytes.length / 32 > MAX_BATCH || bytes.toString('base64') !== value.packed)
      throw new LedgerError('INVALID_ARGUMENT', `request: /packed must be 1 to ${MAX_BATCH} hashes of 32 bytes in canonical base64`);
    kind = value.kind;
  } else {
    assertSchema(NotariseBatchRequest, value, 'request');
    bytes = Buffer.from(value.hashes.join(''), 'hex');
    kind = value.kind;
  }
  const hashes: Buffer[] = [];
  const seen = new Set<string>();
  for (let at = 0; at < bytes.length; at += 32) {
    const hash = bytes.subarray(at, at + 32);
    const text = hash.toString('latin1');
    if (seen.has(text)) throw new LedgerError('INVALID_ARGUMENT', 'request: /hashes names a hash twice');
    seen.add(text);
    hashes.push(hash);
  }
  return { hashes, kind };
}
