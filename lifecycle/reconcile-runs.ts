/**
 * Runs can end outside their own code: terminated by ops, timed out, cancelled, or failed by a
 * worker that could not record it. Such a run's row would say "running" for ever and keep
 * receiving events. The reconciler asks Temporal about rows running for a while and records the
 * end it finds (db/queries/runs.ts `closeRun`). Run by the API process on a timer.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, asc, eq, gt, lt } from 'drizzle-orm';
import { closeRun } from '../db/queries/runs';
import { endingRuns } from '../events-out/runs';
import { journeyRuns, type RunState } from '../db/schema';
import { every, type Job } from '../lib/every';
import { logger } from '../lib/logger';
import { runsEnded } from '../metrics/registry';
import type { LifecycleDeps } from './deps';

const ENDED: Record<string, Exclude<RunState, 'running'>> = {
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CANCELLED: 'cancelled',
  FAILED: 'failed',
  COMPLETED: 'completed',
};

/** A pass asks about runs running for a minute, 200 at a time. */
const PASS = { olderThanMs: 60_000, batch: 200 };

/**
 * One pass: the next `batch` rows running for `olderThanMs`, after the run id `after` (in run id
 * order). `next` is where the following pass goes on from, undefined once it has come to the end:
 * passes go round all running rows, however many sleep, at `batch` Temporal calls a pass.
 */
export async function reconcileRuns(
  deps: Pick<LifecycleDeps, 'db' | 'client'>,
  opts: { olderThanMs: number; batch: number; after?: string } = PASS,
): Promise<{ closed: number; next: string | undefined }> {
  const rows = await deps.db
    .select({ runId: journeyRuns.runId, workflowId: journeyRuns.workflowId })
    .from(journeyRuns)
    .where(
      and(
        eq(journeyRuns.status, 'running'),
        lt(journeyRuns.startedAt, new Date(Date.now() - opts.olderThanMs)),
        opts.after === undefined ? undefined : gt(journeyRuns.runId, opts.after),
      ),
    )
    .orderBy(asc(journeyRuns.runId))
    .limit(opts.batch);
  let closed = 0;
  for (const row of rows) {
    try {
      const end = await endOf(deps, row);
      if (end && (await endingRuns(deps.db, (on) => closeRun(on, row.runId, end.status, end.reason))).length) {
        closed++;
        runsEnded.inc({ reason: end.status });
        logger.info({ workflowId: row.workflowId, status: end.status }, 'recorded a run that ended outside the journey');
      }
    } catch (err) {
      logger.warn({ err, workflowId: row.workflowId }, 'could not reconcile a run; will retry');
    }
  }
  return { closed, next: rows.length < opts.batch ? undefined : rows.at(-1)!.runId };
}

async function endOf(
  deps: Pick<LifecycleDeps, 'client'>,
  row: { runId: string; workflowId: string },
): Promise<{ status: Exclude<RunState, 'running'>; reason: string } | undefined> {
  let description;
  try {
    description = await deps.client.workflow.getHandle(row.workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'terminated', reason: 'gone from Temporal (retention passed)' };
    throw err;
  }
  const firstRunId = description.raw.workflowExecutionInfo?.firstRunId;
  const sameChain = !firstRunId || firstRunId === row.runId;
  if (description.status.name === 'RUNNING' && sameChain) return undefined;
  if (!sameChain) return { status: 'terminated', reason: 'closed outside the journey (a newer run has this id)' };
  const status = ENDED[description.status.name];
  if (!status) return undefined; // CONTINUED_AS_NEW between two reads: the next pass sees the new run
  return { status, reason: `${description.status.name.toLowerCase().replace('_', ' ')} outside the journey` };
}

export function startRunReconciler(deps: Pick<LifecycleDeps, 'db' | 'client'>, everyMs = 60_000): Job {
  let after: string | undefined;
  return every(everyMs, 'run reconciler', async () => {
    ({ next: after } = await reconcileRuns(deps, { ...PASS, ...(after === undefined ? {} : { after }) }));
  });
}
