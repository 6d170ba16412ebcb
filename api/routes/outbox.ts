/** GET /v1/outbox: what the local outbox channel "sent", newest first. */
import { and, desc, eq, notInArray } from 'drizzle-orm';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { messages } from '../../db/schema';
import { requireScope } from '../auth';
import { parse } from '../../lib/http-error';
import { outboxQuery } from '../../schemas/outbox';

export function outboxRouter(db: Db): Router {
  const router = Router();
  router.get('/v1/outbox', requireScope('read'), async (req, res) => {
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
