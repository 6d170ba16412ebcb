/**
 * Campaign enrolment against a bare loop of workflow starts, on the same Temporal server and worker:
 * N customers (BENCH_ENROL_CUSTOMERS, default 100k) in one segment; first a loop starts a
 * `quarterlyBonus` run per customer with `client.workflow.start` (50 in flight, as a campaign page
 * keeps), then a campaign of the same journey over the segment (no rate limit) enrols them all
 * under its own key. Both rates count starts accepted by Temporal per second, from the first start
 * to the last (for the campaign: from launching it to its workflow's end, its paging, segment reads,
 * journey_runs checks and progress writes included). The worker runs the journeys meanwhile in
 * both phases (each run loads a profile and records a skipped email: no consent in this set).
 *
 * The stack's worker must have a Temporal client in its activity deps (`createActivities({ client,
 * ... })`; worker.ts does this), or campaign pages fail. Alone:
 *   BENCH_ONLY=enrolment BENCH_ENROL_CUSTOMERS=5000 npm run bench
 */
import { performance } from 'node:perf_hooks';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { count, like, sql } from 'drizzle-orm';
import { journeyRuns } from '../db/schema';
import { launchCampaign } from '../campaigns/start';
import type { Db } from '../db/client';
import { saveCampaign } from '../db/queries/campaigns';
import { upsertSegment } from '../db/queries/segments';
import { campaignWorkflowId, type CampaignProgress } from '../workflows/campaign-contract';
import { CustomerIdAttribute, JourneyAttribute, type JourneyInput } from '../workflows/contract';

const CONCURRENCY = 50;

export async function benchEnrolment(
  stack: { db: Db; pgUrl: string; client: Client; taskQueue: string },
  deadline = Date.now() + 3_600_000,
): Promise<Record<string, number | string | boolean>> {
  const n = Number(process.env.BENCH_ENROL_CUSTOMERS ?? 100_000);
  const { db, client, taskQueue } = stack;
  // Customers in one statement: the bench is about starts, not about loading them.
  await db.execute(sql`
    insert into customers (id, email, time_zone, attributes)
    select 'enrol-' || lpad(i::text, 7, '0'), 'enrol-' || i || '@example.com', 'Europe/Moscow', '{"cohort":"enrol-bench"}'::jsonb
    from generate_series(1, ${n}) as i
    on conflict (id) do nothing`);
  const ids = Array.from({ length: n }, (_, i) => `enrol-${String(i + 1).padStart(7, '0')}`);

  // The bare loop: what starting the runs costs without a campaign around it.
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ids.length && Date.now() < deadline) {
        const customerId = ids[next++]!;
        const input: JourneyInput = { v: 1, customerId, key: 'bare', trigger: { v: 1, id: `bare/${customerId}`, type: 'bench', properties: {}, occurredAt: new Date().toISOString() } };
        // The very request a campaign sends for a member (lifecycle/runs.ts enrolRun).
        await client.workflow.start('quarterlyBonus', {
          workflowId: `quarterly-bonus/${customerId}/bare`,
          taskQueue,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: [{ key: CustomerIdAttribute, value: customerId }, { key: JourneyAttribute, value: 'quarterly-bonus' }],
        });
      }
    }),
  );
  const bareSeconds = (performance.now() - t0) / 1000;
  const bareStarted = Math.min(next, n);
  // The worker catches up with the loop's runs first, so the campaign does not pay for their backlog.
  await settled(db, '%/bare', bareStarted, deadline);

  // The campaign over the same customers, as POST /v1/campaigns launches it.
  await upsertSegment(db, { id: 'enrol-bench', name: 'enrolment bench', where: { attribute: 'attributes.cohort', eq: 'enrol-bench' } });
  const { campaign } = await saveCampaign(db, { id: 'enrol-bench', journey: 'quarterly-bonus', segmentId: 'enrol-bench' });
  const t1 = performance.now();
  await launchCampaign({ client, taskQueue }, campaign);
  const result = (await client.workflow.getHandle(campaignWorkflowId('enrol-bench')).result()) as CampaignProgress;
  const campaignSeconds = (performance.now() - t1) / 1000;
  const campaignSettled = await settled(db, '%/enrol-bench', n, deadline);

  const bareRate = bareStarted / bareSeconds;
  const campaignRate = (result.started ?? 0) / campaignSeconds;
  return {
    enrolmentCustomers: n,
    enrolmentConcurrency: CONCURRENCY,
    enrolmentBareStartsPerSecond: Math.round(bareRate),
    enrolmentCampaignStartsPerSecond: Math.round(campaignRate),
    enrolmentCampaignStarted: result.started ?? 0,
    enrolmentRatio: Number((campaignRate / bareRate).toFixed(2)),
    enrolmentBareSeconds: Number(bareSeconds.toFixed(1)),
    enrolmentCampaignSeconds: Number(campaignSeconds.toFixed(1)),
    enrolmentBareStarted: bareStarted,
    enrolmentCut: bareStarted < n || !campaignSettled,
  };
}

/** Waits until `n` runs whose workflow id is like `pattern` have recorded their start, or `deadline` passes. */
async function settled(db: Db, pattern: string, n: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const [row] = await db.select({ n: count() }).from(journeyRuns).where(like(journeyRuns.workflowId, pattern));
    if ((row?.n ?? 0) >= n) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}
