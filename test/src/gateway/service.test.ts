import { expect } from 'chai';
import { RUN, onEachBackend } from '../helpers/http-suite.js';
import { doc } from '../helpers/tender.js';

onEachBackend((s) => {
  describe('GET /healthz', () => {
    it('reports the ledger backend and a height that grows with each block', async () => {
      const before = await s.anonymous.health();
      await s.platform.notarise({ sha256: doc(`health ${RUN}`), kind: 'x' });
      const after = await s.anonymous.health();
      expect(after).to.include({ status: 'ok' });
      expect(after.ledger.backend).to.equal(s.backend);
      expect(after.ledger.height).to.be.greaterThan(before.ledger.height ?? 0);
    });
  });

  describe('GET /openapi.json', () => {
    it('publishes its schemas as OpenAPI 3.1', async () => {
      const doc31 = (await (await fetch(`${s.t.url}/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, { post?: { requestBody: { content: { 'application/json': { schema: { required: string[] } } } } } }>;
      };
      expect(doc31.openapi).to.equal('3.1.0');
      expect(doc31.paths['/v1/projects']?.post?.requestBody.content['application/json'].schema.required).to.include('bidDeadline');
      expect(Object.keys(doc31.paths)).to.include.members([
        '/v1/projects/{projectId}/bids',
        '/v1/projects/{projectId}/committee',
        '/v1/projects/{projectId}/committee/replacements',
        '/v1/verify/{sha256}',
        '/v1/receipts/verify',
      ]);
    });
  });

  describe('an unknown route', () => {
    it('answers 404 NOT_FOUND', async () => {
      const unknown = await fetch(`${s.t.url}/v1/nothing`);
      expect([unknown.status, ((await unknown.json()) as { code: string }).code]).to.deep.equal([404, 'NOT_FOUND']);
    });
  });

  describe('a path that is not valid percent-encoded UTF-8', () => {
    it('answers 400 INVALID_ARGUMENT, never 500', async () => {
      const auth = { authorization: `Bearer ${await s.t.token('platform', 'gz-etrading')}` };
      const requests: [string, string][] = [
        ['GET', '/v1/records/%zz'],
        ['GET', '/certificate/%zz'],
        ['GET', '/v1/projects/%E0%A4%A'],
        ['GET', '/v1/projects/%C0%AF'],
        ['POST', '/v1/projects/%zz/bids'],
      ];
      for (const [method, url] of requests) {
        const response = await fetch(`${s.t.url}${url}`, {
          method,
          headers: { ...auth, 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{}' } : {}),
        });
        const problem = (await response.json()) as { code: string; errors?: { field: string }[] };
        expect([method, url, response.status, response.headers.get('content-type'), problem.code]).to.deep.equal([
          method,
          url,
          400,
          'application/problem+json; charset=utf-8',
          'INVALID_ARGUMENT',
        ]);
      }
    });
  });
});
