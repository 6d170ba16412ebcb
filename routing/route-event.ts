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
import { toJourneyEvent, type EventRow } from '../db/queries/events';
import { judgePastRuns, pastRunsJson, recordRoutedRuns, runningRunsJson, runningRunsOf, type PastRun, type RoutedRun, type RunningRun } from '../db/queries/runs';
import { events } from '../db/schema';
import { admit } from '../lifecycle/admission';
import type { LifecycleDeps } from '../lifecycle/deps';
import { signalRun, startOrSignal } from '../lifecycle/runs';
import { checkTrigger, type TriggerCheck } from '../lifecycle/trigger';
import { logger } from '../lib/logger';
import { eventsDeadLettered, eventsRouted } from '../metrics/registry';
import { inJourneyHoldout, listensTo, type JourneyEntry } from '../workflows/dsl/options';
import { anyJourneyListensTo, journeyById, journeysTriggeredBy } from '../workflows/registry';
import { isPermanent, PermanentRoutingError } from './failures';

export type RouteResult =
  | { status: 'routed'; workflows: string[]; skipped: Array<{ journey: string; reason: string }> }
  | { status: 'dead-lettered'; error: string };

/** The runs and past runs read with the events, while they still hold (nothing routed before the event). */
type ReadAhead = { past: PastRun[]; running: RunningRun[] | undefined };

/** The journeys an event triggers, each with its trigger's check: asked once an event. */
type Trigger = { wf: JourneyEntry; check: TriggerCheck };
const triggersOf = (row: EventRow): Trigger[] => journeysTriggeredBy(row.type).map((wf) => ({ wf, check: checkTrigger(wf, row.customerId, row) }));

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
  const event = toJourneyEvent(row);
  const workflows: string[] = [];
  const started: RoutedRun[] = [];
  const skipped: Array<{ journey: string; reason: string }> = [];
  for (const { wf, check } of triggers) {
    if (!check.ok) throw new PermanentRoutingError(check.message);
    const run = { customerId: row.customerId, workflowId: check.workflowId, key: check.key, trigger: event };
    const past = ahead ? judgePastRuns(ahead.past.filter((p) => p.workflowId === check.workflowId), row.id) : undefined;
    const admission = await admit(deps, tx, wf, { ...run, seq: row.seq, ...(past ? { past } : {}) });
    if (!admission.admitted) {
      skipped.push({ journey: wf.options.id, reason: admission.reason });
      continue;
    }
    const reached = await startOrSignal(deps, wf, { ...run, ...(admission.profile ? { admittedWith: admission.profile } : {}) });
    started.push({
      runId: reached.runId,
      workflowId: reached.workflowId,
      journey: wf.options.id,
      customerId: row.customerId,
      triggerEventId: row.id,
      holdout: inJourneyHoldout(wf.options, row.customerId),
    });
    workflows.push(reached.workflowId);
  }
  const listeners = anyJourneyListensTo(row.type) ? (ahead?.running ?? (await runningRunsOf(tx, row.customerId))) : [];
  for (const run of listeners) {
    if (workflows.includes(run.workflowId)) continue;
    const wf = journeyById(run.journey);
    if (!wf || !listensTo(wf.options, row.type)) continue;
    if (await signalRun(deps, run.workflowId, event)) workflows.push(run.workflowId);
  }
  // The runs it started are recorded with the routed mark, in one statement.
  const routed = { routedAt: new Date(), routedTo: workflows, routingError: null, nextRoutingAt: null, routingAttempts: sql`${events.routingAttempts} + 1` };
  const recorded = started.length ? tx.$with('recorded').as(recordRoutedRuns(tx, started)) : undefined;
  await (recorded ? tx.with(recorded) : tx).update(events).set(routed).where(eq(events.id, row.id));
  eventsRouted.inc();
  return { status: 'routed', workflows, skipped };
}
