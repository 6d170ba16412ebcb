/**
 * Delivers the events-out outbox (webhook_deliveries) after commit, by the outbox's own rules
 * (outbox/: claim with FOR UPDATE SKIP LOCKED and a lease, lanes, one backoff). Each subscription
 * is drained on its own, so a receiver that is down holds back only its own deliveries. Only the
 * oldest undelivered row of a (subscription, customer) is due, so a customer's events reach the
 * receiver in the order they were written, while other customers' go on. A 2xx is delivered; any
 * other answer, a refused connection or a timeout is tried again later with the same `webhook-id`
 * (at least once: a receiver drops repeats by it). A subscription whose deliveries have all failed
 * for three days is disabled, and the alert rule alerts/rules/webhooks-disabled.ts reports it.
 */
import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { ActiveSubscription } from '../db/queries/webhook-subscriptions';
import { webhookDeliveries, webhookSubscriptions } from '../db/schema';
import { every, type Job } from '../lib/every';
import { logger } from '../lib/logger';
import { claimDue, retryAtSql, type OutboxTable } from '../outbox/claim';
import { drainOnce, type Outbox } from '../outbox/drain';
import { postEvent } from './post';
import { subscribers } from './subscribers';

export interface DeliverOptions {
  /** How long one receiver may take to answer. */
  timeoutMs?: number;
  /** Shutting down: rows not yet tried are handed back at once. */
  abort?: AbortSignal;
}

/** A receiver waits at most an hour between tries, for the three days before it is disabled. */
const MAX_RETRY_MS = 60 * 60_000;
export const DISABLE_AFTER = '3 days';
const BATCH = 50;
const PARALLEL = 4;
/** Claims per subscription in one pass: each lane's next event is due once the one before it is delivered. */
const ROUNDS = 20;

type DeliveryRow = typeof webhookDeliveries.$inferSelect;
const d = webhookDeliveries;
const s = webhookSubscriptions;

function deliveriesOf(subscriptionId: string): OutboxTable<typeof webhookDeliveries> {
  return {
    table: d,
    id: d.id,
    due: d.nextAttemptAt,
    order: [d.id],
    owed: sql`${d.deliveredAt} is null and ${d.subscriptionId} = ${subscriptionId}
      and exists (select 1 from ${s} where ${s.id} = ${subscriptionId} and ${s.deletedAt} is null and ${s.disabledAt} is null)
      and (${d.customerId} is null or not exists (select 1 from ${d} as earlier where earlier.subscription_id = ${d.subscriptionId}
        and earlier.customer_id = ${d.customerId} and earlier.delivered_at is null and earlier.id < ${d.id}))`,
  };
}

function deliveriesOutbox(db: Db, sub: ActiveSubscription, timeoutMs: number): Outbox<DeliveryRow> {
  const leaseMs = BATCH * timeoutMs + 30_000;
  return {
    name: 'events out',
    claim: (limit) => claimDue(db, deliveriesOf(sub.id), { limit, leaseMs }),
    laneOf: (row) => row.customerId ?? `#${row.id}`,
    async handle(row) {
      await postEvent({ url: sub.url, secret: sub.secret, webhookId: row.webhookId, payload: row.payload, timeoutMs });
      await db.update(d).set({ deliveredAt: sql`now()`, attempts: sql`${d.attempts} + 1`, lastError: null }).where(eq(d.id, row.id));
    },
    async retryLater(rows, err) {
      const cause = (err as Error).cause as Error | undefined;
      const lastError = [(err as Error).message || String(err), cause?.message].filter(Boolean).join(': ').slice(0, 2000);
      await db
        .update(d)
        .set({ attempts: sql`${d.attempts} + 1`, lastError, nextAttemptAt: retryAtSql(d.attempts, MAX_RETRY_MS) })
        .where(inArray(d.id, rows.map((r) => r.id)));
      await recordFailure(db, sub.id);
    },
    async release(rows) {
      await db.update(d).set({ nextAttemptAt: sql`now()` }).where(inArray(d.id, rows.map((r) => r.id)));
    },
  };
}

/** The receiver failed: failing since now unless it already was; disabled when that was three days ago. */
async function recordFailure(db: Db, subscriptionId: string): Promise<void> {
  const overdue = sql`${s.failingSince} < now() - ${DISABLE_AFTER}::interval`;
  const [row] = await db
    .update(s)
    .set({
      failingSince: sql`coalesce(${s.failingSince}, now())`,
      disabledAt: sql`case when ${overdue} then now() end`,
      disabledReason: sql`case when ${overdue} then 'every delivery failed for 3 days' end`,
    })
    .where(and(eq(s.id, subscriptionId), isNull(s.disabledAt)))
    .returning({ disabledAt: s.disabledAt });
  if (row?.disabledAt) {
    logger.warn({ subscription: subscriptionId }, 'webhook subscription disabled: its deliveries have failed for 3 days');
    await subscribers(db).refresh();
  } else logger.info({ subscription: subscriptionId }, 'a webhook delivery failed; will retry');
}

/** One pass over every active subscription; returns what was delivered and what waits for a retry. */
export async function deliverEventsOut(db: Db, opts: DeliverOptions = {}): Promise<{ delivered: number; failed: number }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const total = { delivered: 0, failed: 0 };
  for (const sub of await subscribers(db).all()) {
    const outbox = deliveriesOutbox(db, sub, timeoutMs);
    let delivered = 0;
    for (let round = 0; round < ROUNDS && !opts.abort?.aborted; round++) {
      const { done, retrying } = await drainOnce(outbox, { batch: BATCH, parallel: PARALLEL, deadlineMs: timeoutMs }, opts.abort);
      delivered += done;
      total.failed += retrying;
      if (!done || retrying) break;
    }
    total.delivered += delivered;
    // The receiver answers again: it is no longer on its way to being disabled.
    if (delivered) await db.update(s).set({ failingSince: null }).where(and(eq(s.id, sub.id), isNotNull(s.failingSince)));
  }
  return total;
}

export function startEventsOut(db: Db, opts: { everyMs?: number; timeoutMs?: number } = {}): Job {
  return every(opts.everyMs ?? 1_000, 'events out', async (abort) => {
    const { delivered, failed } = await deliverEventsOut(db, { timeoutMs: opts.timeoutMs, abort });
    if (delivered || failed) logger.debug({ delivered, failed }, 'events out delivered');
  });
}
