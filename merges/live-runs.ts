/**
 * The duplicate's runs that are still going, asked of Temporal: a run writes its journey_runs row
 * from its own first activity, a moment after the router started it, so the table alone can miss a
 * run that has just begun. Every run an event started is named in that event's `routed_to` (the
 * router commits it under the customer's routing lock, which the merge holds), so the recorded
 * running rows and the routed workflow ids together are every candidate; Temporal says which run.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { runningRunsOf } from '../db/queries/runs';
import { events } from '../db/schema';

export async function liveRunsOf(tx: Tx, client: Client, customerId: string): Promise<string[]> {
  const recorded = (await runningRunsOf(tx, customerId)).map((r) => r.workflowId);
  const routed = await tx
    .selectDistinct({ to: events.routedTo })
    .from(events)
    .where(and(eq(events.customerId, customerId), isNotNull(events.routedTo)));
  const candidates = [...new Set([...recorded, ...routed.flatMap((r) => r.to ?? [])])];
  const live: string[] = [];
  for (const workflowId of candidates) {
    try {
      const { status } = await client.workflow.getHandle(workflowId).describe();
      if (status.name === 'RUNNING') live.push(workflowId);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return live;
}
