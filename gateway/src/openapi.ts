import type { TSchema } from '@sinclair/typebox';
import { ERROR_CODES, ReceiptClaims } from '@tender-ledger/domain';
import { PATH_PARAMS, STEP_ROUTES, VerifyReceiptRequest } from './routes.js';

/** JSON Schema without TypeBox's symbol keys. */
const plain = (schema: TSchema): object => JSON.parse(JSON.stringify(schema)) as object;

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const ok = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });

function parameters(path: string) {
  return [...path.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name, in: 'path', required: true, schema: plain(PATH_PARAMS[name as string] as TSchema),
  }));
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** The OpenAPI 3.1 document, built from the same schemas the gateway validates with. */
export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  const errorResponses = {
    400: problemResponse('The request breaks its schema (INVALID_ARGUMENT); `errors` names each field'),
    401: problemResponse('No valid bearer token (UNAUTHENTICATED)'),
    403: problemResponse('Not allowed for this caller'),
    404: problemResponse('No such project or record'),
    409: problemResponse('A tender rule refused the step; `code` names the rule'),
    413: problemResponse('Body too large'),
    429: problemResponse('Rate limited'),
    503: problemResponse('The ledger is unavailable'),
  };
  for (const route of STEP_ROUTES) {
    paths[openApiPath(route.path)] = {
      post: {
        summary: route.summary,
        operationId: route.fn,
        security: [{ bearer: [] }],
        parameters: [...parameters(route.path), { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }],
        requestBody: { required: true, content: { 'application/json': { schema: plain(route.schema) } } },
        responses: { 201: ok('Recorded: the record and a signed receipt', { $ref: '#/components/schemas/WriteResult' }), ...errorResponses },
      },
    };
  }
  const read = (path: string, summary: string, operationId: string, isPublic = false) => {
    paths[openApiPath(path)] = {
      ...paths[openApiPath(path)],
      get: {
        summary, operationId, parameters: parameters(path),
        ...(isPublic ? { security: [] } : { security: [{ bearer: [] }] }),
        responses: { 200: ok(summary), ...errorResponses },
      },
    };
  };
  read('/v1/projects/:projectId', 'A project\'s status', 'getProject');
  read('/v1/projects/:projectId/trail', 'A project\'s trail in order, and whether its hash chain holds', 'getTrail');
  read('/v1/projects/:projectId/bidders/:bidderId/records', 'A bidder\'s own records in a project', 'getBidderRecords');
  read('/v1/records/:recordId', 'One record with its block (public view without a token)', 'getRecord', true);
  read('/v1/projects', 'Projects with status and category (query: category, status, year)', 'listProjects');
  read('/v1/bidders/:bidderId/bids', 'A bidder\'s bids across projects, with receipts (that bidder or a regulator)', 'getBidderBids');
  read('/v1/reports/overdue-deposits', 'Deposits not released within 5 days of the contract or a withdrawal (regulator)', 'overdueDeposits');
  read('/v1/reports/projects-by-category', 'Projects per category per year, with year-on-year change (regulator)', 'projectsByCategory');
  read('/v1/verify/:sha256', 'Public: where and when a document hash was recorded', 'verifyHash', true);
  paths['/v1/receipts/verify'] = {
    post: {
      summary: 'Public: is a receipt\'s signature valid, and is its record on the ledger, unchanged', operationId: 'verifyReceipt', security: [],
      requestBody: { required: true, content: { 'application/json': { schema: plain(VerifyReceiptRequest) } } },
      responses: { 200: ok('The checks and their results'), 400: errorResponses[400] },
    },
  };
  paths['/.well-known/jwks.json'] = { get: { summary: 'Receipt signing keys (JWKS)', operationId: 'jwks', security: [], responses: { 200: ok('JWKS') } } };
  paths['/healthz'] = { get: { summary: 'Liveness and ledger height', operationId: 'health', security: [], responses: { 200: ok('Healthy'), 503: errorResponses[503] } } };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Tender evidence gateway',
      version: '0.1.0',
      description: 'Records every step of a public tender on a ledger that enforces the tender rules, and returns signed receipts.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' },
            code: { type: 'string', enum: Object.keys(ERROR_CODES) },
            errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
        WriteResult: { type: 'object', required: ['record', 'receipt'], properties: { record: { type: 'object' }, receipt: { type: 'string', description: 'compact JWS, ES256' } } },
        ReceiptClaims: plain(ReceiptClaims),
      },
    },
  };
}
