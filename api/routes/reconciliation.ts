/** GET /v1/reconciliation?from=&to=&timeZone=: customers, orders and revenue per day and source (reconciliation/). */
import { Router } from 'express';
import type { Db } from '../../db/client';
import { reconciliation } from '../../reconciliation/daily';
import { requireScope } from '../auth';
import { parse } from '../../lib/http-error';
import { reconciliationQuery } from '../../schemas/audit';

export function reconciliationRouter(db: Db): Router {
  const router = Router();
  router.get('/v1/reconciliation', requireScope('read'), async (req, res) => {
    res.json(await reconciliation(db, parse(reconciliationQuery, req.query)));
  });
  return router;
}
