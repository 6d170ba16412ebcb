/**
 * The only code that starts or signals journey runs: `startOrSignal` for a trigger (start the run,
 * or hand the trigger to the one already running under that id), `signalRun` for any other event.
 * Used by the router, `simulate` and the tests; `enrolRun` for a campaign's members.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { CustomerIdAttribute, eventSignal, exitSignal, JourneyAttribute, type JourneyEvent, type JourneyInput, type Profile } from '../workflows/contract';
import type { JourneyWorkflow } from '../workflows/dsl/journey';
import type { JourneyEntry } from '../workflows/dsl/options';
import type { LifecycleDeps } from './deps';
import { signals, temporalCalls } from '../metrics/registry';

export async function startOrSignal(
  deps: Pick<LifecycleDeps, 'client' | 'taskQueue' | 'searchAttributes'>,
  wf: JourneyEntry,
  run: { customerId: string; workflowId: string; key: string | undefined; trigger: JourneyEvent; admittedWith?: Profile },
): Promise<{ workflowId: string; runId: string }> {
  const input: JourneyInput = { v: 1, customerId: run.customerId, key: run.key, trigger: run.trigger, ...(run.admittedWith ? { admittedWith: run.admittedWith } : {}) };
  temporalCalls.inc({ call: 'signalWithStart' });
  const handle = await deps.client.workflow.signalWithStart<JourneyWorkflow, [JourneyEvent]>(wf.name, {
    workflowId: run.workflowId,
    taskQueue: deps.taskQueue,
    args: [input],
    signal: eventSignal,
    signalArgs: [run.trigger],
    // `reentry` is decided by admission against journey_runs, where a refused entry does not count.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    ...(deps.searchAttributes === false
      ? {}
      : {
          typedSearchAttributes: [
            { key: CustomerIdAttribute, value: run.customerId },
            { key: JourneyAttribute, value: wf.options.id },
          ],
        }),
  });
  return { workflowId: run.workflowId, runId: handle.signaledRunId };
}

/** False when no run is there any more (it ended): the event is kept in Postgres all the same. */
export async function signalRun(deps: Pick<LifecycleDeps, 'client'>, workflowId: string, event: JourneyEvent): Promise<boolean> {
  try {
    temporalCalls.inc({ call: 'signal' });
    await deps.client.workflow.getHandle(workflowId).signal(eventSignal, event);
    signals.inc({ outcome: 'delivered' });
    return true;
  } catch (err) {
    signals.inc({ outcome: err instanceof WorkflowNotFoundError ? 'run_ended' : 'failed' });
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Starts a campaign member's run, unless that workflow id ever ran: the id names the campaign (or
 * the occasion, as a birthday's year), so a campaign restarted or widened never enrols anyone twice.
 * 'existed' when it had already.
 */
export async function enrolRun(
  deps: Pick<LifecycleDeps, 'client' | 'taskQueue' | 'searchAttributes'>,
  wf: JourneyEntry,
  run: { customerId: string; workflowId: string; key: string | undefined; trigger: JourneyEvent; holdout?: boolean },
): Promise<'started' | 'existed'> {
  const input: JourneyInput = { v: 1, customerId: run.customerId, key: run.key, trigger: run.trigger, ...(run.holdout ? { holdout: true } : {}) };
  try {
    temporalCalls.inc({ call: 'start' });
    await deps.client.workflow.start<JourneyWorkflow>(wf.name, {
      workflowId: run.workflowId,
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      ...(deps.searchAttributes === false
        ? {}
        : { typedSearchAttributes: [{ key: CustomerIdAttribute, value: run.customerId }, { key: JourneyAttribute, value: wf.options.id }] }),
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'existed';
    throw err;
  }
}

/** Tells a run an operator takes its customer out; false when it has ended already. */
export async function exitRun(deps: Pick<LifecycleDeps, 'client'>, workflowId: string, reason: string): Promise<boolean> {
  try {
    temporalCalls.inc({ call: 'signal' });
    await deps.client.workflow.getHandle(workflowId).signal(exitSignal, { reason });
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
