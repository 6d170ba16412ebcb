/** The send ledger, the provider reports on each message, and the signals those reports owe runs. */
import { boolean, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Channel } from '../../workflows/contract';
import { createdAt, updatedAt } from './columns';

export const messageStatuses = [
  'pending',
  'sent',
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'complained',
  'failed',
  'skipped',
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** Statuses of a message that never left: it counts for nothing below `sent`. */
export const NOT_SENT = ['pending', 'skipped', 'failed'] as const satisfies readonly MessageStatus[];

/** The send ledger: one row per send attempt of a journey step, unique on its idempotency key. */
export const messages = pgTable(
  'messages',
  {
    id: serial('id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull(),
    customerId: text('customer_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    journey: text('journey').notNull(),
    step: text('step').notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    /** Which adapter carried it: resend, smsc, fcm, webhook, outbox. */
    provider: text('provider').notNull(),
    template: text('template').notNull(),
    transactional: boolean('transactional').notNull().default(false),
    recipient: text('recipient'),
    subject: text('subject'),
    body: text('body'),
    /** SMS only: how many parts the provider bills (GSM-7 160/153, UCS-2 70/67 characters). */
    smsSegments: integer('sms_segments'),
    /** The marketing topic the message was sent under; null for transactional messages. */
    topic: text('topic'),
    /** The run's experiment variants when the message was asked for, for per-variant results. */
    variants: jsonb('variants').$type<Record<string, string>>(),
    status: text('status').$type<MessageStatus>().notNull(),
    skipReason: text('skip_reason'),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    /** Workflow time when the journey asked for the send (differs from created_at under time skipping). */
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('messages_idempotency_key_idx').on(t.idempotencyKey),
    index('messages_customer_idx').on(t.customerId, t.createdAt),
    index('messages_provider_id_idx').on(t.provider, t.providerMessageId),
    index('messages_cap_idx').on(t.customerId, t.channel, t.requestedAt),
    // Alert rules read the last window of the ledger.
    index('messages_updated_idx').on(t.updatedAt),
    // Analytics read one journey's sends (in a date range), and email health the last 30 days of sends.
    index('messages_journey_idx').on(t.journey, t.requestedAt),
    // Attribution: a customer's last message of a journey before a goal.
    index('messages_customer_journey_idx').on(t.customerId, t.journey, t.requestedAt),
    index('messages_requested_idx').on(t.requestedAt),
  ],
);

export const messageEvents = pgTable(
  'message_events',
  {
    id: serial('id').primaryKey(),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    /** The provider's delivery id (svix-id, SMSC id:phone:status) so a redelivered webhook is a no-op. */
    providerEventId: text('provider_event_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('message_events_provider_event_idx').on(t.providerEventId),
    // Opens and clicks of a message (analytics, engagement) answered from the index alone.
    index('message_events_message_idx').on(t.messageId, t.type, t.occurredAt),
  ],
);

/**
 * Signals to runs that a committed change owes them (a provider report's `message.<status>`).
 * Written in the same transaction as the change, sent after commit, and re-sent by the sweeper
 * until Temporal takes them, so a Temporal outage delays a signal and never loses it.
 */
export const pendingSignals = pgTable(
  'pending_signals',
  {
    id: serial('id').primaryKey(),
    workflowId: text('workflow_id').notNull(),
    /** The message's customer: a customer's signals are delivered in the order their reports were applied. Null on rows queued before it was kept. */
    customerId: text('customer_id'),
    /** The JourneyEvent the run receives on its `event` signal. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [index('pending_signals_due_idx').on(t.nextAttemptAt)],
);
