/**
 * The one writer of `journey_runs`. The router records a run it starts (`recordRoutedRun`); a run
 * writes its own row through its activities (start, end with reason and conversion); the
 * reconciler records the ends that happen outside a run
 * (terminated, timed out, cancelled) through `closeRun`. At most one row per workflow id is
 * running (a partial unique index); ends and conversions are found by workflow id.
 */
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { RunEnd, RunRecord } from '../../workflows/contract';
import type { Db, Tx } from '../client';
import { isConstraintViolation } from '../errors';
import { events, journeyRuns, type RunState } from '../schema';

/**
 * The router records each run it starts, in the transaction that routes the trigger, under the
 * customer's routing lock: every event routed after it finds the run. A conflict means the
 * signal-with-start reached a run already recorded (or a stale row, which the run itself closes).
 */
export async function recordRoutedRun(tx: Db, run: Pick<RunRecord, 'runId' | 'workflowId' | 'journey' | 'customerId' | 'triggerEventId' | 'holdout'>): Promise<void> {
  await tx
    .insert(journeyRuns)
    .values({ ...run, triggerEventId: run.triggerEventId ?? null, holdout: run.holdout ?? false, status: 'running' })
    .onConflictDoNothing();
}

/**
 * A run records itself as running, in its own words (the router's row, when there is one, takes
 * them). Returns whether the row was there already. A running row left by an execution that
 * closed unseen is closed first.
 */
export async function recordRunStart(db: Db, run: RunRecord): Promise<{ existed: boolean }> {
  const own = {
    triggerEventId: run.triggerEventId ?? null,
    campaignId: run.campaignId ?? null,
    holdout: run.holdout ?? false,
    ...(run.startedAt ? { startedAt: new Date(run.startedAt) } : {}),
  };
  const upsert = () =>
    db
      .insert(journeyRuns)
      .values({ runId: run.runId, workflowId: run.workflowId, journey: run.journey, customerId: run.customerId, status: 'running', ...own })
      .onConflictDoUpdate({ target: journeyRuns.runId, set: own })
      // Postgres's own word for "this row was inserted, not updated".
      .returning({ inserted: sql<boolean>`xmax = 0` });
  try {
    const [row] = await upsert();
    return { existed: !row?.inserted };
  } catch (err) {
    if (!isConstraintViolation(err, 'journey_runs_one_running_idx')) throw err;
    // Temporal runs one execution per workflow id at a time: a running row of another first run id is stale.
    await db
      .update(journeyRuns)
      .set({ status: 'terminated', endedAt: new Date(), endReason: 'closed outside the journey (seen when the next run started)' })
      .where(and(eq(journeyRuns.workflowId, run.workflowId), eq(journeyRuns.status, 'running'), ne(journeyRuns.runId, run.runId)));
    await upsert();
    return { existed: false };
  }
}

export async function recordRunEnd(db: Db, end: RunEnd): Promise<void> {
  await db
    .update(journeyRuns)
    .set({
      status: end.status,
      endReason: end.reason,
      // The database's clock, as events' received_at (admission compares the two).
      endedAt: sql`now()`,
      ...(end.conversion ? { convertedAt: new Date(end.conversion.at), conversionEventId: end.conversion.eventId } : {}),
    })
    .where(and(eq(journeyRuns.workflowId, end.workflowId), eq(journeyRuns.status, 'running')));
}

/**
 * A variant `j.variant` chose, merged into the run's `variants` ({ experiment: variant }). Found by
 * first run id, which stays the same across continue-as-new; a retry writes the same pair again.
 */
export async function recordRunVariant(db: Db, req: { runId: string; experiment: string; variant: string }): Promise<void> {
  await db
    .update(journeyRuns)
    .set({ variants: sql`coalesce(${journeyRuns.variants}, '{}'::jsonb) || jsonb_build_object(${req.experiment}::text, ${req.variant}::text)` })
    .where(eq(journeyRuns.runId, req.runId));
}

/** An end Temporal saw and the run could not record (terminated, timed out…). Only a running row changes. */
export async function closeRun(db: Db, runId: string, status: Exclude<RunState, 'running'>, reason: string): Promise<boolean> {
  const closed = await db
    .update(journeyRuns)
    .set({ status, endReason: reason, endedAt: new Date() })
    .where(and(eq(journeyRuns.runId, runId), eq(journeyRuns.status, 'running')))
    .returning({ runId: journeyRuns.runId });
  return closed.length > 0;
}

export async function runningRunsOf(db: Db, customerId: string): Promise<Array<{ workflowId: string; journey: string }>> {
  return db
    .select({ workflowId: journeyRuns.workflowId, journey: journeyRuns.journey })
    .from(journeyRuns)
    .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.status, 'running')));
}

/**
 * What admission needs to know of a workflow id's past runs: whether one was let in (a run refused
 * at entry does not count), whether one that has ended was started by this trigger already, and
 * whether one exited on an event the customer sent after the trigger (`seq`): the trigger came in
 * that run's lifetime and was its to hear.
 */
export async function pastRunsOf(
  db: Db,
  workflowId: string,
  trigger: { id: string; seq?: number },
): Promise<{ entered: boolean; triggerHandled: boolean; exitedAfterTrigger: boolean }> {
  // The exit's type is in the end reason ("exited: order.placed"); an event of that type, sent after
  // the trigger and stored before the run ended, is what ended it.
  const laterExit =
    trigger.seq === undefined
      ? sql<boolean>`false`
      : // Spelled out: in a one-table select drizzle leaves columns unqualified, and the subquery's
        // own customer_id would shadow the run's.
        sql<boolean>`journey_runs.status = 'exited' and exists (
          select 1 from ${events} x
          where x.customer_id = journey_runs.customer_id and x.type = substring(journey_runs.end_reason from '^exited: (.*)$')
            and x.seq > ${trigger.seq} and x.received_at <= journey_runs.ended_at)`;
  const rows = await db
    .select({ status: journeyRuns.status, triggerEventId: journeyRuns.triggerEventId, laterExit })
    .from(journeyRuns)
    .where(eq(journeyRuns.workflowId, workflowId));
  return {
    entered: rows.some((r) => r.status !== 'refused'),
    triggerHandled: rows.some((r) => r.status !== 'running' && r.triggerEventId === trigger.id),
    exitedAfterTrigger: rows.some((r) => r.laterExit),
  };
}

/**
 * A customer merge (merges/) hands the duplicate's runs to the survivor, and a revert hands back
 * the ones it moved (`only`) that the survivor still holds. Running runs are never moved: the merge
 * refuses a duplicate that has any. Returns the run ids moved.
 */
export async function repointRuns(tx: Tx, from: string, to: string, only?: string[]): Promise<string[]> {
  if (only && !only.length) return [];
  const moved = await tx
    .update(journeyRuns)
    .set({ customerId: to })
    .where(and(eq(journeyRuns.customerId, from), ne(journeyRuns.status, 'running'), only ? inArray(journeyRuns.runId, only) : undefined))
    .returning({ runId: journeyRuns.runId });
  return moved.map((r) => r.runId);
}

/** Which of these workflow ids ever had a run recorded (any status): a campaign does not start them again. */
export async function workflowIdsWithRuns(db: Db, workflowIds: string[]): Promise<Set<string>> {
  if (workflowIds.length === 0) return new Set();
  const rows = await db.selectDistinct({ workflowId: journeyRuns.workflowId }).from(journeyRuns).where(inArray(journeyRuns.workflowId, workflowIds));
  return new Set(rows.map((r) => r.workflowId));
}
