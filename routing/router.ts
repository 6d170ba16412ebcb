/**
 * The router: drains stored events to Temporal, oldest first, in each customer's order. Every API
 * process runs one, and `npm run router` runs more apart from the API; they share the work by
 * claiming batches with `FOR UPDATE SKIP LOCKED` under a short lease. Customers are routed side by
 * side; a customer's events one after another, and route-event.ts routes a customer's earlier
 * unrouted events first under the customer's lock, so two routers never reorder a customer.
 *
 * A retryable failure (Temporal or Postgres down) puts the customer's events back with backoff, and
 * the others wait out one deadline without asking Temporal, so an outage costs one deadline, not one
 * per event; a permanent failure dead-letters the event. No event can stall the others.
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

/** What routing one customer's events needs to know of the others: whether Temporal stopped answering. */
interface Outage {
  /** Until then a customer's events wait for their retry without asking Temporal. */
  until: number;
}

/** Claims up to `limit` due events, oldest first, leasing them to this router. */
async function claimDue(deps: LifecycleDeps, o: RouterOptions, limit: number): Promise<EventRow[]> {
  const now = new Date();
  const due = deps.db
    .select({ id: events.id })
    .from(events)
    .where(and(isNull(events.routedAt), isNull(events.deadLetteredAt), or(isNull(events.nextRoutingAt), lte(events.nextRoutingAt, now))))
    .orderBy(asc(events.seq))
    .limit(limit)
    .for('update', { skipLocked: true });
  const claimed = await deps.db
    .update(events)
    .set({ nextRoutingAt: new Date(now.getTime() + o.leaseMs) })
    .where(inArray(events.id, due))
    .returning();
  return claimed.sort((a, b) => a.seq - b.seq);
}

/**
 * Routes one customer's claimed events in order. A retryable failure puts this and the customer's
 * later events back for a retry (routing them now would put them before it) and marks Temporal as
 * out of reach for a deadline, so the other customers wait too instead of each waiting it out.
 */
async function routeCustomer(deps: LifecycleDeps, o: RouterOptions, rows: EventRow[], outage: Outage, tally: RouteTally): Promise<void> {
  for (const [i, row] of rows.entries()) {
    try {
      if (Date.now() < outage.until) throw new Error('Temporal did not answer a moment ago');
      const result = await deps.client.withDeadline(Date.now() + o.deadlineMs, () => routeEvent(deps, row));
      if (result.status === 'routed') tally.routed++;
      else tally.deadLettered++;
    } catch (err) {
      outage.until = Math.max(outage.until, Date.now() + o.deadlineMs);
      for (const waiting of rows.slice(i)) {
        tally.retrying++;
        await recordRetryableFailure(deps, waiting, err).catch((e: unknown) => logger.warn({ err: e }, 'could not record a routing failure'));
      }
      return;
    }
  }
}

const byCustomer = (rows: EventRow[]): Map<string, EventRow[]> => {
  const map = new Map<string, EventRow[]>();
  for (const row of rows) map.set(row.customerId, [...(map.get(row.customerId) ?? []), row]);
  return map;
};

/** Claims one batch of due events and routes all of it (one pass; the running router pipelines passes). */
export async function routeDue(deps: LifecycleDeps, opts: Partial<RouterOptions> = {}): Promise<RouteTally & { claimed: number }> {
  const o = { ...DEFAULT_ROUTER, ...opts };
  const claimed = await claimDue(deps, o, o.batch);
  const tally = { routed: 0, retrying: 0, deadLettered: 0 };
  const outage = { until: 0 };
  await inParallel([...byCustomer(claimed).values()], o.parallel, (rows) => routeCustomer(deps, o, rows, outage, tally));
  return { ...tally, claimed: claimed.length };
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

/**
 * A router loop in this process until `stop()`, which finishes the events in hand first. Pipelined:
 * up to `parallel` customers are routed at once, and as soon as one is done the next claimed
 * customer starts, while the loop claims more whenever fewer than a batch are in hand; no customer
 * waits for another's slow Temporal call. A customer's events stay in one queue, in order.
 */
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

  /** Claimed events by customer, in the order the customers were claimed; `waiting` have no lane yet. */
  const queues = new Map<string, EventRow[]>();
  const waiting: string[] = [];
  const held = new Set<string>();
  let lanes = 0;
  let drained: () => void = () => {};
  const outage: Outage = { until: 0 };
  const tally: RouteTally = { routed: 0, retrying: 0, deadLettered: 0 };

  const take = (rows: EventRow[]) => {
    for (const [customerId, mine] of byCustomer(rows.filter((r) => !held.has(r.id)))) {
      for (const r of mine) held.add(r.id);
      const queue = queues.get(customerId);
      if (queue) queue.push(...mine);
      else {
        queues.set(customerId, mine);
        waiting.push(customerId);
      }
    }
    startLanes();
  };
  const startLanes = () => {
    while (lanes < o.parallel && waiting.length) {
      const customerId = waiting.shift()!;
      lanes++;
      void drainCustomer(customerId).finally(() => {
        lanes--;
        startLanes();
        if (!lanes) drained();
        // Room for more: the claim loop rests on a full hand until a customer is done.
        if (handFull) wake();
      });
    }
  };
  const drainCustomer = async (customerId: string) => {
    for (let rows = queues.get(customerId)!; rows.length; rows = queues.get(customerId)!) {
      queues.set(customerId, []);
      await routeCustomer(deps, o, rows, outage, tally).catch((err: unknown) => logger.error({ err }, 'router: a customer could not be routed'));
      for (const r of rows) held.delete(r.id);
    }
    queues.delete(customerId);
  };

  let handFull = false;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      nudged = false;
      let full = false;
      const room = o.batch - held.size;
      if (room > 0 && Date.now() >= outage.until) {
        try {
          const rows = await claimDue(deps, o, room);
          failures = 0;
          full = rows.length === room;
          take(rows);
        } catch (err) {
          // Postgres itself is out of reach: back off, up to 10 s between looks.
          failures++;
          logger.warn({ err }, 'router: could not claim events; will retry');
          await rest(Math.min(10_000, 250 * 2 ** failures));
          continue;
        }
      }
      if (tally.retrying || tally.deadLettered) logger.info(tally, 'router: some events wait for a retry or were dead-lettered');
      tally.routed = tally.retrying = tally.deadLettered = 0;
      // A full claim may have more behind it, and a nudge came after the claim's snapshot.
      handFull = held.size >= o.batch;
      if ((full || nudged) && !handFull) continue;
      await rest(Date.now() < outage.until ? outage.until - Date.now() : o.idlePollMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      awake.delete(nudge);
      wake();
      await loop;
      if (lanes) await new Promise<void>((done) => (drained = done));
    },
  };
}
