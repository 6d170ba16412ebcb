/**
 * Campaigns on the dev server and real Postgres, through the HTTP API: a campaign enrols every
 * member of its segment once and says so (GET and the `progress` query); pause holds enrolment,
 * resume continues, cancel ends it; a campaign killed mid-way and launched again enrols nobody
 * twice; test mode reaches the test recipients only; a 30% rollout widened to 100% adds the rest;
 * the rate is kept; a schedule's firing enrols the segment under the firing's key.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { inRollout } from '../workflows/bucket';
import { inHoldout } from '../workflows/bucket';
import { launchCampaign } from '../campaigns/start';
import { saveCampaign } from '../db/queries/campaigns';
import type { Database } from '../db/client';
import { journeyRuns, messages } from '../db/schema';
import { campaignProgressQuery, campaignWorkflowId } from '../workflows/campaign-contract';
import { seedCustomer, startTestApi, useCascadeApi } from './support/cascade';
import { eventually } from './support/journeys';
import { recordHistory } from './support/histories';
import { taskQueue } from './support/temporal';

const cascade = useCascadeApi('dev-server');

interface CampaignView {
  id: string;
  status: string;
  total: number;
  enrolled: number;
  skipped: number;
  startedAt: string | null;
  finishedAt: string | null;
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

/** `n` customers in cohort `prefix` (and a few outside it), and a segment of that cohort. */
async function cohort(prefix: string, n: number): Promise<string[]> {
  const members = ids(prefix, n);
  for (const id of [...members, `${prefix}-outsider`]) {
    await seedCustomer(cascade.database.db, { id, attributes: { cohort: id.endsWith('outsider') ? 'none' : prefix } });
  }
  const res = await cascade.api.call('/v1/segments', {
    method: 'POST',
    body: JSON.stringify({ id: prefix, name: `cohort ${prefix}`, where: { attribute: 'attributes.cohort', eq: prefix } }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return members;
}

async function post(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await cascade.api.call(path, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function campaign(id: string): Promise<CampaignView> {
  const res = await cascade.api.call(`/v1/campaigns/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as CampaignView;
}

const until = (id: string, ok: (c: CampaignView) => boolean, timeoutMs = 30_000) =>
  eventually(async () => {
    const c = await campaign(id);
    return ok(c) ? c : undefined;
  }, timeoutMs);

/** The journey runs each customer has of this campaign (journey_runs, written by the runs themselves). */
async function runsPerCustomer(campaignId: string): Promise<Map<string, number>> {
  const rows = await cascade.database.db
    .select({ customerId: journeyRuns.customerId, n: sql<number>`count(*)::int` })
    .from(journeyRuns)
    .where(eq(journeyRuns.campaignId, campaignId))
    .groupBy(journeyRuns.customerId);
  return new Map(rows.map((r) => [r.customerId, r.n]));
}

/** Waits until `n` customers have a recorded run of the campaign. */
const recorded = (campaignId: string, n: number) =>
  eventually(async () => {
    const runs = await runsPerCustomer(campaignId);
    return runs.size >= n ? runs : undefined;
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('campaigns', () => {
  it('enrols every member of the segment once, and says how far it got', async () => {
    const members = await cohort('basic', 12);
    const created = await post('/v1/campaigns', { id: 'basic-1', journey: 'quarterly-bonus', segment: 'basic' });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ id: 'basic-1', journey: 'quarterly-bonus', segment: 'basic', rolloutPercent: 100 });

    const done = await until('basic-1', (c) => c.status === 'done');
    expect(done).toMatchObject({ total: 12, enrolled: 12, skipped: 0 });
    expect(done.finishedAt).not.toBeNull();
    const handle = cascade.env.client.workflow.getHandle(campaignWorkflowId('basic-1'));
    expect(await handle.query(campaignProgressQuery)).toMatchObject({ status: 'done', total: 12, enrolled: 12, started: 12 });
    await recordHistory(handle, 'campaign-basic');

    const runs = await recorded('basic-1', 12);
    expect([...runs.keys()].sort()).toEqual(members);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    // Each run is the journey's own: it sends the offer, once.
    const sent = await eventually(async () => {
      const rows = await cascade.database.db.select().from(messages).where(eq(messages.journey, 'quarterly-bonus'));
      const mine = rows.filter((m) => m.customerId.startsWith('basic-') && m.status !== 'pending');
      return mine.length >= 12 ? mine : undefined;
    });
    expect(sent.map((m) => m.customerId).sort()).toEqual(members);
    expect(sent[0]!.workflowId).toMatch(/^quarterly-bonus\/basic-\d\d\/basic-1$/);
    await recordHistory(cascade.env.client.workflow.getHandle(sent[0]!.workflowId), 'quarterly-bonus-campaign-started');

    const list = await cascade.api.call('/v1/campaigns');
    expect(((await list.json()) as { campaigns: CampaignView[] }).campaigns.map((c) => c.id)).toContain('basic-1');
  });

  it('refuses a journey or segment that does not exist, a bad schedule, and unknown campaigns', async () => {
    await cohort('refused', 1);
    const journey = await post('/v1/campaigns', { id: 'bad-1', journey: 'no-such-journey', segment: 'refused' });
    expect(journey.status).toBe(400);
    expect(journey.json.error).toMatchObject({ field: 'journey' });
    const segment = await post('/v1/campaigns', { id: 'bad-1', journey: 'quarterly-bonus', segment: 'no-such-segment' });
    expect(segment.status).toBe(400);
    expect(segment.json.error).toMatchObject({ field: 'segment' });
    const every = await post('/v1/campaigns', { id: 'bad-1', journey: 'quarterly-bonus', segment: 'refused', schedule: { every: 'often' } });
    expect(every.json.error).toMatchObject({ field: 'schedule.every' });
    const cron = await post('/v1/campaigns', { id: 'bad-1', journey: 'quarterly-bonus', segment: 'refused', schedule: { cron: 'every full moon' } });
    expect(cron.status).toBe(400);
    expect(cron.json.error).toMatchObject({ field: 'schedule.cron' });
    const id = await post('/v1/campaigns', { id: "x' OR 1=1 --", journey: 'quarterly-bonus', segment: 'refused' });
    expect(id.json.error).toMatchObject({ field: 'id' });
    // Nothing half-written: no row for any of them.
    expect((await cascade.api.call('/v1/campaigns/bad-1')).status).toBe(404);
    expect((await post('/v1/campaigns/nope/pause')).status).toBe(404);
  });

  it('a campaign whose journey left the code ends, saying why', async () => {
    await cohort('retired', 2);
    // As if the journey had been deleted from workflows/journeys/ after the campaign was made.
    const { campaign: row } = await saveCampaign(cascade.database.db, { id: 'retired-1', journey: 'retired-journey', segmentId: 'retired' });
    await launchCampaign({ client: cascade.env.client, taskQueue }, row);
    const ended = await until('retired-1', (c) => c.status === 'cancelled');
    expect((ended as CampaignView & { lastError: string }).lastError).toMatch(/journey retired-journey does not exist/);
  });

  it('pause holds enrolment, resume continues it, and nobody is enrolled twice', async () => {
    const members = await cohort('paused', 60);
    expect((await post('/v1/campaigns', { id: 'paused-1', journey: 'quarterly-bonus', segment: 'paused', ratePerSecond: 5 })).status).toBe(201);
    await until('paused-1', (c) => c.status === 'running' && c.enrolled >= 5);
    expect((await post('/v1/campaigns/paused-1/resume')).status).toBe(409);
    const paused = await post('/v1/campaigns/paused-1/pause');
    expect(paused.status).toBe(200);
    expect(paused.json.status).toBe('paused');
    // The enrolment call in flight (a 3 s budget plus one 2 s page at this rate, longer on a busy
    // machine) ends and is counted; then nothing moves. Unpaused, the 60 would all be in within 12 s.
    const held = await eventually(async () => {
      const before = await campaign('paused-1');
      await sleep(3_000);
      const after = await campaign('paused-1');
      const runs = (await runsPerCustomer('paused-1')).size;
      return after.enrolled === before.enrolled && runs <= after.enrolled ? after : undefined;
    }, 60_000);
    expect(held.status).toBe('paused');
    expect(held.enrolled).toBeLessThan(60);
    await sleep(3_000);
    expect((await campaign('paused-1')).enrolled).toBe(held.enrolled);
    expect((await runsPerCustomer('paused-1')).size).toBeLessThanOrEqual(held.enrolled);

    expect((await post('/v1/campaigns/paused-1/resume')).json.status).toBe('running');
    expect(await until('paused-1', (c) => c.status === 'done')).toMatchObject({ total: 60, enrolled: 60, skipped: 0 });
    const runs = await recorded('paused-1', 60);
    expect([...runs.keys()].sort()).toEqual(members);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('cancel ends the campaign: nobody more is enrolled', async () => {
    await cohort('cancelled', 60);
    await post('/v1/campaigns', { id: 'cancelled-1', journey: 'quarterly-bonus', segment: 'cancelled', ratePerSecond: 5 });
    await until('cancelled-1', (c) => c.enrolled >= 5);
    const cancelled = await post('/v1/campaigns/cancelled-1/cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe('cancelled');
    const result = await cascade.env.client.workflow.getHandle(campaignWorkflowId('cancelled-1')).result();
    expect(result.status).toBe('cancelled');
    expect(result.enrolled).toBeLessThan(60);
    const after = await campaign('cancelled-1');
    expect(after).toMatchObject({ status: 'cancelled', enrolled: result.enrolled });
    await sleep(3_000);
    expect((await runsPerCustomer('cancelled-1')).size).toBe(result.enrolled);
    expect((await post('/v1/campaigns/cancelled-1/pause')).status).toBe(409);
  });

  it('a campaign killed mid-way and launched again enrols nobody twice', async () => {
    const members = await cohort('restart', 60);
    const body = { id: 'restart-1', journey: 'quarterly-bonus', segment: 'restart', ratePerSecond: 5 };
    await post('/v1/campaigns', body);
    await until('restart-1', (c) => c.enrolled >= 10);
    await cascade.env.client.workflow.getHandle(campaignWorkflowId('restart-1')).terminate('killed by the test');
    const before = (await runsPerCustomer('restart-1')).size;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(60);

    expect((await post('/v1/campaigns', body)).status).toBe(200);
    const done = await until('restart-1', (c) => c.status === 'done');
    expect(done).toMatchObject({ total: 60, enrolled: 60 });
    const result = await cascade.env.client.workflow.getHandle(campaignWorkflowId('restart-1')).result();
    // The second execution started only those the first had not reached.
    expect(result.started).toBeLessThanOrEqual(60 - before);
    const runs = await recorded('restart-1', 60);
    expect([...runs.keys()].sort()).toEqual(members);
    expect([...runs.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });

  it('test mode reaches the test recipients only; the real launch still reaches them', async () => {
    const members = await cohort('staged', 6);
    const testers = ['staged-01', 'staged-04'];
    const test = await post('/v1/campaigns', { id: 'staged-1', journey: 'quarterly-bonus', segment: 'staged', testRecipients: [...testers, 'ghost'] });
    expect(test.status).toBe(201);
    expect(await until('staged-1', (c) => c.status === 'done')).toMatchObject({ total: 3, enrolled: 2, skipped: 1 });
    const testRuns = await recorded('staged-1', 2);
    await sleep(1_000);
    expect([...(await runsPerCustomer('staged-1')).keys()].sort()).toEqual(testers);
    expect([...testRuns.keys()].sort()).toEqual(testers);

    // The launch: the same campaign without test recipients.
    expect((await post('/v1/campaigns', { id: 'staged-1', journey: 'quarterly-bonus', segment: 'staged' })).status).toBe(200);
    expect(await until('staged-1', (c) => c.status === 'done' && c.total === 6)).toMatchObject({ enrolled: 6, skipped: 0 });
    const runs = await eventually(async () => {
      const r = await runsPerCustomer('staged-1');
      return [...r.values()].reduce((a, b) => a + b, 0) >= 8 ? r : undefined;
    });
    expect(Object.fromEntries(runs)).toEqual(Object.fromEntries(members.map((id) => [id, testers.includes(id) ? 2 : 1])));
    const workflowIds = await cascade.database.db.select({ id: journeyRuns.workflowId }).from(journeyRuns).where(eq(journeyRuns.customerId, 'staged-01'));
    expect(workflowIds.map((r) => r.id).sort()).toEqual(['quarterly-bonus/staged-01/staged-1', 'quarterly-bonus/staged-01/staged-1~test']);
  });

  it('a 30% rollout enrols a stable share; widened to 100% it adds the rest, nobody twice', async () => {
    const members = await cohort('rollout', 40);
    const share = members.filter((id) => inRollout('campaign:rollout-1', id, 30));
    expect(share.length).toBeGreaterThan(0);
    expect(share.length).toBeLessThan(40);
    await post('/v1/campaigns', { id: 'rollout-1', journey: 'quarterly-bonus', segment: 'rollout', rolloutPercent: 30 });
    expect(await until('rollout-1', (c) => c.status === 'done')).toMatchObject({ total: 40, enrolled: share.length, skipped: 40 - share.length });
    expect([...(await recorded('rollout-1', share.length)).keys()].sort()).toEqual(share);

    expect((await post('/v1/campaigns', { id: 'rollout-1', journey: 'quarterly-bonus', segment: 'rollout', rolloutPercent: 100 })).status).toBe(200);
    expect(await until('rollout-1', (c) => c.status === 'done' && c.skipped === 0)).toMatchObject({ total: 40, enrolled: 40 });
    const runs = await recorded('rollout-1', 40);
    expect([...runs.keys()].sort()).toEqual(members);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('a 25% holdout: those members get a recorded run that sends nothing, and the experiments answer compares them', async () => {
    const members = await cohort('held', 40);
    const held = members.filter((id) => inHoldout('campaign:held-1', id, 25));
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(40);
    expect((await post('/v1/campaigns', { id: 'held-1', journey: 'quarterly-bonus', segment: 'held', holdoutPercent: 25 })).json).toMatchObject({ holdoutPercent: 25 });
    expect(await until('held-1', (c) => c.status === 'done')).toMatchObject({ total: 40, enrolled: 40 });
    // Held-out runs end at once; the others send, then wait out the goal window (30 days).
    const runs = await eventually(async () => {
      const rows = await cascade.database.db.select().from(journeyRuns).where(eq(journeyRuns.campaignId, 'held-1'));
      const sends = await cascade.database.db.select().from(messages).where(eq(messages.journey, 'quarterly-bonus'));
      const ready = rows.length === 40 && rows.every((r) => !r.holdout || r.status !== 'running') && sends.filter((m) => m.customerId.startsWith('held-')).length >= 40 - held.length;
      return ready ? rows : undefined;
    });
    expect(runs.filter((r) => r.holdout).map((r) => r.customerId).sort()).toEqual(held);
    expect(runs.filter((r) => r.holdout).every((r) => r.endReason === 'completed: held out')).toBe(true);
    await recordHistory(cascade.env.client.workflow.getHandle(runs.find((r) => r.holdout)!.workflowId), 'quarterly-bonus-held-out');
    const sentTo = new Set((await cascade.database.db.select().from(messages).where(eq(messages.journey, 'quarterly-bonus'))).map((m) => m.customerId));
    expect(held.filter((id) => sentTo.has(id))).toEqual([]);
    expect(members.filter((id) => !held.includes(id)).every((id) => sentTo.has(id))).toBe(true);

    const res = await cascade.api.call('/v1/analytics/campaigns/held-1/experiments');
    const body = (await res.json()) as { holdout: { treated: { runs: number }; holdout: { runs: number } } };
    expect(body.holdout.treated.runs).toBe(40 - held.length);
    expect(body.holdout.holdout.runs).toBe(held.length);
    expect((await post('/v1/campaigns', { id: 'held-2', journey: 'quarterly-bonus', segment: 'held', holdoutPercent: 60 })).json).toMatchObject({
      error: { field: 'holdoutPercent' },
    });
  });

  it('keeps to the rate', async () => {
    await cohort('rate', 16);
    await post('/v1/campaigns', { id: 'rate-1', journey: 'quarterly-bonus', segment: 'rate', ratePerSecond: 4 });
    const done = await until('rate-1', (c) => c.status === 'done');
    expect(done.enrolled).toBe(16);
    // 16 starts at 4 a second: the first 4 at once, the last 4 three seconds later (the runs record
    // their start a moment after it, unevenly: 2 s is the bound; unpaced, all 16 start within ~0.2 s).
    await recorded('rate-1', 16);
    const times = (await cascade.database.db.select({ at: journeyRuns.startedAt }).from(journeyRuns).where(eq(journeyRuns.campaignId, 'rate-1'))).map((r) => r.at.getTime());
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2_000);
  });

  it('a schedule fires: each firing enrols the segment under its own key, and the campaign waits for the next', async () => {
    const members = await cohort('sched', 4);
    const created = await post('/v1/campaigns', { id: 'sched-1', journey: 'quarterly-bonus', segment: 'sched', schedule: { cron: '0 9 1 1,4,7,10 *', timeZone: 'Europe/Moscow' } });
    expect(created.status).toBe(201);
    expect(created.json.status).toBe('scheduled');
    const schedule = cascade.env.client.schedule.getHandle(campaignWorkflowId('sched-1'));
    expect((await schedule.describe()).spec.timezone).toBe('Europe/Moscow');

    await schedule.trigger();
    const runs = await recorded('sched-1', 4);
    expect([...runs.keys()].sort()).toEqual(members);
    expect(await until('sched-1', (c) => c.status === 'scheduled' && c.finishedAt !== null)).toMatchObject({ total: 4, enrolled: 4 });
    const [run] = await cascade.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, 'sched-00'));
    expect(run!.workflowId).toMatch(/^quarterly-bonus\/sched-00\/sched-1@\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);

    // Pausing pauses the schedule; cancelling removes it.
    expect((await post('/v1/campaigns/sched-1/pause')).json.status).toBe('paused');
    expect((await schedule.describe()).state.paused).toBe(true);
    expect((await post('/v1/campaigns/sched-1/resume')).json.status).toBe('scheduled');
    expect((await post('/v1/campaigns/sched-1/cancel')).json.status).toBe('cancelled');
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});
