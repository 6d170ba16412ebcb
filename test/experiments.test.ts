/**
 * Experiments in journeys, through the real worker, Postgres and the time-skipping server: the
 * A/B split of `j.variant` (stable per customer, recorded on the run and on every message) and a
 * journey's holdout (recorded, never sent anything).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { ExperimentsAnswer, VariantResults } from '../analytics/experiments';
import type { Database } from '../db/client';
import { consents, customers, journeyRuns, messages, orders } from '../db/schema';
import { pickVariant, stablePoint, variantsProblem } from '../workflows/bucket';
import { holdoutProblem, inJourneyHoldout } from '../workflows/dsl/options';
import { holdoutProbe, variantContinueProbe, variantOnlyProbe, variantProbe } from './workflows/probes';
import { event, triggerInput } from './support/journeys';
import { seedCustomer, startTestApi } from './support/cascade';
import { useProbes } from './support/probes';
import { activityCalls } from './support/history';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useProbes((c) => ({ env, database } = c));

/** The shares are a hash of journey, experiment and customer: counted over many customers without running them. */
const many = Array.from({ length: 200 }, (_, i) => `x-${String(i).padStart(3, '0')}`);
/** The runs that check the journey uses that hash and records it: fewer, each a workflow on the time-skipping server. */
const N = 30;
const ids = many.slice(0, N);

async function seedMany() {
  const db = database.db;
  await db.insert(customers).values(ids.map((id) => ({ id, email: `${id}@example.com`, timeZone: 'Europe/Moscow' })));
  await db.insert(consents).values(ids.map((customerId) => ({ customerId, channel: 'email' as const, granted: true })));
}

/**
 * Runs `wf` once for every customer of `ids`, one after another: the time-skipping server skips
 * time only while the test waits on a result, and skipping while other runs' activities are in
 * flight times them out. Answers each run's end reason by customer.
 */
async function runAll(wf: typeof variantProbe, suffix: string): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  for (const id of ids) {
    const handle = await env.client.workflow.start(wf, { workflowId: `${wf.options.id}/${id}/${suffix}`, taskQueue, args: [triggerInput(id, event('probe'))] });
    reasons.set(id, await handle.result());
  }
  return reasons;
}

