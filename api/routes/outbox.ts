/** GET /v1/outbox: what the local outbox channel "sent", newest first. */
import { and, desc, eq, notInArray } from 'drizzle-orm';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { messages } from '../../db/schema';
import { parse } from '../../lib/http-error';
import { outboxQuery, outboxAnswer } from '../../schemas/outbox';
import { mount, type ApiRoute } from '../declared-route';

export const outboxRoutes = {
  list: {
    method: 'get',
    path: '/v1/outbox',
    summary: 'Messages held by the outbox channel, newest first',
    key: 'read',
    query: outboxQuery,
    ok: { 200: { description: 'The outbox', schema: outboxAnswer } },
    errors: [400, 401],
  },
} satisfies Record<string, ApiRoute>;

export function outboxRouter(db: Db): Router {
  const router = Router();
  mount(router, outboxRoutes.list, async (req, res) => {
    const { limit } = parse(outboxQuery, req.query);
    const rows = await db
      .select({
        id: messages.id,
        customerId: messages.customerId,
        channel: messages.channel,
        to: messages.recipient,
        subject: messages.subject,
        body: messages.body,
        journey: messages.journey,
        step: messages.step,
        template: messages.template,
        status: messages.status,
        sentAt: messages.updatedAt,
      })
      .from(messages)
      .where(and(eq(messages.provider, 'outbox'), notInArray(messages.status, ['skipped', 'pending'])))
      .orderBy(desc(messages.id))
      .limit(limit);
    res.json({ messages: rows });
  });
  return router;
}
