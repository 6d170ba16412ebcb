/** Stored events as runs receive them. */
import { and, asc, eq, gte, inArray, isNotNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { slimEvent, type JourneyEvent } from '../../workflows/contract';
import type { Db, Tx } from '../client';
import { events } from '../schema';

export type EventRow = typeof events.$inferSelect;

/**
 * The kinds the router can owe (inert events are stored routed), as a literal: the planner then
 * leaves every inert month out of the plan, where a bound parameter would only prune at run time.
 */
export const owingKind = sql`${events.kind} in ('routed', 'held')`;

/**
 * This stored event, found in its own month: by id alone, every month's id index would be probed.
 * `received_at` is read back to the millisecond (a Date) and stored to the microsecond, hence the
 * millisecond's range; a row held past its month (kind `held`) is found all the same.
 */
export function theEvent(row: Pick<EventRow, 'id' | 'receivedAt'>): SQL {
  return and(eq(events.id, row.id), owingKind, gte(events.receivedAt, row.receivedAt), lt(events.receivedAt, new Date(row.receivedAt.getTime() + 1)))!;
}

/** Events the router still owes: the partial indexes events_unrouted_seq_idx and events_customer_unrouted_idx of each month. */
export const unrouted = sql`${owingKind} and ${events.routedAt} is null and ${events.deadLetteredAt} is null`;

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
