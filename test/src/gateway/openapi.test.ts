import { expect } from 'chai';
import type { TSchema } from '@sinclair/typebox';
import { commitBid } from '@tender-ledger/client-sdk';
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
  schemaErrors,
} from '@tender-ledger/domain';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { doc } from '../helpers/tender.js';

/** The domain schema behind each component the document publishes. */
const COMPONENTS: Record<string, TSchema> = {
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
};

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  responses: Record<
    string,
    { content?: Record<string, { schema: { $ref?: string; allOf?: [{ $ref: string }, { properties: { code: { enum: string[] } } }] } }> }
  >;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

describe('GET /openapi.json', function () {
  let t: TestGateway;
  let document: Document;
  const seen = new Set<string>();

  before(async () => {
    t = await startTestGateway();
    document = (await (await fetch(`${t.url}/openapi.json`)).json()) as Document;
  });
  after(() => t.close());

  /** The operation a concrete path answers to. */
  function operation(method: string, path: string): Operation {
    for (const [template, operations] of Object.entries(document.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
      const op = operations[method.toLowerCase()];
      if (pattern.test(path) && op) return op;
    }
    throw new Error(`${method} ${path} is not documented`);
  }

  /** Calls the gateway and checks the answer against the document: a documented status, and a body of the documented schema. */
  async function call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const op = operation(method, path.split('?')[0] as string);
    const documented = op.responses[String(response.status)];
    expect(documented, `${method} ${path} answered ${String(response.status)}, not documented for ${op.operationId}`).to.not.equal(
      undefined,
    );
    const [mediaType, media] = Object.entries(documented?.content ?? {})[0] ?? [];
    expect(response.headers.get('content-type')).to.equal(`${mediaType ?? ''}; charset=utf-8`);
    const body = (await response.json()) as { code?: string };
    const ref = media?.schema.$ref ?? media?.schema.allOf?.[0].$ref ?? '';
    const component = COMPONENTS[ref.replace('#/components/schemas/', '')] as TSchema;
    expect(
      schemaErrors(component, body),
      `${method} ${path} → ${String(response.status)} ${JSON.stringify(body).slice(0, 300)}`,
    ).to.deep.equal([]);
    const codes = media?.schema.allOf?.[1].properties.code.enum;
    if (codes) expect(codes, `${method} ${path}`).to.include(body.code);
    seen.add(`${op.operationId} ${String(response.status)}`);
    return { status: response.status, body };
  }

  it('publishes each response schema as the domain defines it, and every status an operation answers', () => {
    expect(document.openapi).to.equal('3.1.0');
    for (const [name, schema] of Object.entries(COMPONENTS)) {
      expect(document.components.schemas[name], name).to.deep.equal(JSON.parse(JSON.stringify(schema)));
    }
    const register = document.paths['/v1/projects']?.post as Operation;
    expect(Object.keys(register.responses)).to.have.members([
      '201',
      '202',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '422',
      '429',
      '503',
    ]);
    expect(register.responses['422']?.content?.['application/problem+json']?.schema.allOf?.[1].properties.code.enum).to.deep.equal([
      'IDEMPOTENCY_KEY_REUSED',
    ]);
    expect(register.parameters?.find((p) => p.name === 'Idempotency-Key')?.schema).to.include({
      minLength: 1,
      maxLength: 200,
      pattern: '^[\\x21-\\x7E]+$',
    });
    const problemCodes = (
      document.components.schemas.Problem as { properties: { code: { anyOf: { const: string }[] } } }
    ).properties.code.anyOf.map((c) => c.const);
    expect(problemCodes).to.have.members(Object.keys(ERROR_CODES));
  });

  it('describes what the gateway answers through a whole tender, its reads and its refusals', async () => {
    const platform = await t.token('platform', 'gz-etrading');
    const other = await t.token('platform', 'zunyi-etrading');
    const regulator = await t.token('regulator', 'supervision-bureau');
    const bidder = await t.token('bidder', 'B1');
    const projectId = 'OPENAPI-1';
    const deadline = t.time.iso(t.time.deadlineLead());
    const opening = new Date(Date.parse(deadline) + t.time.openingGap).toISOString();
    const project = {
      projectId,
      name: '市政道路改造工程 🚧',
      category: 'construction',
      tenderer: '某市住建局',
      estimatedPrice: 100_000_000,
      depositAmount: 2_000_000,
      bidDeadline: deadline,
      openingTime: opening,
      tenderDocSha256: doc('openapi tender'),
    };
    const write = async (path: string, body: unknown, token = platform, headers: Record<string, string> = {}) => {
      const answer = await call('POST', path, { token, body, headers });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
      return answer.body as unknown as { record: { recordId: string } };
    };

    const registered = await write('/v1/projects', project);
    const reveals = [];
    for (const [bidderId, price] of [
      ['B1', 90_000_000],
      ['B2', 92_000_000],
      ['B3', 94_000_000],
      ['B4', 95_000_000],
    ] as const) {
      const deposit =
        bidderId === 'B2'
          ? { form: 'guarantee', amount: 2_000_000, issuer: '某银行', reference: 'BG-1', docSha256: doc('letter') }
          : { form: 'cash', amount: 2_000_000 };
      await write(`/v1/projects/${projectId}/bidders`, { bidderId, deposit });
      const sealed = commitBid({ projectId, bidderId, bidFileSha256: doc(`bid ${bidderId}`), price });
      await write(`/v1/projects/${projectId}/bids`, { bidderId, commitment: sealed.commitment });
      if (bidderId !== 'B4') reveals.push(sealed.reveal);
    }
    await write(`/v1/projects/${projectId}/committee`, {
      members: ['E1', 'E2', 'E3', 'E4', 'E9'],
      appointmentDocSha256: doc('expert draw'),
    });
    await write(`/v1/projects/${projectId}/committee/replacements`, {
      memberId: 'E9',
      replacementId: 'E5',
      reason: '回避 (conflict of interest)',
      reasonDocSha256: doc('recusal'),
    });
    // Before opening the public sees the project without counts, and redacted records.
    await call('GET', `/v1/projects/${projectId}`, { token: bidder });
    await call('GET', `/v1/projects/${projectId}/trail`, { token: other });
    await call('GET', `/v1/verify/${doc('letter')}`);
    await write(`/v1/projects/${projectId}/bids/B4/withdrawal`, {});
    await write(`/v1/projects/${projectId}/deposits/B4/release`, { amount: 2_000_000 });
    await t.time.reach(Date.parse(opening));
    await write(`/v1/projects/${projectId}/opening`, {
      reveals: reveals.map(({ bidderId, bidFileSha256, price, salt }) => ({ bidderId, bidFileSha256, price, salt })),
    });
    for (const evaluatorId of ['E1', 'E2', 'E3', 'E4', 'E5']) {
      await write(`/v1/projects/${projectId}/scores`, {
        evaluatorId,
        reportSha256: doc(`report ${evaluatorId}`),
        scores: [
          { bidderId: 'B1', score: 8000 },
          { bidderId: 'B2', score: 9150 },
          { bidderId: 'B3', score: 7000 },
        ],
      });
    }
    // Opened, not yet awarded: committee members still hidden from the public.
    await call('GET', `/v1/projects/${projectId}/trail`, { token: other });
    await write(`/v1/projects/${projectId}/award`, {
      bidderId: 'B1',
      noticeSha256: doc('notice'),
      reason: '第一名放弃',
      reasonDocSha256: doc('reason'),
    });
    await write(`/v1/projects/${projectId}/contract`, { contractSha256: doc('contract') });
    const released = await write(`/v1/projects/${projectId}/deposits/B1/release`, { amount: 2_000_000, interest: 12 });
    const standalone = await write('/v1/evidence', { sha256: doc('archive'), kind: 'archive', metadata: { 标题: '档案 😀' } }, other, {
      'idempotency-key': 'archive-1',
    });

    // Every read, as each role sees it.
    await call('GET', `/v1/projects/${projectId}`, { token: platform });
    await call('GET', `/v1/projects/${projectId}`, { token: bidder });
    await call('GET', `/v1/projects/${projectId}/trail`, { token: regulator });
    await call('GET', `/v1/projects/${projectId}/bidders/B1/records`, { token: bidder });
    await call('GET', `/v1/records/${registered.record.recordId}`);
    await call('GET', `/v1/records/${standalone.record.recordId}`, { token: platform });
    await call('GET', '/v1/projects?category=construction', { token: regulator });
    await call('GET', '/v1/bidders/B1/bids', { token: bidder });
    await call('GET', '/v1/reports/overdue-deposits', { token: regulator });
    await call('GET', '/v1/reports/projects-by-category', { token: regulator });
    await call('GET', `/v1/verify/${doc('letter')}`);
    await call('GET', '/.well-known/jwks.json');
    await call('GET', '/healthz');
    const receipt = (released as unknown as { receipt: string }).receipt;
    await call('POST', '/v1/receipts/verify', { body: { receipt } });
    await call('POST', '/v1/receipts/verify', { body: { receipt: `${receipt.slice(0, -2)}AA` } });

    // Refusals: each a problem with a documented status and code.
    const refusals: [string, string, { token?: string; body?: unknown; headers?: Record<string, string> }, number][] = [
      ['POST', '/v1/projects', { token: platform, body: { ...project, name: 'x\ud800' } }, 400],
      ['POST', '/v1/projects', { token: platform, body: '{"projectId":' }, 400],
      [
        'POST',
        '/v1/evidence',
        { token: platform, body: { sha256: doc('k'), kind: 'k' }, headers: { 'idempotency-key': 'has space' } },
        400,
      ],
      ['GET', '/v1/records/%zz', {}, 400],
      ['POST', '/v1/projects', { body: project }, 401],
      ['POST', `/v1/projects/${projectId}/contract`, { token: other, body: { contractSha256: doc('c') } }, 403],
      ['GET', '/v1/reports/overdue-deposits', { token: platform }, 403],
      ['GET', '/v1/projects/NOPE', { token: platform }, 404],
      ['GET', '/v1/records/nope', {}, 404],
      ['PUT', '/v1/projects', { token: platform, body: project }, 405],
      ['POST', '/v1/projects', { token: platform, body: project }, 409],
      ['POST', '/v1/evidence', { token: platform, body: { sha256: doc('k'), kind: 'x'.repeat(2_000_000) } }, 413],
      ['POST', '/v1/evidence', { token: platform, body: 'x', headers: { 'content-type': 'text/plain' } }, 415],
      [
        'POST',
        '/v1/evidence',
        { token: other, body: { sha256: doc('other'), kind: 'archive' }, headers: { 'idempotency-key': 'archive-1' } },
        422,
      ],
    ];
    for (const [method, path, options, status] of refusals) {
      const operations = document.paths;
      const answer =
        method === 'PUT'
          ? await (async () => {
              const response = await fetch(`${t.url}${path}`, {
                method,
                headers: { authorization: `Bearer ${platform}`, 'content-type': 'application/json' },
                body: '{}',
              });
              expect(response.headers.get('allow')).to.equal('POST, GET, HEAD');
              expect(Object.keys(operations['/v1/projects'] ?? {})).to.have.members(['post', 'get']);
              return { status: response.status, body: (await response.json()) as { code: string } };
            })()
          : await call(method, path, options);
      expect([method, path, answer.status]).to.deep.equal([method, path, status]);
      expect(schemaErrors(ProblemSchema, answer.body)).to.deep.equal([]);
    }
    expect(seen.size).to.be.greaterThan(30);
  });

  it('answers OPTIONS on every documented path with all its methods (RFC 9110 §9.3.7), and 404 on an undocumented one; other methods pass by', async () => {
    const expressPath = (documented: string) => documented.replace(/\{([^}]+)\}/g, 'x-$1');
    for (const [documented, operations] of Object.entries(document.paths)) {
      const response = await fetch(`${t.url}${expressPath(documented)}`, { method: 'OPTIONS' });
      const methods = Object.keys(operations).map((m) => m.toUpperCase());
      const expected = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
      // The API's paths answer 204; the service's own (health, keys) 200 from their router, the same methods.
      const status = documented.startsWith('/v1/') ? 204 : response.status;
      expect([documented, response.status, response.headers.get('allow')]).to.deep.equal([documented, status, expected]);
    }
    expect((await fetch(`${t.url}/v1/nothing-here`, { method: 'OPTIONS' })).status).to.equal(404);
    expect((await fetch(`${t.url}/healthz`)).status).to.equal(200);
  });
});
