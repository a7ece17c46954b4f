import type { TSchema } from '@sinclair/typebox';
import {
  BidderBidsSchema,
  BidderRecordsSchema,
  BidInclusionSchema,
  ERROR_CODES,
  HashLookupSchema,
  HealthSchema,
  JwksSchema,
  OverdueDepositsSchema,
  ProblemSchema,
  ProjectListSchema,
  ProjectStatusSchema,
  ProjectsByCategorySchema,
  ReceiptCheckSchema,
  ReceiptClaims,
  RecordWithBlockSchema,
  TrailSchema,
  WritePendingSchema,
  WriteResultSchema,
  type ErrorCode,
} from '@tender-ledger/domain';
import { IdempotencyKey, PATH_PARAMS, STEP_ROUTES, VerifyReceiptRequest } from './routes.js';

/** JSON Schema without TypeBox's symbol keys. */
// A copy without TypeBox's symbol keys: only what JSON carries goes into the document.
const plain = (schema: TSchema): object => {
  const copy: unknown = JSON.parse(JSON.stringify(schema));
  return copy as object;
};

/** Response schemas, published under components/schemas and referenced by name. */
const SCHEMAS = {
  WriteResult: WriteResultSchema,
  WritePending: WritePendingSchema,
  ProjectStatus: ProjectStatusSchema,
  ProjectList: ProjectListSchema,
  Trail: TrailSchema,
  BidderRecords: BidderRecordsSchema,
  BidInclusion: BidInclusionSchema,
  BidderBids: BidderBidsSchema,
  RecordWithBlock: RecordWithBlockSchema,
  OverdueDeposits: OverdueDepositsSchema,
  ProjectsByCategory: ProjectsByCategorySchema,
  HashLookup: HashLookupSchema,
  ReceiptCheck: ReceiptCheckSchema,
  ReceiptClaims,
  Jwks: JwksSchema,
  Health: HealthSchema,
  Problem: ProblemSchema,
} satisfies Record<string, TSchema>;
type SchemaName = keyof typeof SCHEMAS;

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const ok = (description: string, schema: SchemaName, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref(schema) } },
});

/**
 * The codes each status can carry, so the document names them as the gateway answers them. The
 * transparency log's codes (`TLOG_*`) are the witness's and the SDK's offline checks, not answers
 * of this API.
 */
const codesFor = (status: number): ErrorCode[] =>
  (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].status === status && !code.startsWith('TLOG_'));

function problem(status: number, description: string, headers?: object) {
  const codes = codesFor(status);
  return {
    description: `${description} (${codes.join(', ')})`,
    ...(headers ? { headers } : {}),
    content: {
      'application/problem+json': {
        schema: { allOf: [ref('Problem'), { type: 'object', properties: { status: { const: status }, code: { enum: codes } } }] },
      },
    },
  };
}

const RETRY_AFTER = { 'Retry-After': { description: 'seconds to wait', schema: { type: 'string', pattern: '^[0-9]+$' } } };
const PROBLEMS = {
  400: problem(400, 'The request breaks its schema or is not well-formed; `errors` names each field'),
  401: problem(401, 'No valid bearer token', { 'WWW-Authenticate': { schema: { type: 'string' } } }),
  403: problem(403, 'Not allowed for this caller'),
  404: problem(404, 'No such project, record or route'),
  405: problem(405, 'This path does not answer this method', { Allow: { schema: { type: 'string' } } }),
  409: problem(409, 'A tender rule refused the step; `code` names the rule'),
  413: problem(413, 'The body is too large'),
  415: problem(415, 'The body is not JSON, or in an unsupported encoding or charset'),
  422: problem(422, 'The Idempotency-Key was used for a different request'),
  429: problem(429, 'Rate limited', RETRY_AFTER),
  503: problem(
    503,
    'The ledger is unavailable or the gateway is shutting down; retry later (a write with the same Idempotency-Key)',
    RETRY_AFTER,
  ),
} as const;
type Status = keyof typeof PROBLEMS;
const problems = (...statuses: Status[]) => Object.fromEntries(statuses.map((s) => [s, PROBLEMS[s]]));

function parameters(path: string) {
  return [...path.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: plain(PATH_PARAMS[name as string] as TSchema),
  }));
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/**
 * Where a recorded step leads (OpenAPI links): its record, and for a project or a bidder the
 * steps and reads that take its id. Clients and fuzzers follow them to walk a whole tender.
 */
