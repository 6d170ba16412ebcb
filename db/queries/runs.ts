/**
 * The one writer of `journey_runs`. The router records a run it starts (`recordRoutedRuns`); a run
 * writes its own row through its activities (start, end with reason and conversion); the
 * reconciler records the ends that happen outside a run
 * (terminated, timed out, cancelled) through `closeRun`. At most one row per workflow id is
 * running (a partial unique index); ends and conversions are found by workflow id.
 */
import { and, eq, inArray, ne, sql, type SQL, type WithSubquery } from 'drizzle-orm';
import type { Channel, JourneyEvent, Profile, RunEnd, RunRecord } from '../../workflows/contract';
import type { Db, Tx } from '../client';
import { isConstraintViolation } from '../errors';
import { customers, events, journeyRuns, type RunState } from '../schema';
import { storedEventsSinceJson, type StoredEventsQuery } from './events';
import { profileFields, toProfile } from './profile';

/** What the router knows of a run it started, written with the trigger's routed mark (routing/route-event.ts). */
/** `refused`: an entry the operator's settings refused (journey-controls/entry.ts), recorded as a run that ended at once. */
export type RoutedRun = Pick<RunRecord, 'runId' | 'workflowId' | 'journey' | 'customerId' | 'triggerEventId' | 'holdout'> & { refused?: string };

/**
 * The router records each run it starts, in the transaction that routes the trigger, under the
 * customer's routing lock: every event routed after it finds the run. Returned as a statement to
 * run as a CTE of the routed mark's update, so the two cost one round trip. A conflict means the
 * signal-with-start reached a run already recorded (or a stale row, which the run itself closes).
 */
export function recordRoutedRuns(tx: Db, runs: RoutedRun[]) {
  return tx
    .insert(journeyRuns)
    .values(
      runs.map(({ refused, ...run }) => ({
        ...run,
        triggerEventId: run.triggerEventId ?? null,
        holdout: run.holdout ?? false,
        ...(refused ? { status: 'refused' as const, endedAt: sql`now()`, endReason: refused } : { status: 'running' as const }),
      })),
    )
    .onConflictDoNothing()
    .returning({ runId: journeyRuns.runId });
}

/**
 * A run records itself as running, in its own words (the router's row, when there is one, takes
 * them). Returns whether the row was there already. `also`: a CTE written by the same statement
 * (the run.started event for webhook subscribers, events-out/runs.ts).
 */
export async function recordRunStart(db: Db, run: RunRecord, also?: WithSubquery): Promise<{ existed: boolean }> {
  return closingStaleRun(db, run, async () => {
    const [row] = await runStartUpsert(also ? db.with(also) : db, run);
    return { existed: !row?.inserted };
  });
}

/**
 * `recordRunStart` with what a run's start reads, in one statement (activities/begin-run.ts): the
 * customer's profile (undefined when there is no such customer), and the events `stored` describes.
 * `seen`: the row was there in the statement's snapshot, so the transaction that wrote it (the
 * router's, which routed the trigger) had committed before this statement began, and with it every
 * event routed before the trigger. When the upsert instead waited for that commit, the reads are
 * older than it, and `seen` is false.
 */
export async function beginRunRecord(
  db: Db,
  run: RunRecord,
  reachable: SQL<Channel[]>,
  stored: StoredEventsQuery | undefined,
  also?: WithSubquery,
): Promise<{ existed: boolean; seen: boolean; profile: Profile | undefined; stored: JourneyEvent[] }> {
  return closingStaleRun(db, run, async () => {
    const rec = db.$with('rec').as(runStartUpsert(db, run));
    const [row] = await db
      .with(rec, ...(also ? [also] : []))
      .select({
        inserted: rec.inserted,
        seen: sql<boolean>`exists (select 1 from ${journeyRuns} where ${journeyRuns.runId} = ${run.runId})`,
        stored: stored ? storedEventsSinceJson(stored) : sql<JourneyEvent[]>`'[]'::json`,
        ...profileFields(run.customerId, reachable),
      })
      .from(rec)
      .leftJoin(customers, eq(customers.id, run.customerId));
    return { existed: !row!.inserted, seen: row!.seen, profile: row!.customer ? toProfile({ ...row!, customer: row!.customer }) : undefined, stored: row!.stored };
  });
}

function runStartUpsert(db: Pick<Db, 'insert'>, run: RunRecord) {
  const own = {
    triggerEventId: run.triggerEventId ?? null,
    campaignId: run.campaignId ?? null,
    holdout: run.holdout ?? false,
    ...(run.startedAt ? { startedAt: new Date(run.startedAt) } : {}),
  };
  return (
    db
      .insert(journeyRuns)
      .values({ runId: run.runId, workflowId: run.workflowId, journey: run.journey, customerId: run.customerId, status: 'running', ...own })
      .onConflictDoUpdate({ target: journeyRuns.runId, set: own })
      // Postgres's own word for "this row was inserted, not updated".
      .returning({ inserted: sql<boolean>`xmax = 0`.as('inserted') })
  );
}

/**
 * A running row left by an execution that closed unseen is closed first. Temporal runs one
 * execution per workflow id at a time: a running row of another first run id is stale.
 */
async function closingStaleRun<T extends { existed: boolean }>(db: Db, run: RunRecord, record: () => Promise<T>): Promise<T> {
  try {
    return await record();
  } catch (err) {
    if (!isConstraintViolation(err, 'journey_runs_one_running_idx')) throw err;
    await db
      .update(journeyRuns)
      .set({ status: 'terminated', endedAt: new Date(), endReason: 'closed outside the journey (seen when the next run started)' })
      .where(and(eq(journeyRuns.workflowId, run.workflowId), eq(journeyRuns.status, 'running'), ne(journeyRuns.runId, run.runId)));
    return { ...(await record()), existed: false };
  }
}

