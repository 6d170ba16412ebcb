/** Whom Cascade may write to: consent per channel and topic, every change to it, and suppressed addresses. */
import { boolean, index, pgTable, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';
import type { Channel } from '../../workflows/contract';
import { createdAt, updatedAt } from './columns';
import { customers } from './customers';

export const consents = pgTable(
  'consents',
  {
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    channel: text('channel').$type<Channel>().notNull(),
    /** A marketing topic (`promotions`, `reminders`…), or `*`: every topic, which is what consent meant before topics. */
    topic: text('topic').notNull().default('*'),
    granted: boolean('granted').notNull(),
    /** Where the latest change came from: api, unsubscribe link, webhook. */
    source: text('source').notNull().default('api'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.channel, t.topic] })],
);

/**
 * Every consent change ever asked for, applied or refused, for audit (38-FZ, GDPR): who asked
 * (the API key id, the unsubscribe link, a provider report), when the customer consented or
 * withdrew as the caller says, and when we recorded it.
 */
export const consentChanges = pgTable(
  'consent_changes',
  {
    id: serial('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    channel: text('channel').$type<Channel>().notNull(),
    topic: text('topic').notNull().default('*'),
    granted: boolean('granted').notNull(),
    /** The caller's word for where the consent came from: checkout form, crm-sync, unsubscribe link… */
    source: text('source').notNull(),
    /** Who recorded it: `api-key:<id>`, `unsubscribe-link`, `resend`, `smsc`. */
    actor: text('actor').notNull(),
    /** When the customer gave or withdrew consent, as the caller says (defaults to recordedAt). */
    consentedAt: timestamp('consented_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    /** False when the change was refused (a profile sync may not lift an unsubscribe). */
    applied: boolean('applied').notNull(),
    note: text('note'),
  },
  (t) => [index('consent_changes_customer_idx').on(t.customerId, t.channel, t.recordedAt)],
);

export const suppressions = pgTable(
  'suppressions',
  {
    channel: text('channel').$type<Channel>().notNull(),
    /** Lower-cased email, E.164 phone, or Telegram chat id. */
    address: text('address').notNull(),
    reason: text('reason').$type<'hard_bounce' | 'complaint' | 'unsubscribe' | 'invalid' | 'blocked'>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.address] })],
);
