/**
 * Campaign enrolment against a bare loop of workflow starts, on the same Temporal server and worker,
 * in interleaved rounds (bench/rounds.ts): per round, a bare loop starts a quarterly-bonus run for
 * each of `customers` customers (the request a campaign sends for a member, lifecycle/runs.ts
 * enrolRun, 50 in flight as a campaign page keeps) on a task queue no worker polls, so its runs cost
 * nothing after it; then a campaign of the same journey over a segment of `customers` customers of
 * its own (no rate limit) enrols them all. The bare rate counts starts accepted by Temporal per
 * second, first to last; the campaign's runs from launching it to its workflow's end (its paging,
 * segment reads, journey_runs checks and progress writes included, and the worker running the
 * journeys meanwhile: each loads a profile and records a skipped email, no consent in this set).
 * The campaign phase is drained (every run recorded and quiet) before the next round's loop; the
 * last only waits for every run to be recorded.
 *
 * The stack's worker must have a Temporal client in its activity deps (`createActivities({ client,
 * ... })`; worker.ts does this), or campaign pages fail. Alone:
 *   BENCH_ONLY=enrolment BENCH_ENROL_CUSTOMERS=5000 npm run bench -- --topology embedded
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { launchCampaign } from '../campaigns/start';
import { saveCampaign } from '../db/queries/campaigns';
import { upsertSegment } from '../db/queries/segments';
import { campaignWorkflowId, type CampaignProgress } from '../workflows/campaign-contract';
import { runsOf, waitRuns } from './events';
import { bareLoop, enrol, NO_WORKER_QUEUE } from './raw';
import { interleave, middle, ratioOfRounds, waitQuiet } from './rounds';
import type { BenchStack } from './stack';

const CONCURRENCY = 50;

export async function benchEnrolment(stack: BenchStack, opts: { customers: number; pairs: number; deadline: number }): Promise<Record<string, unknown>> {
  const { customers: n, deadline } = opts;
  const { db, client, taskQueue } = stack;
  const prefix = (round: number) => `enrol-${round}-`;
  // Customers in one statement per round: the bench is about starts, not about loading them.
  for (let round = 0; round < opts.pairs; round++) {
    await db.execute(sql`
      insert into customers (id, email, time_zone, attributes)
      select ${prefix(round)} || i, ${prefix(round)} || i || '@example.com', 'Europe/Moscow', jsonb_build_object('cohort', ${`enrol-bench-${round}`}::text)
      from generate_series(0, ${n - 1}::int) as i
      on conflict (id) do nothing`);
  }

  const rounds = await interleave(
    deadline,
    async (round) => {
      const ids = Array.from({ length: n }, (_, i) => `${prefix(round)}${i}`);
      const bare = await bareLoop(ids, CONCURRENCY, (c) => enrol({ client, taskQueue: NO_WORKER_QUEUE }, 'quarterly-bonus', c, `bare-${round}`), deadline);

      // The campaign, as POST /v1/campaigns launches it.
      const id = `enrol-bench-${round}`;
      await upsertSegment(db, { id, name: `enrolment bench ${round}`, where: { attribute: 'attributes.cohort', eq: id } });
      const { campaign } = await saveCampaign(db, { id, journey: 'quarterly-bonus', segmentId: id });
      const t0 = performance.now();
      await launchCampaign({ client, taskQueue }, campaign);
      // At the deadline a campaign still enrolling is cut, and what it enrolled by then is its figure.
      const finished = await Promise.race([
        client.workflow.getHandle(campaignWorkflowId(id)).result() as Promise<CampaignProgress>,
        sleep(Math.max(0, deadline - Date.now())).then(() => undefined),
      ]);
      const seconds = (performance.now() - t0) / 1000;
      const started = finished ? (finished.started ?? 0) : (await runsOf(db, prefix(round))).length;
      // A cut campaign would go on enrolling inside the next section's window.
      if (!finished) await client.workflow.getHandle(campaignWorkflowId(id)).terminate('bench: cut at its cap');
      // Drained before another round: one describe a run, so not after the last (a 100k campaign).
      const settled =
        (await waitRuns(db, 'quarterly-bonus', prefix(round), started, deadline)) &&
        (round === opts.pairs - 1 || (await waitQuiet(client, await runsOf(db, prefix(round)), deadline)));
      return {
        bare: { started: bare.calls, perSecond: bare.perSecond, seconds: bare.seconds },
        campaign: { started, perSecond: Math.round(started / seconds), seconds: Number(seconds.toFixed(1)), settled },
      };
    },
    opts.pairs,
  );
  const campaignRates = rounds.map((r) => r.campaign.perSecond);
  const bareRates = rounds.map((r) => r.bare.perSecond);
  return {
    enrolmentCustomers: n,
    enrolmentConcurrency: CONCURRENCY,
    pairs: rounds.length,
    rounds,
    enrolmentBareStartsPerSecond: rounds.length ? middle(bareRates) : undefined,
    enrolmentCampaignStartsPerSecond: rounds.length ? middle(campaignRates) : undefined,
    ...ratioOfRounds(campaignRates, bareRates),
    enrolmentCut: rounds.length < opts.pairs || rounds.some((r) => r.bare.started < n || r.campaign.started < n || !r.campaign.settled),
  };
}
