import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { ERROR_CODES } from './errors.js';
import { ReceiptClaims } from './receipt.js';
import { BIDDER_CHAIN_STEPS, SEALED_STEPS, STEPS, type Step } from './records.js';
import {
  AppointCommitteeRequest,
  AwardRequest,
  Deposit,
  Fen,
  Identifier,
  Instant,
  NotariseDocumentRequest,
  RecordScoresRequest,
  RegisterProjectRequest,
  RecordId,
  ReplaceCommitteeMemberRequest,
  Salt,
  Sha256Hex,
} from './schemas.js';

/*
 * What the gateway answers, as schemas: the gateway publishes them in its OpenAPI document, the
 * tests check real answers against them, and the SDK's result types are their static types.
 * Objects are closed (`additionalProperties: false`): a record's hash covers exactly its fields,
 * so a field the document does not name is a change clients must hear about.
 */

const closed = <T extends TProperties>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

const Count = Type.Integer({ minimum: 0 });

export const ActorSchema = closed(
  { mspId: Type.String({ minLength: 1 }), clientId: Type.String({ minLength: 1 }) },
  'who wrote a record: MSP id and client id',
);

export const OpenedBidSchema = closed({
  bidderId: Identifier,
  commitment: Sha256Hex,
  outcome: Type.Union([Type.Literal('VALID'), Type.Literal('REVEAL_MISMATCH'), Type.Literal('NOT_REVEALED')]),
  bidFileSha256: Type.Optional(Sha256Hex),
  price: Type.Optional(Fen),
  salt: Type.Optional(Salt),
});
export const RankedBidSchema = closed({
  rank: Type.Integer({ minimum: 1 }),
  bidderId: Identifier,
  price: Fen,
  totalScore: Type.Integer({ minimum: 0, description: "sum of every member's score, integer hundredths of a point" }),
  scoreCount: Count,
});

export const BidderHeadSchema = closed(
  { bidderId: Identifier, seq: Type.Integer({ minimum: 1 }), hash: Sha256Hex },
  "a bidder chain's last record as the opening found it",
);
/** What the opening fixes of the sealed bidding: every bidder chain's head and the root over the live commitments. */
const BiddingSealProps = {
  bidderHeads: Type.Array(BidderHeadSchema, { description: "every bidder chain's head, in bidder-id order" }),
  commitmentsRoot: Type.String({
    pattern: '^[0-9a-f]{64}$',
    description: 'RFC 9162 Merkle root over the live commitments (leaf: JCS {bidderId, recordHash}), in bidder-id order',
  }),
  commitmentCount: Count,
};

/** Each step's payload, as the contract writes it. */
export const PAYLOAD_SCHEMAS = {
  ProjectRegistered: RegisterProjectRequest,
  BidderRegistered: closed({ bidderId: Identifier, deposit: Deposit }),
  BidCommitted: closed({ bidderId: Identifier, commitment: Sha256Hex, supersedes: Type.Optional(RecordId) }),
  BidWithdrawn: closed({ bidderId: Identifier, commitmentRecordId: RecordId }),
  CommitteeAppointed: AppointCommitteeRequest,
  CommitteeMemberReplaced: ReplaceCommitteeMemberRequest,
  BiddingClosed: closed({ bidDeadline: Instant }),
  BidsOpened: closed({ bids: Type.Array(OpenedBidSchema), ...BiddingSealProps }),
  TenderFailed: closed({ reason: Type.Literal('TOO_FEW_BIDS'), liveBids: Count, minimumBids: Count, ...BiddingSealProps }),
  ScoresRecorded: RecordScoresRequest,
  BidAwarded: closed({
    bidderId: Identifier,
    price: Fen,
    noticeSha256: Sha256Hex,
    ranking: Type.Array(RankedBidSchema),
    committee: Type.Array(Identifier),
    firstRanked: Type.Boolean(),
    tiedFirst: Type.Optional(Type.Array(Identifier)),
    reason: AwardRequest.properties.reason,
    reasonDocSha256: Type.Optional(Sha256Hex),
  }),
  ContractSigned: closed({ bidderId: Identifier, contractSha256: Sha256Hex }),
  DepositReleased: closed({
    bidderId: Identifier,
    form: Type.Union([Type.Literal('cash'), Type.Literal('guarantee')]),
    paid: Fen,
    amount: Fen,
    interest: Type.Optional(Fen),
    basis: Type.Union([Type.Literal('award'), Type.Literal('withdrawal'), Type.Literal('failedTender')]),
  }),
  DocumentNotarised: Type.Omit(NotariseDocumentRequest, ['projectId'], { additionalProperties: false }),
  BatchNotarised: closed({ kind: NotariseDocumentRequest.properties.kind, merkleRoot: Sha256Hex, count: Type.Integer({ minimum: 1 }) }),
} satisfies Record<Step, TSchema>;

