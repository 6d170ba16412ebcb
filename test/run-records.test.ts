/**
 * Who writes a run's `journey_runs` row when (db/queries/runs.ts), on a real Postgres: the router's
 * row for a run it started, the run's own record over it, and a running row an execution left when
 * it closed unseen.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { recordRoutedRuns, recordRunStart } from '../db/queries/runs';
import { journeyRuns } from '../db/schema';
import { createTestDatabase } from './support/database';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const rowsOf = (workflowId: string) =>
  database.db
    .select({ runId: journeyRuns.runId, status: journeyRuns.status, holdout: journeyRuns.holdout, startedAt: journeyRuns.startedAt, triggerEventId: journeyRuns.triggerEventId, endReason: journeyRuns.endReason })
    .from(journeyRuns)
    .where(eq(journeyRuns.workflowId, workflowId))
    .orderBy(journeyRuns.startedAt);

describe('a run record', () => {
  it('a run the router recorded finds its row there, and its own facts win', async () => {
    await recordRoutedRuns(database.db, [{ runId: 'r1', workflowId: 'welcome/rr1', journey: 'welcome', customerId: 'rr1', triggerEventId: 'e1', holdout: false }]);
    const startedAt = '2026-01-02T03:04:05.000Z';
    const { existed } = await recordRunStart(database.db, { runId: 'r1', workflowId: 'welcome/rr1', journey: 'welcome', customerId: 'rr1', triggerEventId: 'e1', holdout: true, startedAt });
    expect(existed).toBe(true);
    const rows = await rowsOf('welcome/rr1');
    expect(rows).toEqual([expect.objectContaining({ runId: 'r1', status: 'running', holdout: true, triggerEventId: 'e1' })]);
    expect(rows[0]!.startedAt.toISOString()).toBe(startedAt);
  });

  it('a run nobody recorded inserts its row, and says so', async () => {
    const { existed } = await recordRunStart(database.db, { runId: 'r2', workflowId: 'campaign/c/rr2', journey: 'welcome', customerId: 'rr2', campaignId: 'c' });
    expect(existed).toBe(false);
    expect(await rowsOf('campaign/c/rr2')).toEqual([expect.objectContaining({ runId: 'r2', status: 'running' })]);
  });

  it('the router reaching a run already running leaves its row alone', async () => {
    await recordRunStart(database.db, { runId: 'r3', workflowId: 'welcome/rr3', journey: 'welcome', customerId: 'rr3', triggerEventId: 'first' });
    // A signal-with-start that reached the running run (after continue-as-new its run id is another).
    await recordRoutedRuns(database.db, [{ runId: 'r3-continued', workflowId: 'welcome/rr3', journey: 'welcome', customerId: 'rr3', triggerEventId: 'second' }]);
    expect(await rowsOf('welcome/rr3')).toEqual([expect.objectContaining({ runId: 'r3', status: 'running', triggerEventId: 'first' })]);
  });

  it('a running row an execution left when it closed unseen is closed by the next run of the id', async () => {
    await recordRunStart(database.db, { runId: 'r4-old', workflowId: 'welcome/rr4', journey: 'welcome', customerId: 'rr4', startedAt: '2026-01-01T00:00:00.000Z' });
    // The router could not record the new run: the stale row holds the one running slot of the id.
    await recordRoutedRuns(database.db, [{ runId: 'r4-new', workflowId: 'welcome/rr4', journey: 'welcome', customerId: 'rr4', triggerEventId: 'e4' }]);
    const { existed } = await recordRunStart(database.db, { runId: 'r4-new', workflowId: 'welcome/rr4', journey: 'welcome', customerId: 'rr4', triggerEventId: 'e4', startedAt: '2026-01-02T00:00:00.000Z' });
    expect(existed).toBe(false);
    expect(await rowsOf('welcome/rr4')).toEqual([
      expect.objectContaining({ runId: 'r4-old', status: 'terminated', endReason: 'closed outside the journey (seen when the next run started)' }),
      expect.objectContaining({ runId: 'r4-new', status: 'running', triggerEventId: 'e4' }),
    ]);
  });
});
