/** Runs that failed (a bug or bad data in a journey body) within the window: any one is worth a look. */
import { and, count, eq, gte } from 'drizzle-orm';
import { journeyRuns } from '../../db/schema';
import { minutes, type AlertRule } from './finding';

export const runsFailed: AlertRule = async (db, { since, options }) => {
  const rows = await db
    .select({ journey: journeyRuns.journey, failed: count() })
    .from(journeyRuns)
    .where(and(eq(journeyRuns.status, 'failed'), gte(journeyRuns.endedAt, since)))
    .groupBy(journeyRuns.journey);
  const total = rows.reduce((n, r) => n + r.failed, 0);
  if (!total) return [];
  return [{
    cause: 'runs-failed',
    severity: 'warning',
    summary: `${total} journey run(s) failed in the last ${minutes(options.windowMs)} (${rows.map((r) => `${r.journey}: ${r.failed}`).join(', ')})`,
    detail: { failed: total, byJourney: Object.fromEntries(rows.map((r) => [r.journey, r.failed])) },
  }];
};