describe('j.variant', () => {
  it('splits 200 customers about evenly', () => {
    const bs = many.filter((id) => pickVariant(['a', 'b'], stablePoint('variant-probe', 'subject-test', id)) === 'b').length;
    // 200 fair coin flips: 100 ± 14 is two standard deviations either side.
    expect(bs).toBeGreaterThanOrEqual(80);
    expect(bs).toBeLessThanOrEqual(120);
  });

  it('gives each run that split, the same way every run, and records it on the run and each message, with no call of its own', async () => {
    await seedMany();
    const first = await runAll(variantProbe, '1');
    const variantOf = new Map([...first].map(([id, reason]) => [id, reason.replace(/^completed: /, '')]));
    for (const id of ids) expect(variantOf.get(id)).toBe(pickVariant(['a', 'b'], stablePoint('variant-probe', 'subject-test', id)));
    expect(new Set(variantOf.values())).toEqual(new Set(['a', 'b']));
    // The variant rode on the first send's ledger row: the run made no call to record it.
    const history = await env.client.workflow.getHandle(`variant-probe/${ids[0]}/1`).fetchHistory();
    expect(activityCalls(history.events ?? []).filter((name) => name !== 'beginRun' && name !== 'recordRunEnd')).toEqual(['send', 'send']);

    const runs = await database.db.select().from(journeyRuns).where(eq(journeyRuns.journey, 'variant-probe'));
    expect(runs).toHaveLength(N);
    for (const run of runs) expect(run.variants).toEqual({ 'subject-test': variantOf.get(run.customerId) });

    // Both sends, the second one a day later, carry the run's variant.
    const sent = await database.db.select().from(messages).where(eq(messages.journey, 'variant-probe'));
    expect(sent).toHaveLength(2 * N);
    for (const m of sent) {
      expect(m.status).toBe('sent');
      expect(m.variants).toEqual({ 'subject-test': variantOf.get(m.customerId) });
    }

    // A second run of each customer gets the variant the first one got.
    const again = await runAll(variantProbe, '2');
    for (const id of ids) expect(again.get(id)).toBe(first.get(id));
  }, 300_000);

  it('keeps the variant across continue-as-new: recorded once, on the message sent after it', async () => {
    await seedCustomer(database.db, { id: 'cont-1' });
    const handle = await env.client.workflow.start(variantContinueProbe, { workflowId: 'variant-continue-probe/cont-1', taskQueue, args: [triggerInput('cont-1', event('probe'))] });
    const chosen = (await handle.result()).replace(/^completed: /, '');
    expect(chosen).toBe(pickVariant(['a', 'b'], stablePoint('variant-continue-probe', 'subject-test', 'cont-1')));
    const { runId } = await handle.describe();
    expect(runId).not.toBe(handle.firstExecutionRunId); // it did continue as new
    const [run] = await database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, 'variant-continue-probe/cont-1'));
    expect(run!.variants).toEqual({ 'subject-test': chosen });
    const [sent] = await database.db.select().from(messages).where(eq(messages.journey, 'variant-continue-probe'));
    expect(sent!.variants).toEqual({ 'subject-test': chosen });
    // The first execution recorded the variant; the last one had it carried and did not again.
    const recordings = async (execution: string) => {
      const history = await env.client.workflow.getHandle('variant-continue-probe/cont-1', execution).fetchHistory();
      return activityCalls(history.events ?? []).filter((name) => name === 'recordRunVariant').length;
    };
    expect(await recordings(handle.firstExecutionRunId)).toBe(1);
    expect(await recordings(runId)).toBe(0);
  });

  it('records the variant of a run that sends nothing after it, when the run ends', async () => {
    await seedCustomer(database.db, { id: 'only-1' });
    const handle = await env.client.workflow.start(variantOnlyProbe, { workflowId: 'variant-only-probe/only-1', taskQueue, args: [triggerInput('only-1', event('probe'))] });
    const chosen = (await handle.result()).replace(/^completed: /, '');
    const [run] = await database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, 'variant-only-probe/only-1'));
    expect(run).toMatchObject({ status: 'completed', variants: { 'subject-test': chosen } });
    expect(activityCalls((await handle.fetchHistory()).events ?? [])).toEqual(['beginRun', 'recordRunVariant', 'recordRunEnd']);
  });

  it('follows weights: { a: 90, b: 10 } gives b about a tenth of customers', () => {
    const draws = Array.from({ length: 10_000 }, (_, i) => `w-${i}`);
    const bs = draws.filter((id) => pickVariant({ a: 90, b: 10 }, stablePoint('any-journey', 'price-test', id)) === 'b').length;
    // 10,000 draws at 10%: sd 30; ±120 is four of them.
    expect(bs).toBeGreaterThan(880);
    expect(bs).toBeLessThan(1120);
  });
});

