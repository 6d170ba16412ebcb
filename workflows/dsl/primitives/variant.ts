/**
 * `j.variant`: the customer's variant of an A/B experiment, a hash of journey, experiment and
 * customer (workflows/bucket.ts), recorded on the run's row once per experiment, by the run's next
 * write (run-state.ts, `recordVariants`).
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { pickVariant, stablePoint, variantsProblem } from '../../bucket';
import { dataActivities, localDataActivities } from '../activities';
import type { RunState } from '../run-state';

export async function variant<V extends string>(run: RunState, experiment: string, choices: readonly V[] | Readonly<Record<V, number>>): Promise<V> {
  const { options, variants, info } = run;
  const problem = variantsProblem(experiment, choices);
  if (problem) throw ApplicationFailure.nonRetryable(`Journey ${options.id}: ${problem}`);
  // No memo slot: the answer is a pure function of its inputs, and a body that gains a variant
  // call must still line up with the memo of a run continued before the change.
  const chosen = pickVariant(choices, stablePoint(options.id, experiment, run.input.customerId));
  if (variants[experiment] === chosen) return chosen;
  variants[experiment] = chosen;
  // Written by the run's next write: its next send's ledger row, or before its next wait or its end.
  if (patched('variant-rides-on-next-write')) {
    run.unrecordedVariants.add(experiment);
    return chosen;
  }
  // Histories from before experiments have no such activity call where the body now makes one.
  if (patched('variant-recorded')) {
    const req = { workflowId: info.workflowId, runId: info.firstExecutionRunId, experiment, variant: chosen };
    await (patched('local-variant-record') ? localDataActivities.recordRunVariant(req) : dataActivities.recordRunVariant(req));
  }
  return chosen;
}
