/** GET /v1/reconciliation?from=&to=&timeZone=: customers, orders and revenue per day and source (reconciliation/). */
import { Router } from 'express';
import type { Db } from '../../db/client';
import { reconciliation } from '../../reconciliation/daily';
import { parse } from '../../lib/http-error';
import { reconciliationQuery, reconciliationAnswer } from '../../schemas/data-quality';
import { mount, type ApiRoute } from '../declared-route';

export const reconciliationRoutes = {
  report: {
    method: 'get',
    path: '/v1/reconciliation',
    summary: 'New customers, orders and revenue per day, source and currency, to compare with the shop\'s books',
    key: 'read',
    query: reconciliationQuery,
    ok: { 200: { description: 'Every day of the range', schema: reconciliationAnswer } },
    errors: [400, 401, 403],
  },
} satisfies Record<string, ApiRoute>;

export function reconciliationRouter(db: Db): Router {
  const router = Router();
  mount(router, reconciliationRoutes.report, async (req, res) => {
    res.json(await reconciliation(db, parse(reconciliationQuery, req.query)));
  });
  return router;
}
