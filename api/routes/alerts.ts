/** GET /v1/alerts: the alerts raised (alerts/), newest first, with whether the chat webhook took them. */
import { and, desc, gte } from 'drizzle-orm';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { alerts } from '../../db/schema';
import { parse } from '../../lib/http-error';
import { alertsQuery, alertsAnswer } from '../../schemas/alerts';
import { mount, type ApiRoute } from '../declared-route';

export const alertRoutes = {
  list: {
    method: 'get',
    path: '/v1/alerts',
    summary: 'Alerts raised, newest first',
    key: 'read',
    query: alertsQuery,
    ok: { 200: { description: 'The alerts', schema: alertsAnswer } },
    errors: [400, 401, 403],
  },
} satisfies Record<string, ApiRoute>;

export function alertsRouter(db: Db): Router {
  const router = Router();
  mount(router, alertRoutes.list, async (req, res) => {
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
