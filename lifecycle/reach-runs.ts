/**
 * What one event does to runs, under the customer's routing lock (routing/route-event.ts holds it
 * and records the outcome): it starts (or signals-with-start) each journey it triggers that admits
 * the customer, and signals the customer's running runs whose journeys listen to its type.
 */
import type { Db } from '../db/client';
import { toJourneyEvent, type EventRow } from '../db/queries/events';
import { judgePastRuns, runningRunsOf, type PastRun, type RoutedRun, type RunningRun } from '../db/queries/runs';
import { inJourneyHoldout, listensTo } from '../workflows/dsl/options';
import { anyJourneyListensTo, journeyById } from '../workflows/registry';
import { admit } from './admission';
import type { LifecycleDeps } from './deps';
import { signalRun, startOrSignal } from './runs';
import type { Trigger } from './trigger';

/** The runs and past runs read with the event, while they still hold (nothing routed before it). */
export type ReadAhead = { past: PastRun[]; running: RunningRun[] | undefined };

export interface ReachedRuns {
  /** Every run the event reached, started or signalled. */
  workflows: string[];
  /** The runs it started, for the routed mark's statement to record. */
  started: RoutedRun[];
  skipped: Array<{ journey: string; reason: string }>;
}

/** `triggers`: the event's, all valid (triggersOf, checked by the caller). */
export async function reachRuns(deps: LifecycleDeps, tx: Db, row: EventRow, triggers: Trigger[], ahead?: ReadAhead): Promise<ReachedRuns> {
  const event = toJourneyEvent(row);
  const reached: ReachedRuns = { workflows: [], started: [], skipped: [] };
  for (const { wf, check } of triggers) {
    if (!check.ok) continue;
    const run = { customerId: row.customerId, workflowId: check.workflowId, key: check.key, trigger: event };
    const past = ahead ? judgePastRuns(ahead.past.filter((p) => p.workflowId === check.workflowId), row.id) : undefined;
    const admission = await admit(deps, tx, wf, { ...run, seq: row.seq, ...(past ? { past } : {}) });
    if (!admission.admitted) {
      reached.skipped.push({ journey: wf.options.id, reason: admission.reason });
      continue;
    }
    const { runId, workflowId } = await startOrSignal(deps, wf, { ...run, ...(admission.profile ? { admittedWith: admission.profile } : {}) });
    reached.started.push({ runId, workflowId, journey: wf.options.id, customerId: row.customerId, triggerEventId: row.id, holdout: inJourneyHoldout(wf.options, row.customerId) });
    reached.workflows.push(workflowId);
  }
  const listeners = anyJourneyListensTo(row.type) ? (ahead?.running ?? (await runningRunsOf(tx, row.customerId))) : [];
  for (const run of listeners) {
    if (reached.workflows.includes(run.workflowId)) continue;
    const wf = journeyById(run.journey);
    if (!wf || !listensTo(wf.options, row.type)) continue;
    if (await signalRun(deps, run.workflowId, event)) reached.workflows.push(run.workflowId);
  }
  return reached;
}
