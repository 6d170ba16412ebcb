/** GET /v1/alerts: the alerts raised (alerts/), newest first, with whether the chat webhook took them. */
import { and, desc, gte } from 'drizzle-orm';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { alerts } from '../../db/schema';
import { requireScope } from '../auth';
import { parse } from '../../lib/http-error';
import { alertsQuery } from '../../schemas/alerts';

export function alertsRouter(db: Db): Router {
  const router = Router();
  router.get('/v1/alerts', requireScope('read'), async (req, res) => {
    const { since, limit } = parse(alertsQuery, req.query);
    const rows = await db
      .select()
      .from(alerts)
      .where(and(since ? gte(alerts.raisedAt, new Date(since)) : undefined))
      .orderBy(desc(alerts.raisedAt), desc(alerts.id))
      .limit(limit);
    res.json({ alerts: rows });
  });
  return router;
}
