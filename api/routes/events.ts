/**
 * POST /v1/events. The event is stored first (idempotent on the caller's id), then routed; the
 * answer is 2xx only once routing finished. The same id again re-routes if routing never finished,
 * else answers 200 with the first result and does nothing more.
 */
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { customers, events, orders } from '../../db/schema';
import { HttpError, parse } from '../errors';
import { routeEvent, type RoutingDeps } from '../routing';
import { customerIdSchema } from './customers';

const eventBody = z.object({
  id: z.string().trim().min(1).max(200),
  customerId: customerIdSchema,
  type: z.string().trim().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'dotted lower-case name like order.placed'),
  properties: z.record(z.string(), z.unknown()).default({}),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

/** An order event also lands in `orders`, online or offline, so "we miss you" knows about store visits. */
const orderProperties = z.object({
  orderId: z.string().trim().min(1).max(200),
  total: z.coerce.number().nonnegative().default(0),
  currency: z.string().length(3).default('RUB'),
  source: z.enum(['online', 'offline']).default('online'),
});

const ROUTING_DEADLINE_MS = 5_000;

export function eventsRouter(deps: RoutingDeps): Router {
  const db: Db = deps.db;
  const router = Router();

  router.post('/v1/events', async (req, res) => {
    const body = parse(eventBody, req.body);
    const order = body.type === 'order.placed' ? parse(orderProperties, body.properties, 'properties') : undefined;
    const occurredAt = body.occurredAt ? new Date(body.occurredAt) : new Date();

    const stored = await db.transaction(async (tx) => {
      const [customer] = await tx.select({ id: customers.id }).from(customers).where(eq(customers.id, body.customerId));
      if (!customer) throw new HttpError(404, 'not_found', `Customer ${body.customerId} does not exist`, 'customerId');
      const [inserted] = await tx
        .insert(events)
        .values({ id: body.id, customerId: body.customerId, type: body.type, properties: body.properties, occurredAt })
        .onConflictDoNothing()
        .returning();
      if (inserted && order) {
        await tx
          .insert(orders)
          .values({ id: order.orderId, customerId: body.customerId, source: order.source, total: order.total.toFixed(2), currency: order.currency, placedAt: occurredAt })
          .onConflictDoNothing();
      }
      if (inserted) return { row: inserted, duplicate: false };
      const [existing] = await tx.select().from(events).where(eq(events.id, body.id));
      return { row: existing!, duplicate: true };
    });

    const { row, duplicate } = stored;
    if (duplicate && (row.customerId !== body.customerId || row.type !== body.type)) {
      throw new HttpError(409, 'conflict', `Event ${body.id} was already stored with another customer or type`, 'id');
    }
    if (duplicate && row.routedAt) {
      res.status(200).json({ id: row.id, duplicate: true, workflows: row.routedTo ?? [] });
      return;
    }
    try {
      // A bounded wait: a product system should hear "retry later" in seconds, not hang on a dead Temporal.
      const workflows = await deps.client.withDeadline(Date.now() + ROUTING_DEADLINE_MS, () => routeEvent(deps, row));
      res.status(duplicate ? 200 : 202).json({ id: row.id, duplicate, workflows });
    } catch (err) {
      // Stored but not routed: the sweeper (or a retry with the same id) finishes the job.
      throw new HttpError(503, 'routing_unavailable', `Event stored but not yet routed (${(err as Error).message}); retry with the same id`);
    }
  });

  return router;
}