describe('holdout', () => {
  it('refuses a share the journey cannot mean, and experiments that cannot split', () => {
    expect(holdoutProblem({ id: 'sale', topic: 'promotions', holdout: { percent: 20 } })).toBeNull();
    expect(holdoutProblem({ id: 'sale', topic: 'promotions', holdout: { percent: 60 } })).toMatch(/holdout.percent must be an integer from 1 to 50/);
    expect(holdoutProblem({ id: 'sale', topic: 'promotions', holdout: { percent: 2.5 } })).toMatch(/holdout.percent/);
    expect(variantsProblem('subject-test', ['a'])).toMatch(/at least two variants/);
    expect(variantsProblem('subject-test', { a: 1, b: 0 })).toMatch(/positive weight/);
    expect(variantsProblem('Subject Test', ['a', 'b'])).toMatch(/kebab-case/);
  });

  it('keeps about 20% out', () => {
    const held = many.filter((id) => inJourneyHoldout(holdoutProbe.options, id)).length;
    // 200 draws at 20%: sd 5.7; 40 ± 17 is three of them.
    expect(held).toBeGreaterThanOrEqual(23);
    expect(held).toBeLessThanOrEqual(57);
  });

  it('records the runs it keeps out as holdout, and the ledger has nothing for them', async () => {
    const reasons = await runAll(holdoutProbe, '1');
    const runs = await database.db.select().from(journeyRuns).where(eq(journeyRuns.journey, 'holdout-probe'));
    expect(runs).toHaveLength(N);
    const held = runs.filter((r) => r.holdout).map((r) => r.customerId);
    expect(held.sort()).toEqual(ids.filter((id) => inJourneyHoldout(holdoutProbe.options, id)).sort());
    expect(held.length).toBeGreaterThan(0);
    for (const id of held) expect(reasons.get(id)).toBe('completed: held out');

    const heldSends = await database.db
      .select()
      .from(messages)
      .where(and(eq(messages.journey, 'holdout-probe'), inArray(messages.customerId, held)));
    expect(heldSends).toEqual([]);
    const treatedSends = await database.db.select().from(messages).where(eq(messages.journey, 'holdout-probe'));
    expect(treatedSends).toHaveLength(N - held.length);
    expect(treatedSends.filter((m) => m.status !== "sent").map((m) => [m.status, m.error, m.skipReason])).toEqual([]);

    // The same customers are held out on their next run.
    const again = await runAll(holdoutProbe, '2');
    const heldAgain = ids.filter((id) => again.get(id) === 'completed: held out');
    expect(heldAgain.sort()).toEqual([...held].sort());
  }, 300_000);
});

