/** A run's own bookkeeping: its journey_runs row (db/queries/runs.ts) and its failed sends. */
import { Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { inCustomerRoutingTransaction } from '../db/queries/customer-lock';
import { storedEventsSince, type StoredEventsQuery } from '../db/queries/events';
import { recordRunEnd, recordRunStart, recordRunVariant } from '../db/queries/runs';
import { messages } from '../db/schema';
import { endingRuns, runStartedOut } from '../events-out/runs';
import type { JourneyEvent, RunEnd, RunRecord } from '../workflows/contract';
import { countMessage, runsEnded, runsStarted } from '../metrics/registry';

/**
 * Two systems' clocks, or two requests sent together, can put the order for a cart a moment before
 * the cart change that starts its run: an event naming the run's key this close before the
 * trigger still counts.
 */
const SAME_MOMENT_MS = 60_000;

/**
 * What a new run asks of the events stored before it (none, when it listens to nothing): those of
 * the types it listens to since its trigger, and for a keyed run those naming its key since a
 * moment before.
 */
export function storedForRun(run: RunRecord): StoredEventsQuery | undefined {
  if (!run.triggerOccurredAt || !run.listens) return undefined;
  const since = new Date(run.triggerOccurredAt);
  return {
    customerId: run.customerId,
    workflowId: run.workflowId,
    types: run.listens,
    since,
    ...(run.key ? { keyed: { ...run.key, since: new Date(since.getTime() - SAME_MOMENT_MS) } } : {}),
    ...(run.triggerEventId ? { excludeId: run.triggerEventId } : {}),
  };
}

/**
 * The events a new run listens to that were routed since its trigger, so an event routed while
 * this run was starting reaches it either by signal (the router saw its row) or here (this read saw
 * the event). A run the router started was recorded by the router in the transaction that routed
 * the trigger, so every event routed after that signals it, and the read needs no lock. Any other
 * run (a campaign's, a retry of this activity) reads under the customer's routing lock, which waits
 * out a routing that began before its row was there. Events stored but not yet routed are left to
 * the router, which signals them in the customer's order once the row is there: read here too, a
 * later trigger would find this run already ended by an exit it had not reached yet, and start another.
 */
export async function routedForRun(db: Db, query: StoredEventsQuery | undefined, existed: boolean): Promise<JourneyEvent[]> {
  if (!query) return [];
  if (recordedByRouter(existed)) return storedEventsSince(db, query);
  return inCustomerRoutingTransaction(db, query.customerId, (tx) => storedEventsSince(tx, query));
}

/** On a first attempt, a row already there is the router's; on a retry it may be this run's own. */
export const recordedByRouter = (existed: boolean) => existed && Context.current().info.attempt === 1;

export function createRunActivities(db: Db) {
  return {
    async recordRunStart(run: RunRecord): Promise<JourneyEvent[]> {
      const { existed } = await recordRunStart(db, run, await runStartedOut(db, run));
      runsStarted.inc({ journey: run.journey });
      return routedForRun(db, storedForRun(run), existed);
    },

    async recordRunEnd(end: RunEnd): Promise<void> {
      await endingRuns(db, (on) => recordRunEnd(on, end));
      runsEnded.inc({ reason: end.status });
    },

    async recordRunVariant(req: { workflowId: string; runId: string; experiment: string; variant: string }): Promise<void> {
      await recordRunVariant(db, req);
    },

    /** A send whose retries ran out: the ledger says failed (a pending row counts against caps). */
    async markSendFailed(req: { idempotencyKey: string; error: string }): Promise<void> {
      const failed = await db
        .update(messages)
        .set({ status: 'failed', error: req.error.slice(0, 2000), updatedAt: new Date() })
        .where(and(eq(messages.idempotencyKey, req.idempotencyKey), eq(messages.status, 'pending')))
        .returning({ channel: messages.channel, journey: messages.journey });
      for (const m of failed) countMessage(m, 'failed');
    },
  };
}
