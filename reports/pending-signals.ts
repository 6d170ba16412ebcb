/**
 * The signal outbox: `message.<status>` events committed with their report in pending_signals and
 * sent to the run afterwards, here, as an outbox (outbox/: the claim and lease that let several API
 * processes share the work, the lanes, the backoff). A customer is a lane, as for events: a
 * customer's signals reach runs in the order their reports were applied. A run that has ended counts
 * as told (the ledger keeps the report); any other failure puts the row and its lane's later ones off.
 */
import type { Client } from '@temporalio/client';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { pendingSignals } from '../db/schema';
import { logger } from '../lib/logger';
import { signalRun } from '../lifecycle/runs';
import { claimDue, retryAtSql, type OutboxTable } from '../outbox/claim';
import { drainOnce, type Outbox } from '../outbox/drain';
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

/** A signal waits at most ten minutes between tries: the run hears of its message late, never not. */
const MAX_RETRY_MS = 10 * 60_000;
/** Lanes at once: a report's signal is one short call. */
const PARALLEL = 8;

type SignalRow = typeof pendingSignals.$inferSelect;

/** A row's lane: its customer (the run's workflow id on rows queued before the customer was kept). */
const lane = sql`coalesce(${pendingSignals.customerId}, ${pendingSignals.workflowId})`;
/** Advisory lock class of a lane being claimed (db/queries/customer-lock.ts has routing's). */
const SIGNAL_LANES = 7_235;

/** The row has an earlier one of its lane leased or backing off (other than `mine`): it must wait for it. */
const behindHeld = (mine: number[] = []) =>
  sql`exists (select 1 from ${pendingSignals} as earlier where coalesce(earlier.customer_id, earlier.workflow_id) = ${lane} and earlier.id < ${pendingSignals.id} and earlier.next_attempt_at > now()${
    mine.length ? sql` and earlier.id not in (${sql.join(mine.map((id) => sql`${id}`), sql`, `)})` : sql``
  })`;

const signalsTable: OutboxTable<typeof pendingSignals> = {
  table: pendingSignals,
  id: pendingSignals.id,
  due: pendingSignals.nextAttemptAt,
  order: [pendingSignals.id],
  // A row waits while an earlier one of its lane is leased elsewhere or backing off, and a lane
  // another process is claiming right now is left to it (its lock is held until its lease is
  // written): two processes never deliver one customer's signals out of order.
  owed: sql`not ${behindHeld()} and pg_try_advisory_xact_lock(${SIGNAL_LANES}, hashtext(${lane}))`,
};

function signalsOutbox(deps: { db: Db; client: Client }, opts: Required<Pick<DeliverOptions, 'batch' | 'timeoutMs'>> & Pick<DeliverOptions, 'ids'>): Outbox<SignalRow> {
  // Long enough for the whole batch to time out one by one before another process may take it over.
  const leaseMs = opts.batch * opts.timeoutMs + 30_000;
  return {
    name: 'report signals',
    async claim(limit) {
      const claimed = await claimDue(deps.db, signalsTable, { limit, leaseMs, ...(opts.ids ? { only: inArray(pendingSignals.id, opts.ids) } : {}) });
      const behind = new Set(await handBackBehind(deps.db, claimed));
      return claimed.filter((r) => !behind.has(r.id)).sort((a, b) => a.id - b.id);
    },
    laneOf: (row) => row.customerId ?? row.workflowId,
    async handle(row) {
      await deps.client.withDeadline(Date.now() + opts.timeoutMs, () => signalRun(deps, row.workflowId, row.payload as unknown as JourneyEvent));
      await deps.db.delete(pendingSignals).where(eq(pendingSignals.id, row.id));
    },
    async retryLater(rows, err) {
      const cause = (err as Error).cause as Error | undefined;
      const lastError = [(err as Error).message || String(err), cause?.message].filter(Boolean).join(': ').slice(0, 2000);
      await deps.db
        .update(pendingSignals)
        .set({ attempts: sql`${pendingSignals.attempts} + 1`, lastError, nextAttemptAt: retryAtSql(pendingSignals.attempts, MAX_RETRY_MS) })
        .where(inArray(pendingSignals.id, rows.map((r) => r.id)));
      logger.warn({ signals: rows.length, err: lastError }, 'could not signal runs about their messages; will retry');
    },
    async release(rows) {
      await deps.db.update(pendingSignals).set({ nextAttemptAt: sql`now()` }).where(inArray(pendingSignals.id, rows.map((r) => r.id)));
    },
  };
}

/**
 * The claim's statement reads the table as it was when the statement began. Another process's claim
 * that committed meanwhile releases the lane's lock, and its lease is not visible yet, so the lane
 * looks free. Asked again once the claim has committed: rows with an earlier row of their lane leased
 * elsewhere (or backing off) are handed back, due now but held by `owed` until that row is done.
 * Returns their ids. A statement only when something was claimed.
 */
async function handBackBehind(db: Db, claimed: SignalRow[]): Promise<number[]> {
  if (!claimed.length) return [];
  const mine = claimed.map((r) => r.id);
  const handedBack = await db
    .update(pendingSignals)
    .set({ nextAttemptAt: sql`now()` })
    .where(and(inArray(pendingSignals.id, mine), behindHeld(mine)))
    .returning({ id: pendingSignals.id });
  return handedBack.map((r) => r.id);
}

export async function deliverPendingSignals(deps: { db: Db; client: Client }, opts: DeliverOptions = {}): Promise<Delivered> {
  const batch = opts.batch ?? 100;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const { done, retrying } = await drainOnce(signalsOutbox(deps, { batch, timeoutMs, ids: opts.ids }), { batch, parallel: PARALLEL, deadlineMs: timeoutMs }, opts.abort);
  return { delivered: done, failed: retrying };
}
