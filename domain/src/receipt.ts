import { Type, type Static } from '@sinclair/typebox';
import { documentHashes, STEPS, type LedgerRecord } from './records.js';
import { Identifier, Instant, Sha256Hex } from './schemas.js';

/** The JWS `typ` of an evidence receipt, so a receipt is never mistaken for a login token. */
export const RECEIPT_TYPE = 'evidence-receipt+jws';

/**
 * What a receipt (回执) asserts: this record, with this hash, is in this transaction of this
 * block, at this ledger time. Signed by the gateway as a compact JWS (ES256).
 */
export const ReceiptClaims = Type.Object(
  {
    v: Type.Literal(1),
    iss: Type.String({ minLength: 1 }),
    iat: Type.Integer({ minimum: 0 }),
    recordId: Type.String({ minLength: 1, maxLength: 128 }),
    recordHash: Sha256Hex,
    projectId: Type.Union([Identifier, Type.Null()]),
    step: Type.Union(STEPS.map((step) => Type.Literal(step))),
    /** The document or commitment hash the record is about, if it names one. */
    subjectSha256: Type.Optional(Sha256Hex),
    txId: Type.String({ minLength: 1, maxLength: 128 }),
    blockNumber: Type.Integer({ minimum: 0 }),
    blockHash: Type.String({ minLength: 1, maxLength: 128 }),
    ledgerTime: Instant,
    /** The record's leaf in the transparency log (its hash is the leaf data): where its proof starts. */
    leafIndex: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ReceiptClaims = Static<typeof ReceiptClaims>;

/** Where a transaction landed. */
export interface CommitInfo {
  txId: string;
  blockNumber: number;
  blockHash: string;
  /** The record's leaf index in the transparency log, when the ledger keeps one. */
  leafIndex?: number;
}

export function receiptClaims(record: LedgerRecord, commit: CommitInfo, issuer: string, issuedAt: number): ReceiptClaims {
  const subject = documentHashes(record)[0];
  return {
    v: 1,
    iss: issuer,
    iat: issuedAt,
    recordId: record.recordId,
    recordHash: record.hash,
    projectId: record.projectId,
    step: record.step,
    ...(subject ? { subjectSha256: subject } : {}),
    txId: commit.txId,
    blockNumber: commit.blockNumber,
    blockHash: commit.blockHash,
    ledgerTime: record.txTime,
    ...(commit.leafIndex === undefined ? {} : { leafIndex: commit.leafIndex }),
  };
}