function links(fn: string): Record<string, object> {
  const record = '$response.body#/record';
  const out: Record<string, object> = {
    getRecord: { operationId: 'getRecord', parameters: { recordId: `${record}/recordId` } },
  };
  const byProject = [
    'getProject',
    'getTrail',
    ...STEP_ROUTES.filter((r) => r.path.startsWith('/v1/projects/:projectId') && !r.path.includes(':bidderId')).map((r) => r.fn),
  ];
  const byBidder = ['getBidderRecords', ...STEP_ROUTES.filter((r) => r.path.includes(':bidderId')).map((r) => r.fn)];
  if (fn === 'registerProject') {
    for (const target of byProject) out[target] = { operationId: target, parameters: { projectId: `${record}/projectId` } };
  }
  if (fn === 'registerBidder' || fn === 'commitBid') {
    for (const target of byBidder)
      out[target] = { operationId: target, parameters: { projectId: `${record}/projectId`, bidderId: `${record}/payload/bidderId` } };
  }
  return out;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  /** By OpenAPI path (`/v1/projects/{projectId}`), then by lower-case method. */
  paths: Record<string, Record<string, object>>;
  components: object;
}

/** The Express form of an OpenAPI path (`{projectId}` → `:projectId`). */
export const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

type Paths = Record<string, Record<string, object>>;

/** The recorded steps (routers/steps.ts): one POST each, a record and a signed receipt. */
function stepPaths(paths: Paths): void {
  // A batch names each hash once: the contract refuses duplicates (with a Set; TypeBox's
  // uniqueItems would compare 10,000 hashes pairwise), and the document says so.
  const documented = (route: (typeof STEP_ROUTES)[number]) => {
    const schema = plain(route.schema) as { properties?: Record<string, Record<string, unknown>> };
    if (route.fn === 'notariseBatch' && schema.properties?.hashes)
      schema.properties.hashes = { ...schema.properties.hashes, uniqueItems: true };
    return schema;
  };
  for (const route of STEP_ROUTES) {
    paths[openApiPath(route.path)] = {
      post: {
        summary: route.summary,
        operationId: route.fn,
        security: [{ bearer: [] }],
        parameters: [...parameters(route.path), { name: 'Idempotency-Key', in: 'header', required: false, schema: plain(IdempotencyKey) }],
        requestBody: { required: true, content: { 'application/json': { schema: documented(route) } } },
        responses: {
          201: {
            ...ok('Recorded: the record and a signed receipt', 'WriteResult', {
              'Idempotent-Replayed': {
                description: '`true` when this is the stored answer to an earlier request with the same key',
                schema: { const: 'true' },
              },
            }),
            links: links(route.fn),
          },
          202: {
            description:
              'Under way, or sent to the ledger with its outcome not known yet (a commit status that did not come). ' +
              'Nothing new is sent for this request: send it again with the same Idempotency-Key for the answer (201 or a problem). ' +
              "`Location` names the record the transaction makes if it lands (a record's id is its transaction id).",
            headers: {
              Location: { description: '/v1/records/{txId}, once the transaction has been sent', schema: { type: 'string' } },
              ...RETRY_AFTER,
            },
            content: { 'application/json': { schema: ref('WritePending') } },
          },
          ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
        },
      },
    };
  }
}