describe('GET /v1/analytics/journeys/:journey/experiments', () => {
  /**
   * A fixture of welcome runs, all started at T0 (goal: an order within 7 days of the start):
   *   variant a: f-000..f-099; f-000..f-029 order on day 1 (1000 each), f-000 again on day 2 (500);
   *              f-030 orders on day 8 (outside the window), f-031 an hour before its start: 30 of 100.
   *   variant b: f-100..f-199; f-100..f-114 order on day 1 (1000 each): 15 of 100.
   *   holdout:   f-200..f-249; f-200..f-204 order on day 3 (1000 each): 5 of 50.
   *   f-250: a refused run with variant a and an order: left out.
   * One sent email per treated run carries its variant; five skipped ones in b do not count.
   */
  const T0 = Date.parse('2026-01-10T10:00:00Z');
  const H = 3600_000;
  const f = (i: number) => `f-${String(i).padStart(3, '0')}`;
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

  async function seedFixture() {
    const db = database.db;
    await db.insert(customers).values(range(0, 250).map((i) => ({ id: f(i), email: `${f(i)}@example.com`, timeZone: 'Europe/Moscow' })));
    await db.insert(journeyRuns).values(
      range(0, 250).map((i) => ({
        runId: `run-${f(i)}`,
        workflowId: `welcome/${f(i)}`,
        journey: 'welcome',
        customerId: f(i),
        status: i === 250 ? ('refused' as const) : ('completed' as const),
        startedAt: new Date(T0),
        holdout: i >= 200 && i < 250,
        variants: i < 100 || i === 250 ? { 'subject-test': 'a' } : i < 200 ? { 'subject-test': 'b' } : null,
      })),
    );
    const order = (id: string, i: number, atMs: number, total: string) => ({ id, customerId: f(i), source: 'online' as const, total, placedAt: new Date(atMs) });
    await db.insert(orders).values([
      ...range(0, 29).map((i) => order(`o-${i}`, i, T0 + 24 * H, '1000')),
      order('o-0-again', 0, T0 + 48 * H, '500'),
      order('o-30-late', 30, T0 + 8 * 24 * H, '1000'),
      order('o-31-before', 31, T0 - H, '1000'),
      ...range(100, 114).map((i) => order(`o-${i}`, i, T0 + 24 * H, '1000')),
      ...range(200, 204).map((i) => order(`o-${i}`, i, T0 + 72 * H, '1000')),
      order('o-250', 250, T0 + 24 * H, '1000'),
    ]);
    const message = (i: number, status: 'sent' | 'skipped', step: string) => ({
      idempotencyKey: `welcome/${f(i)}/run-${f(i)}/${step}`,
      customerId: f(i),
      workflowId: `welcome/${f(i)}`,
      journey: 'welcome',
      step,
      channel: 'email' as const,
      provider: 'outbox',
      template: 'welcome-hello',
      topic: 'news',
      status,
      requestedAt: new Date(T0 + 60_000),
      variants: { 'subject-test': i < 100 ? 'a' : 'b' },
    });
    await db.insert(messages).values([...range(0, 199).map((i) => message(i, 'sent', 'welcome-hello')), ...range(100, 104).map((i) => message(i, 'skipped', 'welcome-fitting'))]);
  }

  it('answers per-variant conversion with a z-test, and the holdout uplift, as computed by hand', async () => {
    await seedFixture();
    const api = await startTestApi(database.db, env.client);
    try {
      const res = await api.call('/v1/analytics/journeys/welcome/experiments');
      expect(res.status).toBe(200);
      const body = (await res.json()) as ExperimentsAnswer;
      expect(body.goal).toEqual({ event: 'order.placed', withinMs: 7 * 24 * H });
      expect(body.experiments).toHaveLength(1);
      const [a, b] = body.experiments[0]!.variants as [VariantResults, VariantResults & { vsControl: NonNullable<VariantResults['vsControl']> }];
      expect(a).toEqual({ variant: 'a', runs: 100, customers: 100, sent: 100, converted: 30, revenue: 30500, conversionRate: 0.3 });
      expect(b).toMatchObject({ variant: 'b', runs: 100, customers: 100, sent: 100, converted: 15, revenue: 15000, conversionRate: 0.15 });
      // b against a: pooled p = 45/200 = 0.225; se = sqrt(0.225 · 0.775 · (1/100 + 1/100)) = 0.059055;
      // z = (0.15 − 0.30) / 0.059055 = −2.540; p = 2 · (1 − Φ(2.540)) = 2 · (1 − 0.99446) = 0.0111.
      expect(b.vsControl.control).toBe('a');
      expect(b.vsControl.difference).toBeCloseTo(-0.15, 10);
      expect(b.vsControl.z).toBeCloseTo(-2.54, 2);
      expect(Math.abs(b.vsControl.pValue - 0.0111)).toBeLessThan(0.001);
      expect(b.vsControl.significant).toBe(true);

      // Treated 45 of 200 (0.225), holdout 5 of 50 (0.10): uplift 0.125 absolute, 1.25 relative.
      // Pooled p = 50/250 = 0.2; se = sqrt(0.2 · 0.8 · (1/200 + 1/50)) = 0.063246; z = 0.125 / 0.063246 = 1.976;
      // p = 2 · (1 − Φ(1.976)) = 2 · (1 − 0.97594) = 0.0481: significant at 0.05, just.
      const { treated, holdout, uplift } = body.holdout!;
      expect(treated).toEqual({ runs: 200, customers: 200, converted: 45, revenue: 45500, conversionRate: 0.225 });
      expect(holdout).toEqual({ runs: 50, customers: 50, converted: 5, revenue: 5000, conversionRate: 0.1 });
      expect(uplift.absolute).toBeCloseTo(0.125, 10);
      expect(uplift.relative).toBeCloseTo(1.25, 10);
      expect(uplift.z).toBeCloseTo(1.976, 2);
      expect(Math.abs(uplift.pValue - 0.0481)).toBeLessThan(0.002);
      expect(uplift.significant).toBe(true);

      // Runs started from the next day on: none.
      const later = await (await api.call('/v1/analytics/journeys/welcome/experiments?from=2026-01-11')).json();
      expect(later).toMatchObject({ experiments: [], holdout: null });

      const bad = await api.call('/v1/analytics/journeys/welcome/experiments?from=yesterday');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('from');
      expect((await api.call('/v1/analytics/journeys/no-such/experiments')).status).toBe(404);
      expect((await api.call('/v1/analytics/campaigns/no-such/experiments')).status).toBe(404);
    } finally {
      await api.stop();
    }
  });
});
