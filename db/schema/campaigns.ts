/** Audiences and what is sent to them: segments and campaigns. */
import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns';

/** A named audience: a predicate over customers (workflows/predicate.ts), evaluated when asked, never stored as a list. */
export const segments = pgTable('segments', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  where: jsonb('where').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const campaignStatuses = ['scheduled', 'running', 'paused', 'done', 'cancelled'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

/**
 * A journey for every member of a segment. The row is what was asked for and how far it got; the
 * campaign workflow (one per campaign, or one per firing of its schedule) writes the progress.
 */
export const campaigns = pgTable('campaigns', {
  id: text('id').primaryKey(),
  journey: text('journey').notNull(),
  segmentId: text('segment_id')
    .notNull()
    .references(() => segments.id),
  ratePerSecond: integer('rate_per_second'),
  /** Test mode: only these customers, whatever the segment says. */
  testRecipients: jsonb('test_recipients').$type<string[]>(),
  /** A stable share of the segment (by a hash of campaign and customer), widened by a later call. */
  rolloutPercent: integer('rollout_percent').notNull().default(100),
  /** A stable share of the members kept out (recorded, sent nothing) to measure the campaign's uplift. */
  holdoutPercent: integer('holdout_percent').notNull().default(0),
  /** Recurring: `{ "cron": "0 9 1 1,4,7,10 *" }` or `{ "every": "1 day" }`, run by a Temporal Schedule. */
  schedule: jsonb('schedule').$type<{ cron?: string; every?: string; timeZone?: string }>(),
  status: text('status').$type<CampaignStatus>().notNull(),
  total: integer('total').notNull().default(0),
  enrolled: integer('enrolled').notNull().default(0),
  skipped: integer('skipped').notNull().default(0),
  lastError: text('last_error'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});
