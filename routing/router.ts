/**
 * The router: drains stored events to Temporal, oldest first, in each customer's order, as the
 * events outbox (outbox/: the claim, the lanes, the backoff). Every API process runs one, and
 * `npm run router` runs more apart from the API; they share the work by claiming batches under a
 * short lease. A customer is a lane; route-event.ts also routes a customer's earlier unrouted events
 * first under the customer's lock, so two routers never reorder a customer.
 *
 * A retryable failure (Temporal or Postgres down) puts the customer's events back with backoff, and
 * the other customers wait out one deadline without asking Temporal; a permanent failure
 * dead-letters the event. No event can stall the others.
 */
import { and, isNull, sql } from 'drizzle-orm';
import { theEvent, unrouted, type EventRow } from '../db/queries/events';
import { events } from '../db/schema';
import type { LifecycleDeps } from '../lifecycle/deps';
import { routingRetries } from '../metrics/registry';
import { claimDue, retryAtSql, type OutboxTable } from '../outbox/claim';
import { drainOnce, startDrain, type Outbox } from '../outbox/drain';
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

/** A routing retry waits at most a minute: the customer's later events wait behind it. */
const MAX_RETRY_MS = 60_000;

/** The events outbox's table: what the router claims, in what order (the bench times this claim). */
export const eventsTable: OutboxTable<typeof events> = {
  table: events,
  id: events.id,
  due: events.nextRoutingAt,
  order: [events.seq],
  owed: unrouted,
};

/** After a retryable failure: count the try and wait before the next (outbox/claim.ts, `retryAtSql`). */
export async function recordRetryableFailure(deps: Pick<LifecycleDeps, 'db'>, row: Pick<EventRow, 'id' | 'receivedAt'>, err: unknown): Promise<void> {
  routingRetries.inc();
  await deps.db
    .update(events)
    .set({
      routingAttempts: sql`${events.routingAttempts} + 1`,
      routingError: String((err as Error)?.message ?? err).slice(0, 2000),
      nextRoutingAt: retryAtSql(events.routingAttempts, MAX_RETRY_MS),
    })
    .where(and(theEvent(row), isNull(events.routedAt)));
}

/** The events outbox; `deadLettered` counts the events routing gave up on. */
function eventsOutbox(deps: LifecycleDeps, o: RouterOptions, counts = { deadLettered: 0 }): Outbox<EventRow> {
  return {
    name: 'router',
    claim: async (limit) => (await claimDue(deps.db, eventsTable, { limit, leaseMs: o.leaseMs })).sort((a, b) => a.seq - b.seq),
    laneOf: (row) => row.customerId,
    async handle(row) {
      const result = await deps.client.withDeadline(Date.now() + o.deadlineMs, () => routeEvent(deps, row));
      if (result.status === 'dead-lettered') counts.deadLettered++;
    },
    async retryLater(rows, err) {
      for (const row of rows) await recordRetryableFailure(deps, row, err);
    },
    // The router finishes what it holds: an aborted pass is never asked of it.
    release: async () => {},
  };
}

/** Claims one batch of due events and routes all of it (one pass; the running router pipelines passes). */
export async function routeDue(deps: LifecycleDeps, opts: Partial<RouterOptions> = {}) {
  const o = { ...DEFAULT_ROUTER, ...opts };
  const counts = { deadLettered: 0 };
  const { done, retrying, claimed } = await drainOnce(eventsOutbox(deps, o, counts), o);
  return { routed: done - counts.deadLettered, retrying, deadLettered: counts.deadLettered, claimed };
}

const awake = new Set<() => void>();

/** An event was stored in this process: its routers look now rather than at their next poll. */
export function wakeRouters(): void {
  for (const wake of awake) wake();
}

export interface RouterHandle {
  stop(): Promise<void>;
}

/** A router in this process until `stop()`, which finishes the events in hand first. */
export function startRouter(deps: LifecycleDeps, opts: Partial<RouterOptions> = {}): RouterHandle {
  const o = { ...DEFAULT_ROUTER, ...opts };
  const drain = startDrain(eventsOutbox(deps, o), { ...o, idOf: (row) => row.id });
  const wake = () => drain.wake();
  awake.add(wake);
  return {
    async stop() {
      awake.delete(wake);
      await drain.stop();
    },
  };
}
