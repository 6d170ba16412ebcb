/**
 * The signal outbox: `message.<status>` events committed with their report in pending_signals and
 * sent to the run afterwards, here. Several API processes share the work: each claims due rows
 * with FOR UPDATE SKIP LOCKED and leases them by pushing next_attempt_at forward in the same
 * statement, then signals outside any transaction. A run that has ended counts as delivered (the
 * ledger keeps the report); any other failure backs the row off exponentially, one row at a time.
 */
import type { Client } from '@temporalio/client';
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { backoffMs } from '../lib/backoff';
import type { Db } from '../db/client';
import { pendingSignals } from '../db/schema';
import { logger } from '../lib/logger';
import { signalRun } from '../lifecycle/runs';
import type { JourneyEvent } from '../workflows/contract';

export interface DeliverOptions {
  /** Rows claimed per call. */
  batch?: number;
  /** Only these rows (the ones a report just queued); otherwise any due row. */
  ids?: number[];
  /** How long one signal may take before it counts as failed. */
  timeoutMs?: number;
  /** Shutting down: rows not yet tried are handed back at once instead of waiting out their lease. */
  abort?: AbortSignal;
}

export interface Delivered {
  delivered: number;
  failed: number;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 10 * 60_000;

export async function deliverPendingSignals(deps: { db: Db; client: Client }, opts: DeliverOptions = {}): Promise<Delivered> {
  const batch = opts.batch ?? 100;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  // Long enough for the whole batch to time out one by one before another process may take it over.
  const leaseSeconds = (batch * timeoutMs + 30_000) / 1000;
  const due = deps.db
    .select({ id: pendingSignals.id })
    .from(pendingSignals)
    .where(and(lte(pendingSignals.nextAttemptAt, sql`now()`), opts.ids ? inArray(pendingSignals.id, opts.ids) : undefined))
    .orderBy(asc(pendingSignals.nextAttemptAt), asc(pendingSignals.id))
    .limit(batch)
    .for('update', { skipLocked: true });
  const claimed = await deps.db
    .update(pendingSignals)
    .set({ nextAttemptAt: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where(inArray(pendingSignals.id, due))
    .returning();
  claimed.sort((a, b) => a.id - b.id); // in the order the reports were applied

  const result: Delivered = { delivered: 0, failed: 0 };
  for (const [i, row] of claimed.entries()) {
    if (opts.abort?.aborted) {
      const rest = claimed.slice(i).map((r) => r.id);
      await deps.db.update(pendingSignals).set({ nextAttemptAt: sql`now()` }).where(inArray(pendingSignals.id, rest));
      break;
    }
    try {
      await signal(deps.client, row.workflowId, row.payload as unknown as JourneyEvent, timeoutMs);
      await deps.db.delete(pendingSignals).where(eq(pendingSignals.id, row.id));
      result.delivered++;
    } catch (err) {
      result.failed++;
      const attempts = row.attempts + 1;
      const cause = (err as Error).cause as Error | undefined;
      const lastError = [(err as Error).message || String(err), cause?.message].filter(Boolean).join(': ');
      logger.warn({ signal: row.id, workflowId: row.workflowId, attempts, err: lastError }, 'could not signal a run about its message; will retry');
      await deps.db
        .update(pendingSignals)
        .set({ attempts, lastError, nextAttemptAt: sql`now() + make_interval(secs => ${backoffMs(attempts, FIRST_RETRY_MS, MAX_RETRY_MS) / 1000})` })
        .where(eq(pendingSignals.id, row.id))
        .catch((e: unknown) => logger.warn({ signal: row.id, err: (e as Error).message }, 'could not record a failed signal; its lease will expire'));
    }
  }
  return result;
}

/** A run that has ended counts as told: the ledger keeps the report, and nobody is left to hear it. */
async function signal(client: Client, workflowId: string, event: JourneyEvent, timeoutMs: number): Promise<void> {
  await client.withDeadline(Date.now() + timeoutMs, () => signalRun({ client }, workflowId, event));
}
