/**
 * Keeps the journey_runs table in step with the workflows: start, and end with reason and conversion.
 * A workflow id has at most one running run, so ends and conversions are found by workflow id: the
 * row may have been written by the API under the run id it signalled (see api/routing.ts).
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { journeyRuns } from '../db/schema';
import type { RunEnd, RunRecord } from '../workflows/contract';

export function createRunActivities(db: Db) {
  return {
    async recordRunStart(run: RunRecord): Promise<void> {
      await db
        .insert(journeyRuns)
        .values({ ...run, triggerEventId: run.triggerEventId ?? null, status: 'running' })
        .onConflictDoNothing();
    },
    async recordRunEnd(end: RunEnd): Promise<void> {
      await db
        .update(journeyRuns)
        .set({
          status: end.status,
          endReason: end.reason,
          endedAt: new Date(),
          ...(end.conversion ? { convertedAt: new Date(end.conversion.at), conversionEventId: end.conversion.eventId } : {}),
        })
        .where(and(eq(journeyRuns.workflowId, end.workflowId), eq(journeyRuns.status, 'running')));
    },
  };
}