const common = {
  recordId: RecordId,
  projectId: Type.Union([Identifier, Type.Null()], { description: 'null for a standalone document' }),
  actor: ActorSchema,
  txId: RecordId,
  txTime: Instant,
  hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the RFC 8785 form of every other field' }),
};

/** One record per step, closed, with `extra` fields (e.g. where it landed). */
function recordVariants<E extends TProperties>(extra: E, description: string) {
  return Type.Union(
    STEPS.map((step) =>
      closed({
        ...common,
        step: Type.Literal(step),
        seq: Type.Integer({ minimum: 1 }),
        prevHash: Sha256Hex,
        payload: PAYLOAD_SCHEMAS[step],
        ...(BIDDER_CHAIN_STEPS.has(step) ? { bidderChain: Identifier } : {}),
        ...extra,
      }),
    ),
    { description },
  );
}

/** A committee step's payload without the members' ids (nor a replacement's reason, which would name them). */
const WITHOUT_MEMBERS: Partial<Record<Step, TSchema>> = {
  CommitteeAppointed: Type.Omit(AppointCommitteeRequest, ['members'], { additionalProperties: false }),
  CommitteeMemberReplaced: Type.Omit(ReplaceCommitteeMemberRequest, ['memberId', 'replacementId', 'reason'], {
    additionalProperties: false,
  }),
  ScoresRecorded: Type.Omit(RecordScoresRequest, ['evaluatorId'], { additionalProperties: false }),
};

/**
 * A record as the public sees it before the result is decided: while the tender is sealed no
 * chain position, and no payload for a step naming a bidder (BL art. 22); until the award no
 * committee member's id (IR art. 46).
 */
function redactedVariants<E extends TProperties>(extra: E) {
  return STEPS.map((step) =>
    closed({
      ...common,
      step: Type.Literal(step),
      redacted: Type.Literal(true),
      seq: Type.Optional(Type.Integer({ minimum: 1 })),
      prevHash: Type.Optional(Sha256Hex),
      payload: SEALED_STEPS.has(step) ? closed({}) : (WITHOUT_MEMBERS[step] ?? PAYLOAD_SCHEMAS[step]),
      ...extra,
    }),
  );
}

/** Where a hash sits in a batch's Merkle tree (RFC 9162 inclusion proof into the record's merkleRoot). */
export const BatchInclusionSchema = closed(
  { index: Count, size: Type.Integer({ minimum: 1 }), proof: Type.Array(Sha256Hex) },
  "the hash's inclusion proof into the batch record's merkleRoot",
);
const Landed = {
  blockNumber: Type.Optional(Count),
  blockHash: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  batchInclusion: Type.Optional(BatchInclusionSchema),
};

/** A whole record: the evidence. */
export const LedgerRecordSchema = recordVariants({}, 'A record: one step of a tender, hash-chained to the one before');
/** A record, or its redacted public view. */
export const RecordViewSchema = Type.Union([...LedgerRecordSchema.anyOf, ...redactedVariants({})], {
  description: "A record, or the public's redacted view of it while the tender is sealed",
});
/** A record (or its public view) with the block it landed in. */
export const RecordWithBlockSchema = Type.Union([...recordVariants(Landed, '').anyOf, ...redactedVariants(Landed)], {
  description: 'A record with its block',
});

export const WriteResultSchema = closed(
  {
    record: LedgerRecordSchema,
    receipt: Type.String({
      pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
      description: 'the receipt (回执): a compact JWS, ES256, over ReceiptClaims',
    }),
    proof: Type.Optional(
      Type.String({
        description: "with `Prefer: wait=proof`: the record's c2sp.org/tlog-proof@v1 bundle, once a witnessed checkpoint covers it",
      }),
    ),
  },
  'The recorded step and its signed receipt',
);

/** 202: the write is under way or its outcome is not known yet; nothing new is sent for it. */
export const WritePendingSchema = closed(
  {
    status: Type.Literal('pending'),
    txId: Type.Optional(Type.String({ minLength: 1, description: 'the transaction sent for this request, once sent' })),
    record: Type.Optional(Type.String({ description: 'where its record will be if it lands: /v1/records/{txId}' })),
    detail: Type.String(),
  },
  'The outcome of this write is not known yet: send the same request with the same Idempotency-Key again for the answer',
);

export const TrailSchema = closed(
  {
    projectId: Identifier,
    complete: Type.Boolean({ description: 'false when the caller may not see every record yet (a sealed tender)' }),
    records: Type.Array(RecordViewSchema),
    chainValid: Type.Boolean({ description: 'whether the whole hash chain holds (checked by the gateway over every record)' }),
  },
  "A project's records in order",
);

