/**
 * Routes a stored event to Temporal: starts (or signals) every journey it triggers that admits the
 * customer (and records the run it started), and signals every running run of the customer whose
 * journey listens to its type. Under the customer's routing lock, after the customer's earlier
 * unrouted events: a customer's events reach runs in the order they were received, and never race
 * a run that is starting.
 *
 * Safe to repeat: runs drop an event id they have seen, and admission refuses a trigger already
 * handled. Retryable failures throw; permanent ones dead-letter the event and say so.
 */
import { and, asc, eq, getTableColumns, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { inCustomerRoutingTransaction } from '../db/queries/customer-lock';
import type { EventRow } from '../db/queries/events';
import { pastRunsJson, recordRoutedRuns, runningRunsJson } from '../db/queries/runs';
import { events } from '../db/schema';
import type { LifecycleDeps } from '../lifecycle/deps';
import { reachRuns, type ReadAhead } from '../lifecycle/reach-runs';
import { triggersOf, type Trigger } from '../lifecycle/trigger';
import { logger } from '../lib/logger';
import { eventsDeadLettered, eventsRouted } from '../metrics/registry';
import { anyJourneyListensTo } from '../workflows/registry';
import { isPermanent, PermanentRoutingError } from './failures';

export type RouteResult =
  | { status: 'routed'; workflows: string[]; skipped: Array<{ journey: string; reason: string }> }
  | { status: 'dead-lettered'; error: string };

export async function routeEvent(deps: LifecycleDeps, row: EventRow): Promise<RouteResult> {
  const triggers = triggersOf(row);
  return inCustomerRoutingTransaction(deps.db, row.customerId, async (tx) => {
    // This event as it is now (another process may have routed it while this one waited), and the
    // customer's earlier events still unrouted, which go first. In the same statement, what routing
    // this event will ask: the past runs of the workflows it triggers, and the customer's running runs.
    const rows = await tx
      .select({
        ...getTableColumns(events),
        past: pastRunsJson(triggers.flatMap(({ check }) => (check.ok ? [check.workflowId] : [])), row.seq),
        running: anyJourneyListensTo(row.type) ? runningRunsJson(row.customerId) : sql<null>`null`,
      })
      .from(events)
      .where(
        and(
          eq(events.customerId, row.customerId),
          or(
            eq(events.id, row.id),
            and(
              isNull(events.routedAt),
              isNull(events.deadLetteredAt),
              lt(events.seq, row.seq),
            ),
          ),
        ),
      )
      .orderBy(asc(events.seq))
      .limit(101);
    const current = rows.find((r) => r.id === row.id);
    const earlier = rows.filter((r) => r !== current);
    for (const previous of earlier) await routeOrDeadLetter(deps, tx, previous);
    if (!current) throw new PermanentRoutingError(`event ${row.id} is gone`);
    if (current.deadLetteredAt) return { status: 'dead-lettered', error: current.routingError ?? 'dead-lettered' };
    if (current.routedAt) return { status: 'routed', workflows: current.routedTo ?? [], skipped: [] };
    // Routing an earlier event may have started or ended runs since the read: then read again.
    const ahead = earlier.length ? undefined : { past: current.past, running: current.running ?? undefined };
    return routeOrDeadLetter(deps, tx, current, ahead, triggers);
  });
}

async function routeOrDeadLetter(deps: LifecycleDeps, tx: Db, row: EventRow, ahead?: ReadAhead, triggers = triggersOf(row)): Promise<RouteResult> {
  try {
    return await routeOne(deps, tx, row, triggers, ahead);
  } catch (err) {
    if (!isPermanent(err)) throw err;
    const error = (err as Error).message;
    await tx
      .update(events)
      .set({ deadLetteredAt: new Date(), routingError: error, routingAttempts: sql`${events.routingAttempts} + 1` })
      .where(eq(events.id, row.id));
    logger.error({ eventId: row.id, type: row.type, error }, 'event dead-lettered: it can never be routed');
    eventsDeadLettered.inc();
    return { status: 'dead-lettered', error };
  }
}

async function routeOne(deps: LifecycleDeps, tx: Db, row: EventRow, triggers: Trigger[], ahead?: ReadAhead): Promise<RouteResult> {
  const invalid = triggers.find(({ check }) => !check.ok)?.check;
  if (invalid && !invalid.ok) throw new PermanentRoutingError(invalid.message);
  const { workflows, started, skipped } = await reachRuns(deps, tx, row, triggers, ahead);
  // The runs it started are recorded with the routed mark, in one statement.
  const routed = { routedAt: new Date(), routedTo: workflows, routingError: null, nextRoutingAt: null, routingAttempts: sql`${events.routingAttempts} + 1` };
  const recorded = started.length ? tx.$with('recorded').as(recordRoutedRuns(tx, started)) : undefined;
  await (recorded ? tx.with(recorded) : tx).update(events).set(routed).where(eq(events.id, row.id));
  eventsRouted.inc();
  return { status: 'routed', workflows, skipped };
}