/** Reads (routers/reads.ts, reports.ts, verification.ts): each as the caller may see it. */
function readPaths(paths: Paths): void {
  const read = (
    path: string,
    summary: string,
    operationId: string,
    schema: SchemaName,
    options: { public?: 'always' | 'optional'; statuses?: Status[]; query?: object[] } = {},
  ) => {
    paths[openApiPath(path)] = {
      ...paths[openApiPath(path)],
      get: {
        summary,
        operationId,
        parameters: [...parameters(path), ...(options.query ?? [])],
        security: options.public === 'always' ? [] : options.public === 'optional' ? [{}, { bearer: [] }] : [{ bearer: [] }],
        responses: { 200: ok(summary, schema), ...problems(...(options.statuses ?? [400, 401, 403, 404, 429, 503])) },
      },
    };
  };
  const filter = (name: string, description: string) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: { type: 'string', maxLength: 100 },
  });
  read('/v1/projects/:projectId', "A project's status", 'getProject', 'ProjectStatus');
  read('/v1/projects/:projectId/trail', "A project's trail in order, and whether its hash chain holds", 'getTrail', 'Trail');
  read('/v1/projects/:projectId/bidders/:bidderId/records', "A bidder's own records in a project", 'getBidderRecords', 'BidderRecords');
  read(
    '/v1/projects/:projectId/bids/:bidderId/inclusion',
    "After the opening: a bidder's completeness proof (its last commitment in the opening's commitments root)",
    'getBidInclusion',
    'BidInclusion',
    { public: 'optional', statuses: [400, 404, 409, 429, 503] },
  );
  read('/v1/records/:recordId', 'One record with its block (public view without a token)', 'getRecord', 'RecordWithBlock', {
    public: 'optional',
  });
  read('/v1/projects', 'Projects with status and category, newest first', 'listProjects', 'ProjectList', {
    statuses: [400, 401, 429, 503],
    query: [
      filter('q', 'part of the project number or name'),
      filter('category', 'only this category'),
      filter('status', 'only this status, or awaiting-opening (deadline passed, not opened)'),
      filter('year', 'only registered in this year'),
      filter('owner', 'only projects of this platform (its subject, client id or MSP id)'),
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'page size, 1-200 (default 50)',
        schema: { type: 'string', pattern: '^(?:[1-9][0-9]?|1[0-9][0-9]|200)$' },
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        description: 'the nextCursor of the previous page (opaque; one this gateway did not give is 400)',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
      },
    ],
  });
  read(
    '/v1/bidders/:bidderId/bids',
    "A bidder's bids across projects, with receipts (that bidder or a regulator)",
    'getBidderBids',
    'BidderBids',
    { statuses: [400, 401, 403, 429, 503] },
  );
  read(
    '/v1/reports/overdue-deposits',
    'Deposits not released within 5 days of the contract or a withdrawal (regulator)',
    'overdueDeposits',
    'OverdueDeposits',
    { statuses: [401, 403, 429, 503] },
  );
  read(
    '/v1/reports/projects-by-category',
    'Projects per category per year, with year-on-year change (regulator)',
    'projectsByCategory',
    'ProjectsByCategory',
    { statuses: [401, 403, 429, 503] },
  );
  read('/v1/verify/:sha256', 'Public: where and when a document hash was recorded', 'verifyHash', 'HashLookup', {
    public: 'always',
    statuses: [400, 429, 503],
  });
}

/** Evidence to take away (routers/evidence.ts, bidder.ts): certificates, evidence packages, a bidder's tenders. */
function evidencePaths(paths: Paths): void {
  const binary = (summary: string, operationId: string, path: string, type: string, security: object[], statuses: Status[]) => {
    paths[openApiPath(path)] = {
      get: {
        summary,
        operationId,
        parameters: parameters(path),
        security,
        responses: {
          200: { description: summary, content: { [type]: { schema: { type: 'string', contentMediaType: type } } } },
          ...problems(...statuses),
        },
      },
    };
  };
  paths['/v1/records/{recordId}/certificate'] = {
    get: {
      summary: 'The evidence certificate (存证证明) of a record as the caller may see it: facts in Chinese and English, notices, receipt',
      operationId: 'getCertificate',
      parameters: parameters('/v1/records/:recordId'),
      security: [{}, { bearer: [] }],
      responses: {
        200: {
          description: 'The certificate',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['certificateNo', 'issuer', 'issuedAt', 'recordId', 'recordHash', 'facts', 'notices', 'verifyUrl'],
              },
            },
          },
        },
        ...problems(400, 401, 404, 429, 503),
      },
    },
  };
  paths['/v1/directory'] = {
    get: {
      summary: "The trading centre, the parties' display names (PLATFORM_NAMES) and document kinds and steps in words",
      operationId: 'getDirectory',
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'The directory',
          content: { 'application/json': { schema: { type: 'object', required: ['tradingCentreName', 'names', 'kinds', 'steps'] } } },
        },
        ...problems(401, 429),
      },
    },
  };
  paths['/v1/bidders/{bidderId}/tenders'] = {
    get: {
      summary:
        "A bidder's tenders: registration and deposit, commitments (live or superseded), its opening outcome, the award, the contract, the release, a receipt per record (that bidder or a regulator)",
      operationId: 'getBidderTenders',
      parameters: parameters('/v1/bidders/:bidderId'),
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: "The bidder's tenders",
          content: { 'application/json': { schema: { type: 'object', required: ['bidderId', 'tenders'] } } },
        },
        ...problems(400, 401, 403, 429, 503),
      },
    },
  };
  binary(
    'The evidence certificate as PDF (Noto Sans SC embedded)',
    'getCertificatePdf',
    '/v1/records/:recordId/certificate.pdf',
    'application/pdf',
    [{}, { bearer: [] }],
    [400, 401, 404, 429, 503],
  );
  binary(
    'The evidence package (zip): records, receipts, certificates, JWKS, chain check, manifest, guide (owner, regulator; a bidder gets its own records)',
    'getEvidencePackage',
    '/v1/projects/:projectId/evidence-package',
    'application/zip',
    [{ bearer: [] }],
    [400, 401, 403, 404, 429, 503],
  );
}

