/**
 * Experiments in journeys, through the real worker, Postgres and the time-skipping server: the
 * A/B split of `j.variant` (stable per customer, recorded on the run and on every message) and a
 * journey's holdout (recorded, never sent anything).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { consents, customers, journeyRuns, messages } from '../db/schema';
import { pickVariant, stablePoint } from '../workflows/bucket';
import { holdoutProbe, variantProbe } from './workflows/probes';
import { event, triggerInput } from './support/journeys';
import { useProbes } from './support/probes';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useProbes((c) => ({ env, database } = c));

const N = 200;
const ids = Array.from({ length: N }, (_, i) => `x-${String(i).padStart(3, '0')}`);

async function seedMany() {
  const db = database.db;
  await db.insert(customers).values(ids.map((id) => ({ id, email: `${id}@example.com`, timeZone: 'Europe/Moscow' })));
  await db.insert(consents).values(ids.map((customerId) => ({ customerId, channel: 'email' as const, granted: true })));
}

/**
 * Runs `wf` once for every customer, one after another: the time-skipping server skips time only
 * while the test waits on a result, and skipping while other runs' activities are in flight times
 * them out. Answers each run's end reason by customer.
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
  it('splits 200 customers about evenly, the same way every run, and records the variant on the run and each message', async () => {
    await seedMany();
    const first = await runAll(variantProbe, '1');
    const variantOf = new Map([...first].map(([id, reason]) => [id, reason.replace(/^completed: /, '')]));
    const bs = [...variantOf.values()].filter((v) => v === 'b').length;
    expect([...variantOf.values()].every((v) => v === 'a' || v === 'b')).toBe(true);
    // 200 fair coin flips: 100 ± 14 is two standard deviations either side.
    {
      expect(bs).toBeGreaterThanOrEqual(80);
      expect(bs).toBeLessThanOrEqual(120);
    }

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

  it('follows weights: { a: 90, b: 10 } gives b about a tenth of customers', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `w-${i}`);
    const bs = many.filter((id) => pickVariant({ a: 90, b: 10 }, stablePoint('any-journey', 'price-test', id)) === 'b').length;
    // 10,000 draws at 10%: sd 30; ±120 is four of them.
    expect(bs).toBeGreaterThan(880);
    expect(bs).toBeLessThan(1120);
  });
});

describe('holdout', () => {
  it('keeps about 20% out: their runs are recorded as holdout and the ledger has nothing for them', async () => {
    const reasons = await runAll(holdoutProbe, '1');
    const runs = await database.db.select().from(journeyRuns).where(eq(journeyRuns.journey, 'holdout-probe'));
    expect(runs).toHaveLength(N);
    const held = runs.filter((r) => r.holdout).map((r) => r.customerId);
    // 200 draws at 20%: sd 5.7; 40 ± 17 is three of them.
    {
      expect(held.length).toBeGreaterThanOrEqual(23);
      expect(held.length).toBeLessThanOrEqual(57);
    }
    for (const id of held) expect(reasons.get(id)).toBe('completed: held out');

    const heldSends = await database.db
      .select()
      .from(messages)
      .where(and(eq(messages.journey, 'holdout-probe'), inArray(messages.customerId, held)));
    expect(heldSends).toEqual([]);
    const treatedSends = await database.db.select().from(messages).where(eq(messages.journey, 'holdout-probe'));
    expect(treatedSends).toHaveLength(N - held.length);
    expect(treatedSends.every((m) => m.status === 'sent')).toBe(true);

    // The same customers are held out on their next run.
    const again = await runAll(holdoutProbe, '2');
    const heldAgain = ids.filter((id) => again.get(id) === 'completed: held out');
    expect(heldAgain.sort()).toEqual([...held].sort());
  }, 300_000);
});
