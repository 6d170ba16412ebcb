/** Alerts raised by the alert rules. */
import { index, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Alerts raised, one row per cause and window: the window is what keeps a cause from paging twice. */
export const alerts = pgTable(
  'alerts',
  {
    id: serial('id').primaryKey(),
    /** What went wrong, stable across windows: `channel-failures:email`, `provider-auth:resend`, `runs-failed`… */
    cause: text('cause').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    severity: text('severity').$type<'warning' | 'critical'>().notNull(),
    summary: text('summary').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the chat webhook took it; null while it is still to be posted. */
    postedAt: timestamp('posted_at', { withTimezone: true }),
    postError: text('post_error'),
  },
  (t) => [uniqueIndex('alerts_cause_window_idx').on(t.cause, t.windowStart), index('alerts_raised_idx').on(t.raisedAt)],
);
