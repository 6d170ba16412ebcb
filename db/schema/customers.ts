/** Customers and what hangs off them directly: push tokens, and the record of merges. */
import { date, index, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns';

export const customers = pgTable(
  'customers',
  {
    /** The caller's id for the customer (their CRM or shop id). */
    id: text('id').primaryKey(),
    email: text('email'),
    /** E.164, normalised at the API edge. */
    phone: text('phone'),
    name: text('name'),
    city: text('city'),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** BCP 47 (`ru-RU`); null means CASCADE_DEFAULT_LOCALE. */
    locale: text('locale'),
    birthday: date('birthday'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('customers_email_idx').on(t.email),
    index('customers_phone_idx').on(t.phone),
    // Segments: `city eq` narrows a million customers before the per-customer subqueries run;
    // custom attributes are matched by JSON containment (`@>`), which jsonb_path_ops answers compactly.
    index('customers_city_idx').on(t.city),
    index('customers_attributes_idx').using('gin', t.attributes.op('jsonb_path_ops')),
  ],
);

export const pushTokens = pgTable('push_tokens', {
  token: text('token').primaryKey(),
  customerId: text('customer_id')
    .notNull()
    .references(() => customers.id, { onDelete: 'cascade' }),
  platform: text('platform'),
  createdAt: createdAt(),
});

/** A customer's Telegram chat with the shop's bot, linked through the bot's deep link. */
export const telegramChats = pgTable(
  'telegram_chats',
  {
    customerId: text('customer_id')
      .primaryKey()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** The Bot API's chat id (a private chat's id is the user's id). */
    chatId: text('chat_id').notNull(),
    username: text('username'),
    linkedAt: timestamp('linked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('telegram_chats_chat_idx').on(t.chatId)],
);

/**
 * The bot's deep-link tokens not yet used (activities/channels/telegram/link.ts). Telegram carries at
 * most 64 characters of start parameter and a customer id may have 200, so the token names a row
 * here instead of carrying the id; only its SHA-256 is kept. Used once, then deleted.
 */
export const telegramLinkTokens = pgTable(
  'telegram_link_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('telegram_link_tokens_expires_idx').on(t.expiresAt)],
);

/**
 * A merge of one customer into another: what moved, and the merged customer's row as it was, so the
 * merge can be read back and undone.
 */
export const customerMerges = pgTable(
  'customer_merges',
  {
    id: serial('id').primaryKey(),
    /** The duplicate that was folded in (its customers row is gone after the merge). */
    sourceId: text('source_id').notNull(),
    targetId: text('target_id').notNull(),
    actor: text('actor').notNull(),
    /** The source's customers row, consents and push tokens before the merge. */
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    /** Ids of the rows re-pointed at the target, per table. */
    moved: jsonb('moved').$type<Record<string, unknown>>().notNull(),
    mergedAt: timestamp('merged_at', { withTimezone: true }).notNull().defaultNow(),
    revertedAt: timestamp('reverted_at', { withTimezone: true }),
  },
  (t) => [index('customer_merges_source_idx').on(t.sourceId), index('customer_merges_target_idx').on(t.targetId)],
);
