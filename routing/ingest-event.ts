/**
 * One event in from a product system, whether it came alone (POST /v1/events) or in a batch: checked
 * against every journey it triggers (key and trigger properties: a problem is a 400 naming the field
 * and nothing is stored), stored (idempotent on the caller's id), and answered 202 once it is
 * durably stored: the router (routing/router.ts) routes it in the customer's order at Temporal's
 * pace. With `wait`, routing happens before the answer, within a deadline, as a caller who needs
 * the runs' ids asks; an event that can never be routed is then dead-lettered (422), one Temporal
 * cannot take now is left to the router (503). Answers are values, not exceptions, so a batch can
 * report each item.
 */
import { z } from 'zod';
import { orderCurrency, orderId, orderSource, orderTotal } from '../schemas/orders';
import type { EventRow } from '../db/queries/events';
import type { LifecycleDeps } from '../lifecycle/deps';
import { eventsAccepted } from '../metrics/registry';
import { checkTrigger } from '../lifecycle/trigger';
import { journeysTriggeredBy } from '../workflows/registry';
import { routeEvent } from './route-event';
import { recordRetryableFailure, wakeRouters } from './router';
import { storeEvent, type EventToStore, type Stored } from './store-events';

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
  /** pending: stored, the router has not routed it yet (the answer did not wait for it). */
  routing: 'pending' | 'routed';
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

/** An outcome that refuses the event. */
export type IngestRefusal = Extract<IngestOutcome, { error: unknown }>;

const refused = (status: IngestRefusal['status'], code: string, message: string, field?: string): IngestRefusal => ({
  status,
  error: { code, message, ...(field ? { field } : {}) },
});

/** The event as it will be stored, or why it cannot be (nothing is stored then). */
export function checkEvent(body: IncomingEvent): { ok: true; event: EventToStore } | { ok: false; outcome: IngestRefusal } {
  let order: z.infer<typeof orderProperties> | undefined;
  if (body.type === 'order.placed') {
    const parsed = orderProperties.safeParse(body.properties);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = ['properties', ...issue.path.map(String)].join('.');
      return { ok: false, outcome: refused(400, 'invalid_request', `${field}: ${issue.message}`, field) };
    }
    order = parsed.data;
  }
  for (const wf of journeysTriggeredBy(body.type)) {
    const check = checkTrigger(wf, body.customerId, body);
    if (!check.ok) return { ok: false, outcome: refused(400, 'invalid_request', check.message, check.field) };
  }
  const { id, customerId, type, properties } = body;
  const occurredAt = body.occurredAt ? new Date(body.occurredAt) : new Date();
  return { ok: true, event: { id, customerId, type, properties, occurredAt, ...(order ? { order } : {}) } };
}

export async function ingestEvent(deps: LifecycleDeps, body: IncomingEvent, opts: { wait?: boolean; deadline?: number } = {}): Promise<IngestOutcome> {
  const checked = checkEvent(body);
  if (!checked.ok) return checked.outcome;
  const stored = await storeEvent(deps.db, checked.event);
  return answerStored(deps, checked.event, stored, opts);
}

/**
 * What the store step's result means for the caller: the stored row (new, or the same id again), or
 * a refusal: no such customer, or the id already taken by another customer's or type's event.
 */
export function acceptStored(body: EventToStore, stored: Stored): { ok: true; row: EventRow; duplicate: boolean } | { ok: false; outcome: IngestRefusal } {
  if (stored.kind === 'no-customer') return { ok: false, outcome: refused(404, 'not_found', `Customer ${body.customerId} does not exist`, 'customerId') };
  const { row } = stored;
  const duplicate = stored.kind === 'duplicate';
  if (duplicate && (row.customerId !== body.customerId || row.type !== body.type)) {
    return { ok: false, outcome: refused(409, 'conflict', `Event ${body.id} was already stored with another customer or type`, 'id') };
  }
  return { ok: true, row, duplicate };
}

/** The answer for an event the store step has taken, after routing it first when the caller waits. */
export async function answerStored(
  deps: LifecycleDeps,
  body: EventToStore,
  stored: Stored,
  opts: { wait?: boolean; deadline?: number } = {},
): Promise<IngestOutcome> {
  const accepted = acceptStored(body, stored);
  if (!accepted.ok) return accepted.outcome;
  const { row, duplicate } = accepted;
  eventsAccepted.inc({ outcome: duplicate ? 'duplicate' : 'stored' });
  // Routed already: a duplicate, or an event no journey hears, stored as routed (store-events.ts).
  if (row.routedAt) return { status: duplicate ? 200 : 202, answer: { id: row.id, duplicate, workflows: row.routedTo ?? [], routing: 'routed' } };
  if (duplicate && row.deadLetteredAt) return refused(422, 'routing_failed', `Event stored but it can never be routed: ${row.routingError}`, 'id');
  if (!opts.wait) {
    wakeRouters();
    return { status: duplicate ? 200 : 202, answer: { id: row.id, duplicate, workflows: [], routing: 'pending' } };
  }
  let result;
  try {
    result = await deps.client.withDeadline(opts.deadline ?? Date.now() + ROUTING_DEADLINE_MS, () => routeEvent(deps, row));
  } catch (err) {
    // Stored but not routed: the router (or a retry with the same id) finishes the job.
    await recordRetryableFailure(deps, row, err).catch(() => undefined);
    return refused(503, 'routing_unavailable', 'Event stored but not yet routed (Temporal did not answer in time); retry with the same id');
  }
  if (result.status === 'dead-lettered') {
    return refused(422, 'routing_failed', `Event stored but it can never be routed: ${result.error}`, 'id');
  }
  return { status: duplicate ? 200 : 202, answer: { id: row.id, duplicate, workflows: result.workflows, skipped: result.skipped, routing: 'routed' } };
}