/** A run's row as it ended: what run.ended and conversion say of it (events-out/). */
const endedRun = {
  runId: journeyRuns.runId,
  workflowId: journeyRuns.workflowId,
  journey: journeyRuns.journey,
  customerId: journeyRuns.customerId,
  status: journeyRuns.status,
  endReason: journeyRuns.endReason,
  endedAt: journeyRuns.endedAt,
  convertedAt: journeyRuns.convertedAt,
  conversionEventId: journeyRuns.conversionEventId,
};

export type EndedRun = { [K in keyof typeof endedRun]: (typeof journeyRuns.$inferSelect)[K] };

/** The run's end in its own words; the row it ended (none when it was not running). */
export async function recordRunEnd(db: Db, end: RunEnd): Promise<EndedRun[]> {
  return db
    .update(journeyRuns)
      .set({
        status: end.status,
        endReason: end.reason,
        // The database's clock, as events' received_at (admission compares the two).
        endedAt: sql`now()`,
        ...(end.conversion ? { convertedAt: new Date(end.conversion.at), conversionEventId: end.conversion.eventId } : {}),
      })
    .where(and(eq(journeyRuns.workflowId, end.workflowId), eq(journeyRuns.status, 'running')))
    .returning(endedRun);
}

/**
 * A variant `j.variant` chose, merged into the run's `variants` ({ experiment: variant }). Found by
 * first run id, which stays the same across continue-as-new; a retry writes the same pair again.
 */
export async function recordRunVariant(db: Db, req: { runId: string; experiment: string; variant: string }): Promise<void> {
  await runVariantsUpdate(db, req.runId, { [req.experiment]: req.variant });
}

/** Merges variants into the run's `variants`: a statement of its own, or a CTE of the send's ledger insert. */
export function runVariantsUpdate(db: Db, runId: string, variants: Record<string, string>) {
  return db
    .update(journeyRuns)
    .set({ variants: sql`coalesce(${journeyRuns.variants}, '{}'::jsonb) || ${JSON.stringify(variants)}::jsonb` })
    .where(eq(journeyRuns.runId, runId))
    .returning({ runId: journeyRuns.runId });
}

/** An end Temporal saw and the run could not record (terminated, timed out…). Only a running row changes. */
export async function closeRun(db: Db, runId: string, status: Exclude<RunState, 'running'>, reason: string): Promise<EndedRun[]> {
  return db
    .update(journeyRuns)
    .set({ status, endReason: reason, endedAt: new Date() })
    .where(and(eq(journeyRuns.runId, runId), eq(journeyRuns.status, 'running')))
    .returning(endedRun);
}

export async function runningRunsOf(db: Db, customerId: string): Promise<RunningRun[]> {
  return db
    .select({ workflowId: journeyRuns.workflowId, journey: journeyRuns.journey })
    .from(journeyRuns)
    .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.status, 'running')));
}

export type RunningRun = { workflowId: string; journey: string };

/** The same rows as `runningRunsOf`, as a json array to read inside another statement. */
function runningRunsJson(customerId: string): SQL<RunningRun[]> {
  return sql<RunningRun[]>`(select coalesce(json_agg(json_build_object('workflowId', r.workflow_id, 'journey', r.journey)), '[]'::json)
    from ${journeyRuns} r where r.customer_id = ${customerId} and r.status = 'running')`;
}

/** A past run of a workflow id, as admission weighs it (lifecycle/admission.ts). */
export type PastRun = { workflowId: string; status: RunState; triggerEventId: string | null; laterExit: boolean };

/**
 * The past runs of these workflow ids, as a json array to read inside another statement (the
 * router reads them with the events it routes). `laterExit`: the run exited on an event the
 * customer sent after the trigger (`seq`), so the trigger came in that run's lifetime and was its
 * to hear. The exit's type is in the end reason ("exited: order.placed"); an event of that type,
 * sent after the trigger and stored before the run ended, is what ended it.
 */
function pastRunsJson(workflowIds: string[], triggerSeq: number): SQL<PastRun[]> {
  return sql<PastRun[]>`(select coalesce(json_agg(json_build_object(
      'workflowId', r.workflow_id, 'status', r.status, 'triggerEventId', r.trigger_event_id, 'laterExit', r.status = 'exited' and exists (
          select 1 from ${events} x
          where x.customer_id = r.customer_id and x.type = substring(r.end_reason from '^exited: (.*)$')
            and x.seq > ${triggerSeq} and x.received_at <= r.ended_at))), '[]'::json)
    from ${journeyRuns} r where r.workflow_id in ${workflowIds.length ? sql`(${sql.join(workflowIds.map((id) => sql`${id}`), sql`, `)})` : sql`(null)`})`;
}

/** What routing an event asks of the runs: its triggers' past runs, and (when it has listeners) the customer's running runs. */
export type RunFacts = { past: PastRun[]; running: RunningRun[] };

/** The same facts as `runFactsSql`, in a statement of their own. */
export async function runFactsOf(db: Db, event: { customerId: string; seq: number }, workflowIds: string[], listened: boolean): Promise<RunFacts> {
  const { past, running } = runFactsSql(event, workflowIds, listened);
  const [row] = await db.execute<RunFacts>(sql`select ${past} as past, ${running} as running`);
  return row!;
}

/** The columns `past` and `running`, to select with the event being routed. */
export function runFactsSql(event: { customerId: string; seq: number }, workflowIds: string[], listened: boolean) {
  return {
    past: pastRunsJson(workflowIds, event.seq),
    running: listened ? runningRunsJson(event.customerId) : sql<RunningRun[]>`'[]'::json`,
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
