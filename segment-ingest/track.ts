/**
 * Segment's track as the event POST /v1/events takes (routing/ingest-event.ts checks it the same
 * way): messageId is the event id, userId the customer, the name mapped to a type (event-names.ts),
 * properties as sent, and the time the client stamped (`timestamp`, or RudderStack's `originalTimestamp`).
 */
import type { z } from 'zod';
import { problemOf } from '../lib/http-error';
import { checkEvent } from '../routing/ingest-event';
import type { EventToStore } from '../routing/store-events';
import { eventBody } from '../schemas/events';
import type { segmentTrack } from '../schemas/segment';
import { eventTypeFor, type SegmentEventMap } from './event-names';
import { refusal, type Sources } from './fields';

/** Segment's e-commerce spec names an order `order_id`; Cascade's order.placed reads `orderId`. */
function orderProperties(type: string, properties: Record<string, unknown>): Record<string, unknown> {
  if (type !== 'order.placed' || 'orderId' in properties || !('order_id' in properties)) return properties;
  return { ...properties, orderId: properties.order_id };
}

/** The event a track stands for (userId is there: anonymous calls never get here); a problem is a 400 naming the Segment field. */
export function eventFromTrack(message: z.infer<typeof segmentTrack> & { userId: string }, at: string, names: SegmentEventMap): EventToStore {
  const type = eventTypeFor(message.event, names);
  const sources: Sources = { id: 'messageId', customerId: 'userId', type: 'event', occurredAt: message.timestamp ? 'timestamp' : 'originalTimestamp' };
  const parsed = eventBody.safeParse({
    id: message.messageId,
    customerId: message.userId,
    type,
    properties: orderProperties(type, message.properties ?? {}),
    occurredAt: message.timestamp ?? message.originalTimestamp,
  });
  if (!parsed.success) {
    const problem = problemOf(parsed.error);
    if (problem.field === 'type') throw refusal(at, sources, { field: 'type', message: `"${message.event}" maps to "${type}", which is not a Cascade event type (${parsed.error.issues[0]!.message})` });
    throw refusal(at, sources, problem);
  }
  const checked = checkEvent(parsed.data);
  if (!checked.ok) throw refusal(at, sources, { status: checked.outcome.status, ...checked.outcome.error });
  return checked.event;
}