/** Receipt checks, keys and health (routers/verification.ts, service.ts). */
function servicePaths(paths: Paths): void {
  paths['/v1/receipts/verify'] = {
    post: {
      summary: "Public: is a receipt's signature valid, and is its record on the ledger, unchanged",
      operationId: 'verifyReceipt',
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: plain(VerifyReceiptRequest) } } },
      responses: { 200: ok('The checks and their results', 'ReceiptCheck'), ...problems(400, 413, 415, 429, 503) },
    },
  };
  paths['/.well-known/jwks.json'] = {
    get: { summary: 'Receipt signing keys (JWKS)', operationId: 'jwks', security: [], responses: { 200: ok('JWKS', 'Jwks') } },
  };
  paths['/healthz'] = {
    get: {
      summary: 'Liveness and ledger height',
      operationId: 'health',
      security: [],
      responses: { 200: ok('Healthy', 'Health'), ...problems(503) },
    },
  };
}

/** The transparency log (routers/tlog.ts): C2SP formats, so plain text and bytes rather than JSON. */
function logPaths(paths: Paths): void {
  const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
  paths['/v1/records/{recordId}/proof'] = {
    get: {
      summary: "The record's tlog-proof bundle (c2sp.org/tlog-proof@v1) with a checkpoint its witnesses cosigned",
      operationId: 'getRecordProof',
      security: [{}, { bearer: [] }],
      parameters: parameters('/v1/records/:recordId'),
      responses: { 200: text('The bundle, as `<recordId>.tlog-proof`'), ...problems(400, 401, 403, 404, 429, 503) },
    },
  };
  paths['/checkpoint'] = {
    get: {
      summary: "The log's latest signed checkpoint (C2SP signed note) with its cosignatures",
      operationId: 'checkpoint',
      security: [],
      responses: { 200: text('The checkpoint'), ...problems(404, 503) },
    },
  };
  paths['/log/policy'] = {
    get: {
      summary: "The tlog-policy that verifies this log's bundles (log key, witnesses, quorum)",
      operationId: 'logPolicy',
      security: [],
      responses: { 200: text('The policy'), ...problems(404, 503) },
    },
  };
  paths['/log/consistency/{size1}/{size2}'] = {
    get: {
      summary: 'A consistency proof between two tree sizes (base64 hashes, one a line)',
      operationId: 'logConsistency',
      security: [],
      parameters: ['size1', 'size2'].map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' },
      })),
      responses: { 200: text('The proof'), ...problems(404, 503) },
    },
  };
  paths['/tile/{tile}'] = {
    get: {
      summary: 'c2sp.org/tlog-tiles: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`; full tiles are immutable',
      operationId: 'tile',
      security: [],
      parameters: [{ name: 'tile', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'The tile', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
        ...problems(404, 503),
      },
    },
  };
}

/** The OpenAPI 3.1 document, built from the same schemas the gateway validates input and answers with. */
export function openApiDocument(): OpenApiDocument {
  const paths: Paths = {};
  stepPaths(paths);
  readPaths(paths);
  evidencePaths(paths);
  servicePaths(paths);
  logPaths(paths);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tender evidence gateway',
      version: '0.1.0',
      description:
        'Records every step of a public tender on a ledger that enforces the tender rules, and returns signed receipts. ' +
        'Every error is application/problem+json with a stable `code`.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: Object.fromEntries(Object.entries(SCHEMAS).map(([name, schema]) => [name, plain(schema)])),
    },
  };
}
