/** Events out: the subscriptions of other systems (CRM, warehouse), and the outbox of their deliveries. */
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';

export const webhookSubscriptions = pgTable('webhook_subscriptions', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  /** The event types it receives: `message.sent`, `run.ended`, `conversion`… */
  events: jsonb('events').$type<string[]>().notNull(),
  /** Standard Webhooks signing secret (`whsec_` + base64); shown once, when the subscription is made. */
  secret: text('secret').notNull(),
  createdAt: createdAt(),
  /** Since when every delivery has failed; null while the receiver answers. */
  failingSince: timestamp('failing_since', { withTimezone: true }),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  disabledReason: text('disabled_reason'),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
});

/**
 * The outbox: one row per event per subscription, written in the transaction of the change it
 * reports and delivered after commit, in `id` order per customer, until the receiver answers 2xx.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subscriptionId: text('subscription_id').notNull(),
    /** The `webhook-id` header, derived from the event: the same on every retry, so the receiver can drop repeats. */
    webhookId: text('webhook_id').notNull(),
    /** Deliveries of one customer go out in order; null for events of no customer. */
    customerId: text('customer_id'),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_webhook_id_idx').on(t.subscriptionId, t.webhookId),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.deliveredAt} is null`),
    index('webhook_deliveries_customer_idx').on(t.subscriptionId, t.customerId, t.id).where(sql`${t.deliveredAt} is null`),
  ],
);