export const ProjectStatusSchema = closed(
  {
    ...RegisterProjectRequest.properties,
    owner: ActorSchema,
    status: Type.Union([
      Type.Literal('bidding'),
      Type.Literal('failed'),
      Type.Literal('opened'),
      Type.Literal('awarded'),
      Type.Literal('contracted'),
    ]),
    registeredAt: Instant,
    head: Type.Optional(
      closed(
        { seq: Count, hash: Sha256Hex, recordId: Type.String({ maxLength: 128 }) },
        'the tip of the chain (hidden from the public before opening)',
      ),
    ),
    bidders: Type.Optional(Count),
    liveBids: Type.Optional(Count),
    biddingClosedAt: Type.Optional(Instant),
    openedAt: Type.Optional(Instant),
    failedAt: Type.Optional(Instant),
    openingRecordId: Type.Optional(RecordId),
    award: Type.Optional(closed({ bidderId: Identifier, price: Fen, awardedAt: Instant, recordId: RecordId })),
    contract: Type.Optional(closed({ contractSha256: Sha256Hex, signedAt: Instant, recordId: RecordId })),
  },
  "A project's state; before opening the public sees no counts and no chain position",
);

export const ProjectListSchema = closed({
  projects: Type.Array(ProjectStatusSchema),
  nextCursor: Type.Optional(Type.String({ maxLength: 400, description: 'pass as `cursor` for the next page; absent on the last page' })),
  total: Type.Optional(Count),
  asOf: Type.Optional(Instant),
});

export const BidderRecordsSchema = closed({ projectId: Identifier, bidderId: Identifier, records: Type.Array(LedgerRecordSchema) });

export const BidderBidsSchema = closed({
  bidderId: Identifier,
  bids: Type.Array(
    closed({
      projectId: Identifier,
      name: ProjectStatusSchema.properties.name,
      status: ProjectStatusSchema.properties.status,
      bidDeadline: Instant,
      openingTime: Instant,
      records: Type.Array(LedgerRecordSchema),
      commitments: Type.Array(closed({ record: LedgerRecordSchema, receipt: WriteResultSchema.properties.receipt })),
    }),
  ),
});

export const OverdueDepositsSchema = closed({
  asOf: Instant,
  overdue: Type.Array(
    closed({
      projectId: Identifier,
      projectName: ProjectStatusSchema.properties.name,
      bidderId: Identifier,
      form: Type.Union([Type.Literal('cash'), Type.Literal('guarantee')]),
      amount: Fen,
      dueAfter: Type.Union([Type.Literal('contract'), Type.Literal('withdrawal'), Type.Literal('failedTender')]),
      dueBy: Instant,
      daysOverdue: Count,
    }),
  ),
});

const Change = Type.Union([Type.Integer(), Type.Null()], { description: 'against the year before; null in the first year' });
export const ProjectsByCategorySchema = closed({
  rows: Type.Array(closed({ year: Type.Integer(), category: ProjectStatusSchema.properties.category, projects: Count, change: Change })),
  totals: Type.Array(closed({ year: Type.Integer(), projects: Count, change: Change })),
});

/** A bidder's completeness proof: where its last commitment sits in the opening's commitments tree. */
export const BidInclusionSchema = closed(
  {
    projectId: Identifier,
    bidderId: Identifier,
    opening: LedgerRecordSchema,
    head: Type.Union([BidderHeadSchema, Type.Null()], {
      description: "the bidder chain's head the opening recorded; null if it recorded none",
    }),
    leaf: Type.Union([closed({ bidderId: Identifier, recordHash: Sha256Hex }), Type.Null()], {
      description: "the bidder's live commitment as a leaf; null without one (withdrawn, never bid)",
    }),
    index: Type.Optional(Count),
    size: Count,
    proof: Type.Array(Sha256Hex, { description: 'RFC 9162 inclusion proof, hex, leaf to root' }),
  },
  'A completeness proof: check it offline against the opening record (verifyBidInclusion)',
);

export const HashLookupSchema = closed(
  { sha256: Sha256Hex, records: Type.Array(RecordWithBlockSchema) },
  'Every record naming the hash, oldest first',
);

