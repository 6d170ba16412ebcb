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
import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { inCustomerRoutingTransaction } from '../db/queries/customer-lock';
import { toJourneyEvent, type EventRow } from '../db/queries/events';
import { recordRoutedRun, runningRunsOf } from '../db/queries/runs';
import { events } from '../db/schema';
import { admit } from '../lifecycle/admission';
import type { LifecycleDeps } from '../lifecycle/deps';
import { signalRun, startOrSignal } from '../lifecycle/runs';
import { checkTrigger } from '../lifecycle/trigger';
import { logger } from '../lib/logger';
import { eventsDeadLettered, eventsRouted } from '../metrics/registry';
import { inJourneyHoldout, listensTo } from '../workflows/dsl/options';
import { anyJourneyListensTo, journeyById, journeysTriggeredBy } from '../workflows/registry';
import { isPermanent, PermanentRoutingError } from './failures';

export type RouteResult =
  | { status: 'routed'; workflows: string[]; skipped: Array<{ journey: string; reason: string }> }
  | { status: 'dead-lettered'; error: string };

export async function routeEvent(deps: LifecycleDeps, row: EventRow): Promise<RouteResult> {
  return inCustomerRoutingTransaction(deps.db, row.customerId, async (tx) => {
    // This event as it is now (another process may have routed it while this one waited), and the
    // customer's earlier events still unrouted, which go first.
    const rows = await tx
      .select()
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
    for (const previous of rows) if (previous !== current) await routeOrDeadLetter(deps, tx, previous);
    if (!current) throw new PermanentRoutingError(`event ${row.id} is gone`);
    if (current.deadLetteredAt) return { status: 'dead-lettered', error: current.routingError ?? 'dead-lettered' };
    if (current.routedAt) return { status: 'routed', workflows: current.routedTo ?? [], skipped: [] };
    return routeOrDeadLetter(deps, tx, current);
  });
}

async function routeOrDeadLetter(deps: LifecycleDeps, tx: Db, row: EventRow): Promise<RouteResult> {
  try {
    return await routeOne(deps, tx, row);
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

async function routeOne(deps: LifecycleDeps, tx: Db, row: EventRow): Promise<RouteResult> {
  const event = toJourneyEvent(row);
  const workflows: string[] = [];
  const skipped: Array<{ journey: string; reason: string }> = [];
  for (const wf of journeysTriggeredBy(row.type)) {
    const check = checkTrigger(wf, row.customerId, row);
    if (!check.ok) throw new PermanentRoutingError(check.message);
    const run = { customerId: row.customerId, workflowId: check.workflowId, key: check.key, trigger: event };
    const admission = await admit(deps, tx, wf, { ...run, seq: row.seq });
    if (!admission.admitted) {
      skipped.push({ journey: wf.options.id, reason: admission.reason });
      continue;
    }
    const reached = await startOrSignal(deps, wf, run);
    await recordRoutedRun(tx, {
      runId: reached.runId,
      workflowId: reached.workflowId,
      journey: wf.options.id,
      customerId: row.customerId,
      triggerEventId: row.id,
      holdout: inJourneyHoldout(wf.options, row.customerId),
    });
    workflows.push(reached.workflowId);
  }
  const listeners = anyJourneyListensTo(row.type) ? await runningRunsOf(tx, row.customerId) : [];
  for (const run of listeners) {
    if (workflows.includes(run.workflowId)) continue;
    const wf = journeyById(run.journey);
    if (!wf || !listensTo(wf.options, row.type)) continue;
    if (await signalRun(deps, run.workflowId, event)) workflows.push(run.workflowId);
  }
  await tx
    .update(events)
    .set({ routedAt: new Date(), routedTo: workflows, routingError: null, nextRoutingAt: null, routingAttempts: sql`${events.routingAttempts} + 1` })
    .where(eq(events.id, row.id));
  eventsRouted.inc();
  return { status: 'routed', workflows, skipped };
}
