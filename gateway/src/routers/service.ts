import express, { type Router } from 'express';
import { openApiDocument } from '../openapi.js';
import { ledgerUnavailable, sendProblem, toProblem } from '../problem.js';
import type { RouterDeps } from './http.js';

/** Health, the OpenAPI document and the receipt keys: public, outside the rate limit. */
export function serviceRouter({ backend, receipts }: Pick<RouterDeps, 'backend' | 'receipts'>): Router {
  const router = express.Router();
  router.get('/healthz', async (_req, res) => {
    try {
      res.json({ status: 'ok', ledger: { backend: backend.kind, ...(await backend.health()) } });
    } catch (error) {
      const problem = toProblem(error);
      sendProblem(res, problem.code === 'INTERNAL' ? ledgerUnavailable((error as Error).message) : problem);
    }
  });
  const openapi = openApiDocument();
  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.json(receipts.jwks());
  });
  return router;
}