export const ReceiptCheckSchema = closed(
  {
    valid: Type.Boolean(),
    signatureValid: Type.Boolean(),
    onLedger: Type.Boolean(),
    recordUnchanged: Type.Boolean(),
    blockMatches: Type.Boolean(),
    claims: Type.Optional(ReceiptClaims),
    sealed: Type.Optional(Type.Literal(true)),
    reason: Type.Optional(
      Type.Union(['RECEIPT_MALFORMED', 'RECEIPT_UNKNOWN_KEY', 'RECEIPT_BAD_SIGNATURE', 'RECEIPT_BAD_CLAIMS'].map((c) => Type.Literal(c))),
    ),
    detail: Type.Optional(Type.String()),
  },
  'Each check and the verdict; `reason` says why the signature check failed',
);

export const JwksSchema = closed(
  {
    keys: Type.Array(
      closed({
        kty: Type.Literal('EC'),
        crv: Type.Literal('P-256'),
        x: Type.String(),
        y: Type.String(),
        kid: Type.String({ minLength: 1 }),
        alg: Type.Literal('ES256'),
        use: Type.Literal('sig'),
      }),
    ),
  },
  'The receipt signing keys, current and retired',
);

/** The format an evidence package's manifest names (`tender package verify` reads this one). */
export const EVIDENCE_PACKAGE_FORMAT = 'tender-evidence-package/1';

/**
 * An evidence package's `manifest.json`: who made it for whom, and the SHA-256 of every other
 * file. The gateway writes it; `verifyEvidencePackage` reads it from a file someone hands over,
 * so it is checked against this before anything in it is believed.
 */
export const EvidenceManifestSchema = closed(
  {
    format: Type.String({ description: `${EVIDENCE_PACKAGE_FORMAT} for this version` }),
    projectId: Identifier,
    projectName: Type.Optional(ProjectStatusSchema.properties.name),
    issuer: Type.String(),
    createdAt: Instant,
    requestedBy: closed({ role: Type.String(), sub: Type.String() }),
    scope: Type.Union([closed({ kind: Type.Literal('trail') }), closed({ kind: Type.Literal('bidder'), bidderId: Identifier })]),
    files: Type.Array(closed({ path: Type.String({ minLength: 1, maxLength: 400 }), sha256: Sha256Hex, bytes: Count })),
  },
  "An evidence package's manifest: its scope and the SHA-256 of every other file",
);
export type EvidenceManifest = Static<typeof EvidenceManifestSchema>;

export const HealthSchema = closed({
  status: Type.Literal('ok'),
  ledger: closed({ backend: Type.Union([Type.Literal('embedded'), Type.Literal('fabric')]), height: Type.Optional(Count) }),
});

/** A problem document (RFC 9457) with the stable code. */
export const ProblemSchema = closed({
  type: Type.String({ description: 'urn:tender-ledger:problem:<code>' }),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  code: Type.Union(Object.keys(ERROR_CODES).map((code) => Type.Literal(code))),
  detail: Type.String(),
  instance: Type.Optional(Type.String()),
  requestId: Type.Optional(
    Type.String({ description: 'the request id (X-Request-Id, echoed or made up) under which the gateway logged this answer' }),
  ),
  errors: Type.Optional(
    Type.Array(
      closed({ field: Type.String({ description: 'JSON pointer; /params/…, /headers/… or into the body' }), message: Type.String() }),
    ),
  ),
});

export type WriteResultBody = Static<typeof WriteResultSchema>;
export type WritePendingBody = Static<typeof WritePendingSchema>;
export type TrailBody = Static<typeof TrailSchema>;
export type HashLookupBody = Static<typeof HashLookupSchema>;
export type BidInclusionBody = Static<typeof BidInclusionSchema>;
export type ReceiptCheckBody = Static<typeof ReceiptCheckSchema>;
export type ProblemBody = Static<typeof ProblemSchema>;

/**
 * What each of the contract's queries answers, as the chaincode writes it (before the gateway
 * adds blocks or receipts). On Fabric the answer comes from a peer, possibly another
 * organisation's: the gateway checks it against this before passing anything on.
 */
export const LEDGER_ANSWERS = {
  getProjectStatus: ProjectStatusSchema,
  listProjects: Type.Array(ProjectStatusSchema),
  getTrail: TrailSchema,
  // The public's view of a bidder's records may be redacted while the tender is sealed.
  getBidderRecords: closed({ ...BidderRecordsSchema.properties, records: Type.Array(RecordViewSchema) }),
  // The receipts are the gateway's, not the ledger's.
  getBidderBids: closed({
    bidderId: Identifier,
    bids: Type.Array(Type.Omit(BidderBidsSchema.properties.bids.items, ['commitments'], { additionalProperties: false })),
  }),
  getBidInclusion: BidInclusionSchema,
  getRecord: RecordViewSchema,
  findByHash: HashLookupSchema,
} satisfies Record<string, TSchema>;
export type LedgerQuery = keyof typeof LEDGER_ANSWERS;
