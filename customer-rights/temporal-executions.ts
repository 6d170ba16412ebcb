/**
 * Step 2 of an erasure: every Temporal execution of the customer is deleted, so no history (inputs,
 * signals, activity results) and no visibility record (the CascadeCustomerId search attribute)
 * names them. The executions are found by the workflow ids Postgres holds for the customer (their
 * runs, their ledger rows, including `api/<key>` messages, and the runs their events were routed
 * to) and by the search attribute; every run of each id is deleted. Deletion is asynchronous in
 * Temporal, so this asks again until visibility has none left, and throws (the job retries) if it
 * still has some after `waitMs`.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Db, Tx } from '../db/client';
import { events, journeyRuns, messages } from '../db/schema';
import { CustomerIdAttribute } from '../workflows/contract';

/** A visibility query's string literal. */
const literal = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

export async function customerWorkflowIds(db: Db | Tx, customerId: string): Promise<string[]> {
  const [runs, sent, routed] = await Promise.all([
    db.selectDistinct({ id: journeyRuns.workflowId }).from(journeyRuns).where(eq(journeyRuns.customerId, customerId)),
    db.selectDistinct({ id: messages.workflowId }).from(messages).where(eq(messages.customerId, customerId)),
    db.selectDistinct({ to: events.routedTo }).from(events).where(and(eq(events.customerId, customerId), isNotNull(events.routedTo))),
  ]);
  return [...new Set([...runs.map((r) => r.id), ...sent.map((r) => r.id), ...routed.flatMap((r) => r.to ?? [])])];
}

type Execution = { workflowId: string; runId: string };

async function listed(client: Client, query: string): Promise<Execution[]> {
  const found: Execution[] = [];
  for await (const w of client.workflow.list({ query })) found.push({ workflowId: w.workflowId, runId: w.runId });
  return found;
}

/** What visibility still shows of the customer, and what a describe still finds by id (visibility may lag behind). */
async function remaining(client: Client, customerId: string, workflowIds: string[], searchAttributes: boolean): Promise<Execution[]> {
  const byAttribute = searchAttributes ? await listed(client, `${CustomerIdAttribute.name} = ${literal(customerId)}`) : [];
  const byId = (await Promise.all(workflowIds.map((id) => listed(client, `WorkflowId = ${literal(id)}`)))).flat();
  const described = await Promise.all(
    workflowIds.map(async (workflowId) => {
      try {
        const d = await client.workflow.getHandle(workflowId).describe();
        return [{ workflowId, runId: d.runId }];
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return [];
        throw err;
      }
    }),
  );
  const all = [...byAttribute, ...byId, ...described.flat()];
  return [...new Map(all.map((e) => [`${e.workflowId}\u0000${e.runId}`, e])).values()];
}

async function deleteExecution(client: Client, e: Execution): Promise<boolean> {
  try {
    await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: e });
    return true;
  } catch (err) {
    // Deleted a moment ago (by an earlier pass, or by another process on a retry).
    if ((err as { code?: number }).code === 5 /* NOT_FOUND */) return false;
    throw err;
  }
}

export async function deleteCustomerExecutions(
  deps: { client: Client; searchAttributes?: boolean },
  customerId: string,
  workflowIds: string[],
  opts: { waitMs?: number } = {},
): Promise<number> {
  const searchAttributes = deps.searchAttributes !== false;
  const deadline = Date.now() + (opts.waitMs ?? 120_000);
  const deleted = new Set<string>();
  for (;;) {
    const left = await remaining(deps.client, customerId, workflowIds, searchAttributes);
    if (!left.length) return deleted.size;
    if (Date.now() > deadline) throw new Error(`Temporal still shows ${left.length} execution(s) of the customer after deleting them`);
    for (const e of left) {
      const key = `${e.workflowId}\u0000${e.runId}`;
      // Asked once: the server takes its time (about 30 s on the dev server) and a repeat does not hurry it.
      if (!deleted.has(key) && (await deleteExecution(deps.client, e))) deleted.add(key);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
