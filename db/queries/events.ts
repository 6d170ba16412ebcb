/** Stored events as runs receive them. */
import { and, asc, eq, gte, inArray, isNotNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { slimEvent, type JourneyEvent } from '../../workflows/contract';
import type { Db, Tx } from '../client';
import { events } from '../schema';

export type EventRow = typeof events.$inferSelect;

/** Which stored events a new run receives (`storedEventsSince`). */
export interface StoredEventsQuery {
  customerId: string;
  types: string[];
  since: Date;
  keyed?: { property: string; value: string; since: Date };
  workflowId: string;
  excludeId?: string;
  limit?: number;
}

/**
 * The customer's routed events of these types since `since`, oldest first (at most `limit`), and,
 * with `keyed`, those naming the same key value (`properties[property] = value`) since `keyed.since`;
 * none already routed to `workflowId` (an order that ended the last run of a cart does not end the next).
 */
export async function storedEventsSince(db: Db, q: StoredEventsQuery): Promise<JourneyEvent[]> {
  if (q.types.length === 0) return [];
  const rows = await db
    .select()
    .from(events)
    .where(storedEventsWhere(q))
    .orderBy(asc(events.seq))
    .limit(q.limit ?? 100);
  return rows.map(slimEvent);
}

/** The same events as `storedEventsSince`, as a json array to read inside another statement. */
export function storedEventsSinceJson(q: StoredEventsQuery): SQL<JourneyEvent[]> {
  if (q.types.length === 0) return sql<JourneyEvent[]>`'[]'::json`;
  const found = sql`select ${events.id}, ${events.type}, ${events.properties}, ${events.occurredAt}, ${events.seq} from ${events}
    where ${storedEventsWhere(q)} order by ${events.seq} limit ${q.limit ?? 100}`;
  return sql<JourneyEvent[]>`(select coalesce(json_agg(json_build_object('id', s.id, 'type', s.type, 'properties', s.properties, 'occurredAt', s.occurred_at) order by s.seq), '[]'::json)
    from (${found}) s)`.mapWith((rows: JourneyEvent[]) => rows.map((e) => slimEvent({ ...e, occurredAt: new Date(e.occurredAt) })));
}

function storedEventsWhere(q: StoredEventsQuery): SQL | undefined {
  const when = q.keyed
    ? or(gte(events.occurredAt, q.since), and(sql`${events.properties} ->> ${q.keyed.property} = ${q.keyed.value}`, gte(events.occurredAt, q.keyed.since)))
    : gte(events.occurredAt, q.since);
  return and(
    eq(events.customerId, q.customerId),
    isNotNull(events.routedAt),
    inArray(events.type, q.types),
    when,
    sql`not (coalesce(${events.routedTo}, '[]'::jsonb) @> ${JSON.stringify([q.workflowId])}::jsonb)`,
    ...(q.excludeId ? [ne(events.id, q.excludeId)] : []),
  );
}
