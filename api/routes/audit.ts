/** GET /v1/audit: who did what to what, when, and how it ended; newest first, a page at a time. */
import { Router } from 'express';
import { customerTarget } from '../../audit/declare';
import type { Db } from '../../db/client';
import { readAuditRows } from '../../db/queries/audit';
import { parse } from '../../lib/http-error';
import { auditAnswer, auditQuery } from '../../schemas/audit';
import { mount, type ApiRoute } from '../declared-route';

export const auditRoutes = {
  list: {
    method: 'get',
    path: '/v1/audit',
    summary: 'The audit log: every admin action (keys, segments, campaigns, merges, operator consents, journey controls, exports, erasures, webhooks), newest first',
    key: 'admin',
    query: auditQuery,
    ok: { 200: { description: 'A page of the log', schema: auditAnswer } },
    errors: [400, 401, 403],
  },
} satisfies Record<string, ApiRoute>;

/** The log names customers by a hash of their id: a filter by `customer:<id>` is hashed the same way. */
const targetFilter = (target: string | undefined) =>
  target?.startsWith('customer:') && !target.startsWith('customer:#') ? customerTarget(target.slice('customer:'.length)) : target;

export function auditRouter(db: Db): Router {
  const router = Router();
  mount(router, auditRoutes.list, async (req, res) => {
    const q = parse(auditQuery, req.query);
    const rows = await readAuditRows(db, {
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      action: q.action,
      target: targetFilter(q.target),
      before: q.before,
      limit: q.limit,
    });
    res.json({ entries: rows, next: rows.length === q.limit ? rows.at(-1)!.id : null });
  });
  return router;
}
