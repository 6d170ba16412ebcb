/**
 * Routes the events a crash or an outage left unrouted. Several API processes share the work: each
 * claims a batch with `FOR UPDATE SKIP LOCKED` and leases it, then routes every row in its own try.
 * A retryable failure puts the row back with backoff; a permanent one dead-letters it. No row can
 * stall the others.
 */
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { EventRow } from '../db/queries/events';
import { events } from '../db/schema';
import type { LifecycleDeps } from '../lifecycle/deps';
import { every, type Job } from '../lib/every';
import { logger } from '../lib/logger';
import { routingRetries } from '../metrics/registry';
import { routeEvent } from './route-event';

export interface SweepOptions {
  /** Leave fresh events to the request that stored them. */
  olderThanMs: number;
  batch: number;
  /** How long a claimed row is left to this process before another may take it. */
  leaseMs: number;
}

export const DEFAULT_SWEEP: SweepOptions = { olderThanMs: 5_000, batch: 100, leaseMs: 5 * 60_000 };

export async function sweepUnrouted(
  deps: LifecycleDeps,
  opts: SweepOptions = DEFAULT_SWEEP,
): Promise<{ routed: number; retrying: number; deadLettered: number }> {
  const now = new Date();
  const due = deps.db
    .select({ id: events.id })
    .from(events)
    .where(
      and(
        isNull(events.routedAt),
        isNull(events.deadLetteredAt),
        lte(events.receivedAt, new Date(now.getTime() - opts.olderThanMs)),
        or(isNull(events.nextRoutingAt), lte(events.nextRoutingAt, now)),
      ),
    )
    .orderBy(asc(events.receivedAt))
    .limit(opts.batch)
    .for('update', { skipLocked: true });
  const claimed: EventRow[] = await deps.db
    .update(events)
    .set({ nextRoutingAt: new Date(now.getTime() + opts.leaseMs) })
    .where(inArray(events.id, due))
    .returning();
  claimed.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.id.localeCompare(b.id));

  const tally = { routed: 0, retrying: 0, deadLettered: 0 };
  for (const row of claimed) {
    try {
      const result = await routeEvent(deps, row);
      if (result.status === 'routed') tally.routed++;
      else tally.deadLettered++;
    } catch (err) {
      tally.retrying++;
      await recordRetryableFailure(deps, row, err).catch((e: unknown) => logger.warn({ err: e }, 'could not record a routing failure'));
    }
  }
  return tally;
}

/** After a retryable failure: count the try and wait before the next, 5 s doubling up to 10 minutes. */
export async function recordRetryableFailure(deps: Pick<LifecycleDeps, 'db'>, row: Pick<EventRow, 'id'>, err: unknown): Promise<void> {
  routingRetries.inc();
  await deps.db
    .update(events)
    .set({
      routingAttempts: sql`${events.routingAttempts} + 1`,
      routingError: String((err as Error)?.message ?? err).slice(0, 2000),
      nextRoutingAt: sql`now() + least(interval '5 seconds' * power(2, ${events.routingAttempts}), interval '10 minutes')`,
    })
    .where(and(eq(events.id, row.id), isNull(events.routedAt)));
}

/** The sweeper on a timer in the API process. */
export function startSweeper(deps: LifecycleDeps, everyMs = 10_000): Job {
  return every(everyMs, 'routing sweeper', async () => {
    const t = await sweepUnrouted(deps);
    if (t.routed || t.deadLettered || t.retrying) logger.info(t, 'sweeper routed events left unrouted');
  });
}
