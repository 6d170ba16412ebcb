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
import { and, asc, eq, getTableColumns, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { inCustomerRoutingTransaction } from '../db/queries/customer-lock';
import { theEvent, unrouted, type EventRow } from '../db/queries/events';
import { recordRoutedRuns, runFactsOf, runFactsSql, type RunFacts } from '../db/queries/runs';
import { events } from '../db/schema';
import type { LifecycleDeps } from '../lifecycle/deps';
import { reachRuns } from '../lifecycle/reach-runs';
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
    // this event will ask of the runs, which holds while nothing is routed before it.
    const rows = await tx
      .select({ ...getTableColumns(events), ...runFactsSql(row, workflowIdsOf(triggers), anyJourneyListensTo(row.type)) })
      .from(events)
      .where(
        and(
          eq(events.customerId, row.customerId),
          or(
            eq(events.id, row.id),
            and(unrouted, lt(events.seq, row.seq)),
          ),
        ),
      )
      .orderBy(asc(events.seq))
      .limit(101);
    const current = rows.find((r) => r.id === row.id);
    let result: RouteResult | undefined;
    for (const pending of rows) {
      if (pending === current && (current.deadLetteredAt || current.routedAt)) break;
      const ofPending = pending === current ? triggers : triggersOf(pending);
      // Once an earlier event is routed, runs may have started or ended since the read: read again.
      const facts = pending === current && pending === rows[0] ? current : await runFactsOf(tx, pending, workflowIdsOf(ofPending), anyJourneyListensTo(pending.type));
      result = await routeOrDeadLetter(deps, tx, pending, ofPending, facts);
    }
    if (!current) throw new PermanentRoutingError(`event ${row.id} is gone`);
    if (current.deadLetteredAt) return { status: 'dead-lettered', error: current.routingError ?? 'dead-lettered' };
    if (current.routedAt) return { status: 'routed', workflows: current.routedTo ?? [], skipped: [] };
    return result!;
  });
}

const workflowIdsOf = (triggers: Trigger[]) => triggers.flatMap(({ check }) => (check.ok ? [check.workflowId] : []));

async function routeOrDeadLetter(deps: LifecycleDeps, tx: Db, row: EventRow, triggers: Trigger[], facts: RunFacts): Promise<RouteResult> {
  try {
    return await routeOne(deps, tx, row, triggers, facts);
  } catch (err) {
    if (!isPermanent(err)) throw err;
    const error = (err as Error).message;
    await tx
      .update(events)
      .set({ deadLetteredAt: new Date(), routingError: error, routingAttempts: sql`${events.routingAttempts} + 1` })
      .where(theEvent(row));
    logger.error({ eventId: row.id, type: row.type, error }, 'event dead-lettered: it can never be routed');
    eventsDeadLettered.inc();
    return { status: 'dead-lettered', error };
  }
}

async function routeOne(deps: LifecycleDeps, tx: Db, row: EventRow, triggers: Trigger[], facts: RunFacts): Promise<RouteResult> {
  const invalid = triggers.find(({ check }) => !check.ok)?.check;
  if (invalid && !invalid.ok) throw new PermanentRoutingError(invalid.message);
  const { workflows, started, skipped } = await reachRuns(deps, tx, row, triggers, facts);
  // The runs it started are recorded with the routed mark, in one statement.
  const routed = { routedAt: new Date(), routedTo: workflows, routingError: null, nextRoutingAt: null, routingAttempts: sql`${events.routingAttempts} + 1` };
  const recorded = started.length ? tx.$with('recorded').as(recordRoutedRuns(tx, started)) : undefined;
  await (recorded ? tx.with(recorded) : tx).update(events).set(routed).where(theEvent(row));
  eventsRouted.inc();
  return { status: 'routed', workflows, skipped };
}
