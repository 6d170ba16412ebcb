/**
 * Who writes a run's `journey_runs` row when (db/queries/runs.ts), on a real Postgres: the router's
 * row for a run it started, the run's own record over it, and a running row an execution left when
 * it closed unseen.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createBeginRun } from '../activities/begin-run';
import { reachableChannelsSql } from '../contactability/eligibility';
import type { Database } from '../db/client';
import { storedEventsSince, type StoredEventsQuery } from '../db/queries/events';
import { loadProfile } from '../db/queries/profile';
import { beginRunRecord, recordRoutedRuns, recordRunStart } from '../db/queries/runs';
import { customers, events, journeyRuns } from '../db/schema';
import { createTestDatabase } from './support/database';
import { eventually } from './support/journeys';

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

/** A customer with an order's events: `o-before` routed before the cart run's trigger, `o-later` stored unrouted. */
async function cartCustomer(id: string) {
  await database.db.insert(customers).values({ id, email: `${id}@example.com`, name: 'Anna', timeZone: 'Europe/Moscow' });
  const at = new Date('2026-03-01T10:00:00.123Z');
  await database.db.insert(events).values([
    { id: `${id}-cart`, customerId: id, type: 'cart.updated', properties: { cartId: 'c1' }, occurredAt: at, routedAt: new Date() },
    // Its shop's clock put the order a moment before the cart change: keyed, it still counts.
    { id: `${id}-o-before`, customerId: id, type: 'order.placed', properties: { cartId: 'c1', total: 990 }, occurredAt: new Date(at.getTime() - 5_000), routedAt: new Date() },
    { id: `${id}-o-later`, customerId: id, type: 'order.placed', properties: { cartId: 'c1' }, occurredAt: new Date(at.getTime() + 5_000) },
  ]);
  const run = { runId: `${id}-run`, workflowId: `abandoned-cart/${id}/c1`, journey: 'abandoned-cart', customerId: id, triggerEventId: `${id}-cart` };
  const stored: StoredEventsQuery = { customerId: id, workflowId: run.workflowId, types: ['order.placed'], since: at, keyed: { property: 'cartId', value: 'c1', since: new Date(at.getTime() - 60_000) }, excludeId: run.triggerEventId };
  return { run, stored };
}

const reachable = reachableChannelsSql(undefined, undefined);

describe("a run's start in one statement", () => {
  it('after the router committed its row: the profile and the routed events, as their own queries read them', async () => {
    const { run, stored } = await cartCustomer('br1');
    await recordRoutedRuns(database.db, [{ ...run, holdout: false }]);
    const begun = await beginRunRecord(database.db, run, reachable, stored);
    expect(begun).toMatchObject({ existed: true, seen: true });
    expect(begun.profile).toEqual(await loadProfile(database.db, 'br1', reachable));
    expect(begun.stored).toEqual(await storedEventsSince(database.db, stored));
    expect(begun.stored.map((e) => [e.id, e.occurredAt, e.properties])).toEqual([['br1-o-before', '2026-03-01T09:59:55.123Z', { cartId: 'c1', total: 990 }]]);
  });

  it("when it waited for the router's commit, it says its reads are older than that commit (seen: false)", async () => {
    const { run, stored } = await cartCustomer('br2');
    await database.db.update(events).set({ routedAt: null }).where(eq(events.id, 'br2-o-before'));
    let begun: ReturnType<typeof beginRunRecord> | undefined;
    await database.db.transaction(async (tx) => {
      // The router: records the run it started, then its routed marks; the run's start arrives in between.
      await recordRoutedRuns(tx, [{ ...run, holdout: false }]);
      begun = beginRunRecord(database.db, run, reachable, stored);
      await eventually(async () => {
        const [waiting] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'with "rec"%'`);
        return waiting!.n > 0 || undefined;
      });
      await tx.update(events).set({ routedAt: new Date() }).where(eq(events.id, 'br2-o-before'));
    });
    const result = await begun!;
    expect(result).toMatchObject({ existed: true, seen: false, stored: [] });
    // Which is why the activity reads them again in that case (activities/begin-run.ts).
    expect((await storedEventsSince(database.db, stored)).map((e) => e.id)).toEqual(['br2-o-before']);
  });

  it('the beginRun activity reads the events again when its statement waited, so the order routed meanwhile reaches the run', async () => {
    const { run, stored } = await cartCustomer('br4');
    await database.db.update(events).set({ routedAt: null }).where(eq(events.id, 'br4-o-before'));
    const beginRun = createBeginRun(database.db, undefined);
    let begun: ReturnType<typeof beginRun> | undefined;
    await database.db.transaction(async (tx) => {
      await recordRoutedRuns(tx, [{ ...run, holdout: false }]);
      begun = new MockActivityEnvironment().run(beginRun, { ...run, triggerOccurredAt: stored.since.toISOString(), listens: stored.types, key: { property: 'cartId', value: 'c1' } });
      await eventually(async () => {
        const [waiting] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'with "rec"%'`);
        return waiting!.n > 0 || undefined;
      });
      await tx.update(events).set({ routedAt: new Date() }).where(eq(events.id, 'br4-o-before'));
    });
    const { profile, stored: events_ } = await begun!;
    expect(profile.id).toBe('br4');
    expect(events_.map((e) => e.id)).toEqual(['br4-o-before']);
  });

  it('records the run of a customer who does not exist, and says there is no profile', async () => {
    const begun = await beginRunRecord(database.db, { runId: 'br3-run', workflowId: 'welcome/br3', journey: 'welcome', customerId: 'br3' }, reachable, undefined);
    expect(begun).toEqual({ existed: false, seen: false, profile: undefined, stored: [] });
    expect(await rowsOf('welcome/br3')).toEqual([expect.objectContaining({ runId: 'br3-run', status: 'running' })]);
  });
});

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
