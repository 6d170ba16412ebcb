/**
 * What one event does to runs, under the customer's routing lock (routing/route-event.ts holds it,
 * reads the runs' facts and records the outcome): it signals the customer's running runs whose
 * journeys listen to its type, and starts (or signals-with-start) each journey it triggers that
 * admits the customer. A run an admitted trigger reaches gets the event with its start, not twice.
 */
import type { Db } from '../db/client';
import type { EventRow } from '../db/queries/events';
import type { RoutedRun, RunFacts } from '../db/queries/runs';
import { slimEvent } from '../workflows/contract';
import { listensTo, type JourneyEntry } from '../workflows/dsl/options';
import { journeyById } from '../workflows/registry';
import { admit, type Admission } from './admission';
import type { LifecycleDeps } from './deps';
import { signalRun, startOrSignal } from './runs';
import type { Trigger, TriggerCheck } from './trigger';

export interface ReachedRuns {
  /** Every run the event reached, started or signalled. */
  workflows: string[];
  /** The runs it started, and the entries the operator's settings refused, for the routed mark's statement to record. */
  started: RoutedRun[];
  skipped: Array<{ journey: string; reason: string }>;
}

/** `triggers`: the event's, all valid (triggersOf, checked by the caller). `facts`: read under the lock, with nothing routed since. */
export async function reachRuns(deps: LifecycleDeps, tx: Db, row: EventRow, triggers: Trigger[], facts: RunFacts): Promise<ReachedRuns> {
  const { customerId } = row;
  const event = slimEvent(row);
  const admitted: Array<{ wf: JourneyEntry } & Extract<TriggerCheck, { ok: true }> & Extract<Admission, { admitted: true }>> = [];
  const skipped: ReachedRuns['skipped'] = [];
  const refused: RoutedRun[] = [];
  for (const { wf, check } of triggers) {
    if (!check.ok) continue;
    const admission = await admit(deps, tx, wf, { customerId, trigger: event, past: facts.past.filter((p) => p.workflowId === check.workflowId) });
    if (admission.admitted) admitted.push({ wf, ...check, ...admission });
    else skipped.push({ journey: wf.options.id, reason: admission.reason });
    if (!admission.admitted && admission.recorded) {
      refused.push({ runId: `${check.workflowId}/refused/${row.id}`, workflowId: check.workflowId, journey: wf.options.id, customerId, triggerEventId: row.id, refused: admission.reason });
    }
  }
  const starting = new Set(admitted.map((a) => a.workflowId));
  const signalled: string[] = [];
  for (const run of facts.running) {
    const wf = journeyById(run.journey);
    if (starting.has(run.workflowId) || !wf || !listensTo(wf.options, row.type)) continue;
    if (await signalRun(deps, run.workflowId, event)) signalled.push(run.workflowId);
  }
  const started: RoutedRun[] = [...refused];
  for (const { wf, workflowId, key, profile, holdout } of admitted) {
    const { runId } = await startOrSignal(deps, wf, { customerId, workflowId, key, trigger: event, ...(profile ? { admittedWith: profile } : {}) });
    started.push({ runId, workflowId, journey: wf.options.id, customerId, triggerEventId: row.id, holdout });
  }
  return { workflows: [...started.flatMap((r) => (r.refused ? [] : [r.workflowId])), ...signalled], started, skipped };
}
