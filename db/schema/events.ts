/** What product systems send in: events (routed to journeys in arrival order) and orders. */
import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';
import { customers } from './customers';

/**
 * Which retention an event falls under, and so which partition holds it: `inert` (no journey starts
 * on or listens to its type: a page view), `routed`, or `held` (past its retention but still needed
 * by a running run, or never routed: kept apart so its month can be dropped; retention/).
 */
export const eventKinds = ['inert', 'routed', 'held'] as const;
export type EventKind = (typeof eventKinds)[number];

/**
 * Partitioned by kind, then by month of `received_at` (db/migrations/0014_data_that_grows.sql,
 * `cascade_event_partition`), so expiry drops a month and never deletes rows. A partitioned table's
 * unique keys must hold its partition keys, so `id` is unique in each month (a unique index the
 * partition function adds) and ingest looks across months for an id before storing it.
 */
export const events = pgTable(
  'events',
  {
    /** The caller's event id: their idempotency key. */
    id: text('id').notNull(),
    kind: text('kind').$type<EventKind>().notNull().default('routed'),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Arrival order. Events stored in one statement share `received_at`, so a customer's events are
     * routed in `seq` order, which follows the order they were written in.
     */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    /** Set once every workflow the event reaches has it; null rows are re-routed by the sweeper. */
    routedAt: timestamp('routed_at', { withTimezone: true }),
    routedTo: jsonb('routed_to').$type<string[]>(),
    /** Routing tries so far, and when the sweeper may try again (backoff after a retryable failure). */
    routingAttempts: integer('routing_attempts').notNull().default(0),
    nextRoutingAt: timestamp('next_routing_at', { withTimezone: true }),
    /** The last routing error; with deadLetteredAt set it was permanent and nothing retries it. */
    routingError: text('routing_error'),
    deadLetteredAt: timestamp('dead_lettered_at', { withTimezone: true }),
  },
  (t) => [
    index('events_customer_type_idx').on(t.customerId, t.type, t.occurredAt),
    index('events_customer_received_idx').on(t.customerId, t.receivedAt),
    // The router's claim (oldest first) and a customer's earlier unrouted events.
    index('events_unrouted_seq_idx').on(t.seq).where(sql`${t.routedAt} is null and ${t.deadLetteredAt} is null`),
    index('events_customer_unrouted_idx').on(t.customerId, t.seq).where(sql`${t.routedAt} is null and ${t.deadLetteredAt} is null`),
    index('events_dead_lettered_idx').on(t.deadLetteredAt).where(sql`${t.deadLetteredAt} is not null`),
    // The events-dropped alert counts an hour of events: a BRIN index, a few pages for the whole
    // table, since rows arrive in received_at order, and next to nothing for an insert to keep up.
    index('events_received_brin_idx').using('brin', t.receivedAt),
  ],
);

export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** online or offline: an in-store purchase counts as much as a web order. */
    source: text('source').$type<'online' | 'offline'>().notNull(),
    total: numeric('total', { precision: 12, scale: 2 }).notNull().default('0'),
    currency: text('currency').notNull().default('RUB'),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('orders_customer_idx').on(t.customerId, t.placedAt),
    // Segments count orders in a window for every customer at once: one index-only pass over the window.
    index('orders_placed_idx').on(t.placedAt, t.customerId),
  ],
);
