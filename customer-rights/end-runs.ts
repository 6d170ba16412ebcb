/**
 * Step 1 of an erasure: the customer's running runs are told to end (`exited: operator: erased`,
 * recorded by the run itself), and Temporal is asked until they have closed, so the last thing a run
 * writes lands before its rows are anonymised. A run that will not close in time is deleted anyway
 * (step 2 terminates it); its row is then recorded as exited by the anonymisation.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { exitRun } from '../lifecycle/runs';
import { liveRunsOf } from '../merges/live-runs';

export const ERASED_REASON = 'erased';

export async function endRunningRuns(deps: { db: Db; client: Client }, customerId: string, opts: { waitMs?: number } = {}): Promise<number> {
  const live = await deps.db.transaction((tx) => liveRunsOf(tx, deps.client, customerId));
  for (const workflowId of live) await exitRun(deps, workflowId, ERASED_REASON);
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  let open = live;
  while (open.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    open = (await Promise.all(open.map(async (id) => ((await isRunning(deps.client, id)) ? id : undefined)))).filter((id): id is string => id !== undefined);
  }
  return live.length;
}

async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
