/** Journeys as operators set them (paused, rollout, test mode) and as their code draws them (the step graph). */
import { boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { JourneyGraph } from '../../workflows/contract';
import { updatedAt } from './columns';

/**
 * One row per journey an operator has touched; a journey without one runs as its code says: not
 * paused, every customer, no test mode.
 */
export const journeySettings = pgTable('journey_settings', {
  journey: text('journey').primaryKey(),
  /** New entries are refused (`refused: paused`) and running runs hold their sends until resumed. */
  paused: boolean('paused').notNull().default(false),
  /** The share of customers (by a stable hash) an event may start the journey for. */
  rolloutPercent: integer('rollout_percent').notNull().default(100),
  /** Test mode: only these customers enter; null: everyone (within the rollout). */
  testRecipients: jsonb('test_recipients').$type<string[]>(),
  updatedAt: updatedAt(),
});

/** Each journey's step graph, drawn by the worker from the code it runs (a dry run through every branch). */
export const journeyGraphs = pgTable('journey_graphs', {
  journey: text('journey').primaryKey(),
  graph: jsonb('graph').$type<JourneyGraph>().notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
});
