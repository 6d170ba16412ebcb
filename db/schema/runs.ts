/** Journey runs as Cascade records them: the state each run is in and how it ended. */
import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * How a run ended: by its own hand (completed, exited on an exit event, failed, refused at entry by
 * its `enterIf`), or from outside (terminated, timed out, cancelled: found by the run reconciler).
 */
export const runStates = ['running', 'completed', 'exited', 'failed', 'refused', 'terminated', 'timed_out', 'cancelled'] as const;
export type RunState = (typeof runStates)[number];

export const journeyRuns = pgTable(
  'journey_runs',
  {
    runId: text('run_id').primaryKey(),
    workflowId: text('workflow_id').notNull(),
    journey: text('journey').notNull(),
    customerId: text('customer_id').notNull(),
    status: text('status').$type<RunState>().notNull().default('running'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: text('end_reason'),
    /** The event that started the run, so a re-routed trigger does not start a second run. */
    triggerEventId: text('trigger_event_id'),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    conversionEventId: text('conversion_event_id'),
    /** The campaign that enrolled the customer; null for runs an event started. */
    campaignId: text('campaign_id'),
    /** Kept out by the journey's or campaign's holdout: recorded, sent nothing, compared for uplift. */
    holdout: boolean('holdout').notNull().default(false),
    /** Experiment → variant this run was given (`j.variant`), e.g. `{ "subject-test": "b" }`. */
    variants: jsonb('variants').$type<Record<string, string>>(),
  },
  (t) => [
    index('journey_runs_customer_idx').on(t.customerId, t.status),
    index('journey_runs_campaign_idx').on(t.campaignId).where(sql`${t.campaignId} is not null`),
    index('journey_runs_workflow_idx').on(t.workflowId),
    // Experiment results read a journey's runs by start (analytics/experiments.ts).
    index('journey_runs_journey_started_idx').on(t.journey, t.startedAt),
    index('journey_runs_ended_idx').on(t.endedAt, t.status),
    uniqueIndex('journey_runs_one_running_idx').on(t.workflowId).where(sql`${t.status} = 'running'`),
  ],
);
