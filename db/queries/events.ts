/** Stored events as runs receive them. */
import { and, asc, eq, gte, inArray, isNotNull, ne, or, sql } from 'drizzle-orm';
import { slimEvent, type JourneyEvent } from '../../workflows/contract';
import type { Db, Tx } from '../client';
import { events } from '../schema';

export type EventRow = typeof events.$inferSelect;

/**
 * The customer's routed events of these types since `since`, oldest first (at most `limit`), and,
 * with `keyed`, those naming the same key value (`properties[property] = value`) since `keyed.since`;
 * none already routed to `workflowId` (an order that ended the last run of a cart does not end the next).
 */
export async function storedEventsSince(
  db: Db,
  q: {
    customerId: string;
    types: string[];
    since: Date;
    keyed?: { property: string; value: string; since: Date };
    workflowId: string;
    excludeId?: string;
    limit?: number;
  },
): Promise<JourneyEvent[]> {
  if (q.types.length === 0) return [];
  const when = q.keyed
    ? or(gte(events.occurredAt, q.since), and(sql`${events.properties} ->> ${q.keyed.property} = ${q.keyed.value}`, gte(events.occurredAt, q.keyed.since)))
    : gte(events.occurredAt, q.since);
  const rows = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.customerId, q.customerId),
        isNotNull(events.routedAt),
        inArray(events.type, q.types),
        when,
        sql`not (coalesce(${events.routedTo}, '[]'::jsonb) @> ${JSON.stringify([q.workflowId])}::jsonb)`,
        ...(q.excludeId ? [ne(events.id, q.excludeId)] : []),
      ),
    )
    .orderBy(asc(events.seq))
    .limit(q.limit ?? 100);
  return rows.map(slimEvent);
}
