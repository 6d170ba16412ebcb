/**
 * One event in from a product system, whether it came alone (POST /v1/events) or in a batch: checked
 * against every journey it triggers (key and trigger properties: a problem is a 400 naming the field
 * and nothing is stored), stored (idempotent on the caller's id), then routed within a deadline. The
 * same id again re-routes if routing never finished, else answers 200 with the first result. An event
 * that can never be routed is dead-lettered (422); one Temporal cannot take now is left to the
 * sweeper (503). Answers are values, not exceptions, so a batch can report each item.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { orderCurrency, orderId, orderSource, orderTotal } from '../schemas/orders';
import { customers, events, orders } from '../db/schema';
import type { LifecycleDeps } from '../lifecycle/deps';
import { eventsAccepted } from '../metrics/registry';
import { checkTrigger } from '../lifecycle/trigger';
import { journeysTriggeredBy } from '../workflows/registry';
import { routeEvent } from './route-event';
import { recordRetryableFailure } from './sweeper';

export interface IncomingEvent {
  id: string;
  customerId: string;
  type: string;
  properties: Record<string, unknown>;
  occurredAt?: string;
}

export interface IngestAnswer {
  id: string;
  duplicate: boolean;
  workflows: string[];
  skipped?: Array<{ journey: string; reason: string }>;
}

export type IngestOutcome =
  | { status: 200 | 202; answer: IngestAnswer }
  | { status: 400 | 404 | 409 | 422 | 503; error: { code: string; message: string; field?: string } };

/** A product system should hear "retry later" in seconds, not hang on a dead Temporal. */
export const ROUTING_DEADLINE_MS = 5_000;

/** An order event also lands in `orders`, online or offline, so "we miss you" knows about store visits. */
const orderProperties = z.object({
  orderId,
  total: orderTotal.default(0),
  currency: orderCurrency.default('RUB'),
  source: orderSource.default('online'),
});

const refused = (status: 400 | 404 | 409 | 422 | 503, code: string, message: string, field?: string): IngestOutcome => ({
  status,
  error: { code, message, ...(field ? { field } : {}) },
});

export async function ingestEvent(deps: LifecycleDeps, body: IncomingEvent, opts: { deadline?: number } = {}): Promise<IngestOutcome> {
  const { db } = deps;
  let order: z.infer<typeof orderProperties> | undefined;
  if (body.type === 'order.placed') {
    const parsed = orderProperties.safeParse(body.properties);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = ['properties', ...issue.path.map(String)].join('.');
      return refused(400, 'invalid_request', `${field}: ${issue.message}`, field);
    }
    order = parsed.data;
  }
  for (const wf of journeysTriggeredBy(body.type)) {
    const check = checkTrigger(wf, body.customerId, body);
    if (!check.ok) return refused(400, 'invalid_request', check.message, check.field);
  }
  const occurredAt = body.occurredAt ? new Date(body.occurredAt) : new Date();

  const stored = await db.transaction(async (tx) => {
    const [customer] = await tx.select({ id: customers.id }).from(customers).where(eq(customers.id, body.customerId));
    if (!customer) return undefined;
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
  if (!stored) return refused(404, 'not_found', `Customer ${body.customerId} does not exist`, 'customerId');
  const { row, duplicate } = stored;

  if (duplicate && (row.customerId !== body.customerId || row.type !== body.type)) {
    return refused(409, 'conflict', `Event ${body.id} was already stored with another customer or type`, 'id');
  }
  eventsAccepted.inc({ outcome: duplicate ? 'duplicate' : 'stored' });
  if (duplicate && row.routedAt) return { status: 200, answer: { id: row.id, duplicate: true, workflows: row.routedTo ?? [] } };
  let result;
  try {
    result = await deps.client.withDeadline(opts.deadline ?? Date.now() + ROUTING_DEADLINE_MS, () => routeEvent(deps, row));
  } catch (err) {
    // Stored but not routed: the sweeper (or a retry with the same id) finishes the job.
    await recordRetryableFailure(deps, row, err).catch(() => undefined);
    return refused(503, 'routing_unavailable', 'Event stored but not yet routed (Temporal did not answer in time); retry with the same id');
  }
  if (result.status === 'dead-lettered') {
    return refused(422, 'routing_failed', `Event stored but it can never be routed: ${result.error}`, 'id');
  }
  return { status: duplicate ? 200 : 202, answer: { id: row.id, duplicate, workflows: result.workflows, skipped: result.skipped } };
}
