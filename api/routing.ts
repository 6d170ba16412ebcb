/**
 * Routes a stored event to Temporal: signalWithStart on every journey it triggers, signal on every
 * other running journey of the customer. Safe to repeat: runs drop an event id they have seen, and
 * a trigger whose run already exists (or existed, for `once`) starts nothing new.
 */
import { WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { events, journeyRuns } from '../db/schema';
import { logger } from '../lib/logger';
import type { JourneyWorkflow } from '../workflows/dsl/journey';
import { eventSignal } from '../workflows/contract';
import { journeyWorkflowId } from '../workflows/contract';
import { CustomerIdAttribute, JourneyAttribute } from '../workflows/contract';
import type { JourneyEvent, JourneyInput } from '../workflows/contract';
import { journeysTriggeredBy } from '../workflows/registry';

export interface RoutingDeps {
  db: Db;
  client: Client;
  taskQueue: string;
}

type EventRow = typeof events.$inferSelect;

export function toJourneyEvent(row: EventRow): JourneyEvent {
  return { id: row.id, type: row.type, properties: row.properties, occurredAt: row.occurredAt.toISOString() };
}

async function startOrSignal(deps: RoutingDeps, wf: JourneyWorkflow, row: EventRow): Promise<string | null> {
  const { options } = wf;
  const keyProp = options.trigger?.key;
  const keyValue = keyProp ? row.properties[keyProp] : undefined;
  if (keyProp && (keyValue === undefined || keyValue === null || keyValue === '')) {
    logger.warn({ eventId: row.id, journey: options.id, keyProp }, 'trigger event lacks the journey key; not started');
    return null;
  }
  const key = options.reentry === 'every-trigger' ? row.id : keyValue === undefined ? undefined : String(keyValue);
  const workflowId = journeyWorkflowId(options.id, row.customerId, key);

  // A trigger already handled (a re-route after a crash), or a once-only journey already run, starts nothing.
  const [previous] = await deps.db
    .select({ status: journeyRuns.status })
    .from(journeyRuns)
    .where(
      and(
        eq(journeyRuns.workflowId, workflowId),
        options.reentry === 'once' ? sql`true` : eq(journeyRuns.triggerEventId, row.id),
        ne(journeyRuns.status, 'running'),
      ),
    )
    .limit(1);
  if (previous) return null;

  const event = toJourneyEvent(row);
  const input: JourneyInput = { v: 1, customerId: row.customerId, key, trigger: event };
  const handle = await deps.client.workflow.signalWithStart<JourneyWorkflow, [JourneyEvent]>(wf.name, {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [input],
    signal: eventSignal,
    signalArgs: [event],
    workflowIdReusePolicy:
      options.reentry === 'once' ? WorkflowIdReusePolicy.REJECT_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: CustomerIdAttribute, value: row.customerId },
      { key: JourneyAttribute, value: options.id },
    ],
  });
  // Recorded here too, not only by the run, so the next event for this customer finds the run at once.
  await deps.db.execute(sql`
    insert into ${journeyRuns} (run_id, workflow_id, journey, customer_id, trigger_event_id)
    select ${handle.signaledRunId}, ${workflowId}, ${options.id}, ${row.customerId}, ${row.id}
    where not exists (select 1 from ${journeyRuns} where workflow_id = ${workflowId} and status = 'running')
    on conflict do nothing`);
  return workflowId;
}

export async function routeEvent(deps: RoutingDeps, row: EventRow): Promise<string[]> {
  const reached: string[] = [];
  for (const wf of journeysTriggeredBy(row.type)) {
    try {
      const id = await startOrSignal(deps, wf, row);
      if (id) reached.push(id);
    } catch (err) {
      if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') continue; // once-only, already run
      throw err;
    }
  }
  const running = await deps.db
    .selectDistinct({ workflowId: journeyRuns.workflowId })
    .from(journeyRuns)
    .where(and(eq(journeyRuns.customerId, row.customerId), eq(journeyRuns.status, 'running')));
  const event = toJourneyEvent(row);
  for (const { workflowId } of running) {
    if (reached.includes(workflowId)) continue;
    try {
      await deps.client.workflow.getHandle(workflowId).signal(eventSignal, event);
      reached.push(workflowId);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  await deps.db.update(events).set({ routedAt: new Date(), routedTo: reached }).where(eq(events.id, row.id));
  return reached;
}

/** Routes events a crash left unrouted. Called periodically by the API process. */
export async function routePending(deps: RoutingDeps, olderThanMs = 5_000, batch = 100): Promise<number> {
  const rows = await deps.db
    .select()
    .from(events)
    .where(and(isNull(events.routedAt), sql`${events.receivedAt} < now() - make_interval(secs => ${olderThanMs / 1000})`))
    .orderBy(events.receivedAt)
    .limit(batch);
  for (const row of rows) await routeEvent(deps, row);
  return rows.length;
}

