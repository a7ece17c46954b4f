import { Type, type TSchema } from '@sinclair/typebox';
import {
  AppointCommitteeRequest,
  AwardRequest,
  CommitBidRequest,
  Identifier,
  NotariseDocumentRequest,
  NotariseBatchRequest,
  OpenBidsRequest,
  type PackedBatchRequest,
  RecordScoresRequest,
  RecordId,
  RegisterBidderRequest,
  RegisterProjectRequest,
  ReleaseDepositRequest,
  ReplaceCommitteeMemberRequest,
  Sha256Hex,
  SignContractRequest,
  must,
} from '@tender-ledger/domain';

/** A body-less step (a withdrawal) still must not carry stray fields. */
export const EmptyRequest = Type.Object({}, { additionalProperties: false });

export const VerifyReceiptRequest = Type.Object(
  {
    // A compact JWS is base64url parts joined by dots: ASCII, so its length means the same everywhere.
    receipt: Type.String({ minLength: 1, maxLength: 8192, pattern: '^[A-Za-z0-9_.-]+$', description: 'a receipt: compact JWS' }),
  },
  { additionalProperties: false },
);

/**
 * The `Idempotency-Key` header: 1-200 visible ASCII characters (a UUID, or a platform's own
 * reference). No spaces or control characters, so a key reads the same through every proxy.
 */
export const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[\\x21-\\x7E]+$',
  description: '1-200 visible ASCII characters; a retry with the same key and body gets the first answer',
});

/** Path parameters and their schemas. */
export const PATH_PARAMS: Record<string, TSchema> = {
  projectId: Identifier,
  bidderId: Identifier,
  sha256: Sha256Hex,
  recordId: RecordId,
};

/** A recorded step: its route, body schema, contract function and how its arguments are built. */
export interface StepRoute {
  path: string;
  summary: string;
  schema: TSchema;
  /** The contract function (the OpenAPI operation id). */
  fn: string;
  /** The function to invoke, when it depends on the body (`contract:function` names another contract). */
  invoke?(body: unknown): string;
  args(params: Record<string, string>, body: unknown): string[];
}

const json = (body: unknown) => JSON.stringify(body);
/** A parameter the route's path names: Express sets each one the path matched. */
const param = (params: Record<string, string>, name: string): string => must(params[name], `the :${name} path parameter`);

/** A batch as the chaincode takes it: raw bytes in base64, a third fewer for every peer to carry than hex JSON. */
function packBatch(request: NotariseBatchRequest): PackedBatchRequest {
  return { packed: Buffer.from(request.hashes.join(''), 'hex').toString('base64'), kind: request.kind };
}

/** The public write contract other platforms code against. */
export const STEP_ROUTES: StepRoute[] = [
  {
    path: '/v1/projects',
    summary: 'Register a project (项目登记)',
    schema: RegisterProjectRequest,
    fn: 'registerProject',
    args: (_p, b) => [json(b)],
  },
  {
    path: '/v1/projects/:projectId/bidders',
    summary: 'Register a bidder and its deposit (投标报名)',
    schema: RegisterBidderRequest,
    fn: 'registerBidder',
    args: (p, b) => [param(p, 'projectId'), json(b)],
  },
  {
    path: '/v1/projects/:projectId/bids',
    summary: 'Record a sealed bid commitment (投标)',
    schema: CommitBidRequest,
    fn: 'commitBid',
    args: (p, b) => [param(p, 'projectId'), json(b)],
  },
  {
    path: '/v1/projects/:projectId/bids/:bidderId/withdrawal',
    summary: 'Withdraw a bid before the deadline (撤回)',
    schema: EmptyRequest,
    fn: 'withdrawBid',
    args: (p) => [param(p, 'projectId'), param(p, 'bidderId')],
  },
  {
    path: '/v1/projects/:projectId/committee',
    summary: 'Appoint the evaluation committee before the opening (专家抽取 / 组建评标委员会)',
    schema: AppointCommitteeRequest,
    fn: 'appointCommittee',
    args: (p, b) => [param(p, 'projectId'), json(b)],
  },
  {
    path: '/v1/projects/:projectId/committee/replacements',
    summary: 'Replace a committee member who has not scored, for a stated reason (更换评标专家)',
    schema: ReplaceCommitteeMemberRequest,
    fn: 'replaceCommitteeMember',
    args: (p, b) => [param(p, 'projectId'), json(b)],
  },
  {
    path: '/v1/projects/:projectId/opening',
    summary: 'Open the bids with their reveals (开标)',
    schema: OpenBidsRequest,
    fn: 'openBids',
    args: (p, b) => [param(p, 'projectId'), json(b)],
  },
  {
    path: '/v1/projects/:projectId/scores',
    summary: "Record one evaluator's scores (评标)",
    schema: RecordScoresRequest,
    fn: 'recordScores',
    args: (p, b) => [param(p, 'projectId'), json(b)],
  },
  {
    path: '/v1/projects/:projectId/award',
    summary: 'Award the tender (定标)',
    schema: AwardRequest,
    fn: 'awardBid',
    args: (p, b) => [param(p, 'projectId'), json(b)],
  },
  {
    path: '/v1/projects/:projectId/contract',
    summary: 'Record the signed contract (签订合同)',
    schema: SignContractRequest,
    fn: 'signContract',
    args: (p, b) => [param(p, 'projectId'), json(b)],
  },
  {
    path: '/v1/projects/:projectId/deposits/:bidderId/release',
    summary: "Release a bidder's deposit (退还保证金)",
    schema: ReleaseDepositRequest,
    fn: 'releaseDeposit',
    args: (p, b) => [param(p, 'projectId'), param(p, 'bidderId'), json(b)],
  },
  {
    path: '/v1/evidence',
    summary: 'Notarise a document by its hash (存证)',
    schema: NotariseDocumentRequest,
    fn: 'notariseDocument',
    // A project's document joins its chain; a standalone one goes to the notary contract.
    invoke: (b) => ((b as { projectId?: string }).projectId === undefined ? 'notary:notariseDocument' : 'notariseDocument'),
    args: (_p, b) => [json(b)],
  },
  {
    path: '/v1/evidence/batch',
    summary: 'Notarise up to 10,000 document hashes in one record holding their Merkle root (批量存证)',
    schema: NotariseBatchRequest,
    fn: 'notariseBatch',
    invoke: () => 'notary:notariseBatch',
    args: (_p, b) => [json(packBatch(b as NotariseBatchRequest))],
  },
];
