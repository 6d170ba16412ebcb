/**
 * The router: drains stored events to Temporal, oldest first, in each customer's order. Every API
 * process runs one, and `npm run router` runs more apart from the API; they share the work by
 * claiming batches with `FOR UPDATE SKIP LOCKED` under a short lease. Customers are routed side by
 * side; a customer's events one after another, and route-event.ts routes a customer's earlier
 * unrouted events first under the customer's lock, so two routers never reorder a customer.
 *
 * A retryable failure (Temporal or Postgres down) puts the customer's events back with backoff and
 * ends the batch early, so an outage costs one deadline, not one per event; a permanent failure
 * dead-letters the event. No event can stall the others.
 */
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { EventRow } from '../db/queries/events';
import { events } from '../db/schema';
import type { LifecycleDeps } from '../lifecycle/deps';
import { inParallel } from '../lib/in-parallel';
import { logger } from '../lib/logger';
import { routingRetries } from '../metrics/registry';
import { routeEvent } from './route-event';

export interface RouterOptions {
  /** Events claimed at once. */
  batch: number;
  /**
   * Customers routed at once; each holds a database connection under its routing lock while it
   * waits on Temporal, so this (not CPU) is what keeps Temporal busy: as many as a bare client
   * loop needs in flight to reach the server's limit.
   */
  parallel: number;
  /** How long a claimed event is left to this router before another may take it. */
  leaseMs: number;
  /** How often an idle router looks for events stored by other processes (its own wake it at once). */
  idlePollMs: number;
  /** A customer's routing gives up on Temporal after this long, and the events wait for backoff. */
  deadlineMs: number;
}

export const DEFAULT_ROUTER: RouterOptions = { batch: 200, parallel: 32, leaseMs: 30_000, idlePollMs: 250, deadlineMs: 5_000 };

/** Database connections a process running a router wants: one per customer in flight, and some for the rest. */
export const routerConnections = (others: number) => DEFAULT_ROUTER.parallel + others;

export type RouteTally = { routed: number; retrying: number; deadLettered: number };

/** Claims one batch of due events and routes it. */
export async function routeDue(deps: LifecycleDeps, opts: Partial<RouterOptions> = {}): Promise<RouteTally & { claimed: number }> {
  const o = { ...DEFAULT_ROUTER, ...opts };
  const now = new Date();
  const due = deps.db
    .select({ id: events.id })
    .from(events)
    .where(and(isNull(events.routedAt), isNull(events.deadLetteredAt), or(isNull(events.nextRoutingAt), lte(events.nextRoutingAt, now))))
    .orderBy(asc(events.seq))
    .limit(o.batch)
    .for('update', { skipLocked: true });
  const claimed: EventRow[] = await deps.db
    .update(events)
    .set({ nextRoutingAt: new Date(now.getTime() + o.leaseMs) })
    .where(inArray(events.id, due))
    .returning();

  const byCustomer = new Map<string, EventRow[]>();
  for (const row of claimed.sort((a, b) => a.seq - b.seq)) {
    const rows = byCustomer.get(row.customerId) ?? [];
    rows.push(row);
    byCustomer.set(row.customerId, rows);
  }
  const tally = { routed: 0, retrying: 0, deadLettered: 0, claimed: claimed.length };
  let temporalDown = false;
  await inParallel([...byCustomer.values()], o.parallel, async (rows) => {
    for (const [i, row] of rows.entries()) {
      try {
        if (temporalDown) throw new Error('Temporal did not answer earlier in this batch');
        const result = await deps.client.withDeadline(Date.now() + o.deadlineMs, () => routeEvent(deps, row));
        if (result.status === 'routed') tally.routed++;
        else tally.deadLettered++;
      } catch (err) {
        temporalDown = true;
        // The customer's later events wait too: routing them now would put them before this one.
        for (const waiting of rows.slice(i)) {
          tally.retrying++;
          await recordRetryableFailure(deps, waiting, err).catch((e: unknown) => logger.warn({ err: e }, 'could not record a routing failure'));
        }
        return;
      }
    }
  });
  return tally;
}

/** After a retryable failure: count the try and wait before the next, 1 s doubling up to a minute. */
export async function recordRetryableFailure(deps: Pick<LifecycleDeps, 'db'>, row: Pick<EventRow, 'id'>, err: unknown): Promise<void> {
  routingRetries.inc();
  await deps.db
    .update(events)
    .set({
      routingAttempts: sql`${events.routingAttempts} + 1`,
      routingError: String((err as Error)?.message ?? err).slice(0, 2000),
      nextRoutingAt: sql`now() + least(interval '1 second' * power(2, least(${events.routingAttempts}, 10)), interval '1 minute')`,
    })
    .where(and(eq(events.id, row.id), isNull(events.routedAt)));
}

const awake = new Set<() => void>();

/** An event was stored in this process: its routers look now rather than at their next poll. */
export function wakeRouters(): void {
  for (const wake of awake) wake();
}

export interface RouterHandle {
  stop(): Promise<void>;
}

/** A router loop in this process until `stop()`; it finishes the batch in hand first. */
export function startRouter(deps: LifecycleDeps, opts: Partial<RouterOptions> = {}): RouterHandle {
  const o = { ...DEFAULT_ROUTER, ...opts };
  let stopped = false;
  let nudged = false;
  let wake: () => void = () => {};
  const nudge = () => {
    nudged = true;
    wake();
  };
  awake.add(nudge);
  const rest = (ms: number) =>
    new Promise<void>((done) => {
      const timer = setTimeout(done, ms);
      wake = () => {
        clearTimeout(timer);
        done();
      };
    });
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      nudged = false;
      try {
        const t = await routeDue(deps, o);
        failures = 0;
        if (t.retrying || t.deadLettered) logger.info(t, 'router: some events wait for a retry or were dead-lettered');
        // A full batch may have more behind it, and a nudge during the pass came after its claim.
        if (t.claimed === o.batch || nudged) continue;
        await rest(t.retrying ? o.deadlineMs : o.idlePollMs);
      } catch (err) {
        // Postgres itself is out of reach: back off, up to 10 s between looks.
        failures++;
        logger.warn({ err }, 'router: could not claim events; will retry');
        await rest(Math.min(10_000, 250 * 2 ** failures));
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      awake.delete(nudge);
      wake();
      await loop;
    },
  };
}
