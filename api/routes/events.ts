/**
 * POST /v1/events. The event is checked against every journey it triggers (key and trigger
 * properties: a 400 names the field, nothing is stored), stored (idempotent on the caller's id),
 * then routed; the answer is 2xx only once routing finished. The same id again re-routes if
 * routing never finished, else answers 200 with the first result and does nothing more. An event
 * that can never be routed is dead-lettered and answered 422; one Temporal cannot take now, 503.
 */
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { customers, events, orders } from '../../db/schema';
import type { LifecycleDeps } from '../../lifecycle/deps';
import { checkTrigger } from '../../lifecycle/trigger';
import { routeEvent } from '../../routing/route-event';
import { recordRetryableFailure } from '../../routing/sweeper';
import { eventsAccepted } from '../../metrics/registry';
import { journeysTriggeredBy } from '../../workflows/registry';
import { requireScope } from '../auth';
import { HttpError, parse } from '../errors';
import { customerIdSchema } from './customers';

/** Stored properties are capped: they are kept for months and their slim form goes to runs. */
const MAX_PROPERTIES_BYTES = 16 * 1024;

const eventBody = z.object({
  id: z.string().trim().min(1).max(200),
  customerId: customerIdSchema,
  type: z
    .string()
    .trim()
    .max(100)
    .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'dotted lower-case name like order.placed')
    // Provider reports reach runs from Cascade itself; a caller must not forge them.
    .refine((t) => !t.startsWith('message.'), 'message.* events come from provider reports, not the API'),
  properties: z
    .record(z.string(), z.unknown())
    .default({})
    .refine((p) => JSON.stringify(p).length <= MAX_PROPERTIES_BYTES, `at most ${MAX_PROPERTIES_BYTES / 1024} KiB of JSON`),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

/** An order event also lands in `orders`, online or offline, so "we miss you" knows about store visits. */
const orderProperties = z.object({
  orderId: z.string().trim().min(1).max(200),
  total: z.coerce.number().nonnegative().max(1e10).default(0),
  currency: z.string().length(3).default('RUB'),
  source: z.enum(['online', 'offline']).default('online'),
});

const ROUTING_DEADLINE_MS = 5_000;

export function eventsRouter(deps: LifecycleDeps): Router {
  const { db } = deps;
  const router = Router();

  router.post('/v1/events', requireScope('ingest'), async (req, res) => {
    const body = parse(eventBody, req.body);
    const order = body.type === 'order.placed' ? parse(orderProperties, body.properties, 'properties') : undefined;
    for (const wf of journeysTriggeredBy(body.type)) {
      const check = checkTrigger(wf, body.customerId, body);
      if (!check.ok) throw new HttpError(400, 'invalid_request', check.message, check.field);
    }
    const occurredAt = body.occurredAt ? new Date(body.occurredAt) : new Date();

    const { row, duplicate } = await db.transaction(async (tx) => {
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

    if (duplicate && (row.customerId !== body.customerId || row.type !== body.type)) {
      throw new HttpError(409, 'conflict', `Event ${body.id} was already stored with another customer or type`, 'id');
    }
    eventsAccepted.inc({ outcome: duplicate ? 'duplicate' : 'stored' });
    if (duplicate && row.routedAt) {
      res.status(200).json({ id: row.id, duplicate: true, workflows: row.routedTo ?? [] });
      return;
    }
    let result;
    try {
      // A bounded wait: a product system should hear "retry later" in seconds, not hang on a dead Temporal.
      result = await deps.client.withDeadline(Date.now() + ROUTING_DEADLINE_MS, () => routeEvent(deps, row));
    } catch (err) {
      // Stored but not routed: the sweeper (or a retry with the same id) finishes the job.
      await recordRetryableFailure(deps, row, err).catch(() => undefined);
      throw new HttpError(503, 'routing_unavailable', 'Event stored but not yet routed (Temporal did not answer in time); retry with the same id');
    }
    if (result.status === 'dead-lettered') {
      throw new HttpError(422, 'routing_failed', `Event stored but it can never be routed: ${result.error}`, 'id');
    }
    res.status(duplicate ? 200 : 202).json({ id: row.id, duplicate, workflows: result.workflows, skipped: result.skipped });
  });

  return router;
}
