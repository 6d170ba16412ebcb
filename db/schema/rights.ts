/** Customers' rights: erasures asked for, and the one-way hashes of the addresses they erased. */
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Channel } from '../../workflows/contract';

export const erasureStatuses = ['pending', 'done', 'failed'] as const;
export type ErasureStatus = (typeof erasureStatuses)[number];

/**
 * One erasure of one customer (`DELETE /v1/customers/:id`), carried out in the background. The
 * customer's id is kept only until the erasure is done; afterwards the row is found by its hash.
 */
export const erasures = pgTable(
  'erasures',
  {
    id: text('id').primaryKey(),
    /** Null once the erasure is done. */
    customerId: text('customer_id'),
    /** SHA-256 of the customer's id: a second erasure of the same customer finds this one. */
    customerHash: text('customer_hash').notNull(),
    /** The anonymous id the customer's aggregates (ledger rows, runs, orders) now carry. */
    pseudonym: text('pseudonym').notNull(),
    reason: text('reason').notNull(),
    /** The customer objected to processing: their addresses stay blocked until they consent anew. */
    objection: boolean('objection').notNull().default(false),
    requestedBy: text('requested_by').notNull(),
    status: text('status').$type<ErasureStatus>().notNull().default('pending'),
    /** What was removed, per table (row counts), and how many Temporal executions were deleted. */
    removed: jsonb('removed').$type<Record<string, number>>().notNull().default({}),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('erasures_customer_hash_idx').on(t.customerHash), index('erasures_due_idx').on(t.nextAttemptAt)],
);

/** An erased customer's addresses, as SHA-256 of the normalised address (lower-cased email, E.164 phone). */
export const erasedAddresses = pgTable(
  'erased_addresses',
  {
    channel: text('channel').$type<Channel>().notNull(),
    addressHash: text('address_hash').notNull(),
    /** Erased with an objection: nothing goes to the address until a consent given after `erasedAt`. */
    objection: boolean('objection').notNull(),
    erasedAt: timestamp('erased_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.addressHash] })],
);
