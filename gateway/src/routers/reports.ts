import express, { type Router } from 'express';
import { overdueDeposits, projectsByCategoryYear, type LedgerRecord, type ProjectState } from '@tender-ledger/domain';
import { evaluateJson, readerOf, type RouterDeps } from './http.js';

/** The regulator's reports: overdue deposits (IR art. 35, 57) and projects per category per year. */
export function reportsRouter({ backend, signedIn, now }: RouterDeps): Router {
  const router = express.Router();

  router.get('/v1/reports/overdue-deposits', signedIn(['regulator']), async (req, res) => {
    const asOf = now();
    const projects = await evaluateJson<ProjectState[]>(backend, readerOf(req.caller), 'listProjects');
    const overdue = [];
    for (const project of projects) {
      const trail = await evaluateJson<{ records: LedgerRecord[] }>(backend, readerOf(req.caller), 'getTrail', project.projectId);
      overdue.push(...overdueDeposits(trail.records, asOf).map((o) => ({ ...o, projectName: project.name })));
    }
    res.json({ asOf: asOf.toISOString(), overdue: overdue.sort((a, b) => b.daysOverdue - a.daysOverdue) });
  });

  router.get('/v1/reports/projects-by-category', signedIn(['regulator']), async (req, res) => {
    const projects = await evaluateJson<ProjectState[]>(backend, readerOf(req.caller), 'listProjects');
    res.json(projectsByCategoryYear(projects));
  });
  return router;
}
