/**
 * Journeys that name their audience, on the dev server: the built-in campaigns and Schedules are
 * made from the code (idempotently, from valid predicates), and the birthday scan — the same
 * campaign workflow the daily Schedule starts, given a fixed "now" in place of the scheduled time —
 * starts each customer's greeting for 10:00 on their birthday in their own time zone, 29 February
 * on 28 February in a common year, and only once a year; the reactivation scan starts one run per
 * lapse of a regular customer.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { predicateSchema } from '../schemas/segments';
import { audienceCampaignId, ensureJourneyAudiences } from '../campaigns/journey-audiences';
import type { Database } from '../db/client';
import { getCampaign } from '../db/queries/campaigns';
import { journeyRuns, orders } from '../db/schema';
import type { CampaignInput, CampaignProgress } from '../workflows/campaign-contract';
import { statusQuery } from '../workflows/contract';
import { allJourneys } from '../workflows/registry';
import { seedCustomer, startTestApi, useCascadeApi } from './support/cascade';
import { eventually } from './support/journeys';
import { taskQueue } from './support/temporal';

const cascade = useCascadeApi('dev-server');

/**
 * msk   Moscow (UTC+3), born 28 Feb         vvo   Vladivostok (UTC+10), born 1 Mar
 * ny    New York (UTC-5), born 28 Feb       ny2   New York, born 1 Mar
 * leap  Moscow, born 29 Feb 2000            far   Moscow, born 1 Jun
 * none  no birthday on file
 */
beforeAll(async () => {
  const born = { msk: ['1990-02-28', 'Europe/Moscow'], vvo: ['1985-03-01', 'Asia/Vladivostok'], ny: ['1970-02-28', 'America/New_York'],
    ny2: ['1971-03-01', 'America/New_York'], leap: ['2000-02-29', 'Europe/Moscow'], far: ['1990-06-01', 'Europe/Moscow'] } as const;
  for (const [id, [birthday, timeZone]] of Object.entries(born)) await seedCustomer(cascade.database.db, { id, birthday, timeZone });
  await seedCustomer(cascade.database.db, { id: 'none', timeZone: 'Europe/Moscow' });
  await ensureJourneyAudiences({ db: cascade.database.db, client: cascade.env.client, taskQueue });
});

/** One scan as the daily Schedule runs it, with `asOf` in place of the scheduled time. */
async function scan(name: string, asOf: string): Promise<CampaignProgress> {
  const input: CampaignInput = { v: 1, campaignId: audienceCampaignId('birthday'), asOf };
  return cascade.env.client.workflow.execute('campaign', { workflowId: `birthday-scan/${name}`, taskQueue, args: [input] });
}

/** When the customer's greeting run is due: it sleeps until then. */
async function greetingAt(customerId: string, year: number): Promise<string> {
  const handle = cascade.env.client.workflow.getHandle(`birthday/${customerId}/${year}`);
  const status = await eventually(async () => {
    const s = await handle.query(statusQuery).catch(() => undefined);
    return s?.waiting.for === 'time' ? s : undefined;
  });
  return new Date(status.waiting.until!).toISOString();
}

const birthdayRuns = async () =>
  (await cascade.database.db.select({ workflowId: journeyRuns.workflowId }).from(journeyRuns).where(eq(journeyRuns.journey, 'birthday'))).map((r) => r.workflowId).sort();

describe('journey audiences', () => {
  it('are made from the code: a valid predicate, a campaign and a Schedule each, idempotently', async () => {
    const declared = allJourneys.filter((j) => j.options.audience).map((j) => j.options.id);
    expect(declared.sort()).toEqual(['birthday', 'reactivation']);
    for (const j of allJourneys.filter((j) => j.options.audience)) {
      expect(predicateSchema.safeParse(j.options.audience!.where).success, j.options.id).toBe(true);
    }
    expect((await ensureJourneyAudiences({ db: cascade.database.db, client: cascade.env.client, taskQueue })).sort()).toEqual(['audience:birthday', 'audience:reactivation']);
    expect(await getCampaign(cascade.database.db, 'audience:birthday')).toMatchObject({ journey: 'birthday', segmentId: 'audience:birthday', status: 'scheduled', schedule: { cron: '0 0 * * *' } });
    const schedule = await cascade.env.client.schedule.getHandle('campaign/audience:birthday').describe();
    expect(schedule.action).toMatchObject({ workflowType: 'campaign', args: [{ campaignId: 'audience:birthday', scheduled: true }] });
    // Operators see them and can pause them like any campaign.
    expect(await (await cascade.api.call('/v1/campaigns/audience:reactivation')).json()).toMatchObject({ journey: 'reactivation', status: 'scheduled' });
    expect((await cascade.api.call('/v1/campaigns/audience:reactivation/pause', { method: 'POST' })).status).toBe(200);
    expect((await cascade.env.client.schedule.getHandle('campaign/audience:reactivation').describe()).state.paused).toBe(true);
    await ensureJourneyAudiences({ db: cascade.database.db, client: cascade.env.client, taskQueue });
    expect((await cascade.env.client.schedule.getHandle('campaign/audience:reactivation').describe()).state.paused).toBe(true);
    expect((await cascade.api.call('/v1/campaigns/audience:reactivation/resume', { method: 'POST' })).status).toBe(200);
  });
});

describe('the birthday scan', () => {
  it('starts the greeting for 10:00 local on the birthday, in three time zones, 29 February on the 28th', async () => {
    // 16:00 UTC on 27 Feb 2030: 19:00 in Moscow and 11:00 in New York (still the 27th), 02:00 on the 28th in Vladivostok.
    const first = await scan('2030-02-27', '2030-02-27T16:00:00Z');
    expect(first).toMatchObject({ status: 'done', total: 4, enrolled: 4, started: 4, skipped: 0 });
    expect(await greetingAt('msk', 2030)).toBe('2030-02-28T07:00:00.000Z');
    expect(await greetingAt('ny', 2030)).toBe('2030-02-28T15:00:00.000Z');
    expect(await greetingAt('vvo', 2030)).toBe('2030-03-01T00:00:00.000Z');
    expect(await greetingAt('leap', 2030)).toBe('2030-02-28T07:00:00.000Z');
    // ny2's 1 March is two days off in New York, far's is in June, none has no birthday.
    expect(await birthdayRuns()).toEqual(['birthday/leap/2030', 'birthday/msk/2030', 'birthday/ny/2030', 'birthday/vvo/2030']);
    const [row] = await cascade.database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, 'birthday/msk/2030'));
    expect(row!.campaignId).toBe('audience:birthday');
  });

  it('starts nobody twice the next day, only whose birthday came into range', async () => {
    const second = await scan('2030-02-28', '2030-02-28T16:00:00Z');
    expect(second).toMatchObject({ enrolled: 5, started: 1 });
    expect(await greetingAt('ny2', 2030)).toBe('2030-03-01T15:00:00.000Z');
    const perRun = await cascade.database.db
      .select({ workflowId: journeyRuns.workflowId, n: sql<number>`count(*)::int` })
      .from(journeyRuns)
      .where(eq(journeyRuns.journey, 'birthday'))
      .groupBy(journeyRuns.workflowId);
    expect(perRun.map((r) => [r.workflowId, r.n]).sort()).toEqual(
      ['leap', 'msk', 'ny', 'ny2', 'vvo'].map((id) => [`birthday/${id}/2030`, 1]),
    );
  });

  it('greets again the next year, 29 February again on the 28th', async () => {
    const next = await scan('2031-02-27', '2031-02-27T16:00:00Z');
    expect(next).toMatchObject({ enrolled: 4, started: 4 });
    expect(await greetingAt('leap', 2031)).toBe('2031-02-28T07:00:00.000Z');
  });
});

describe('the reactivation scan', () => {
  it('starts one run per lapse: regular customers with no order for 60 days, online or offline', async () => {
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
    const order = (customerId: string, n: number, days: number, source: 'online' | 'offline') =>
      cascade.database.db.insert(orders).values({ id: `${customerId}-${n}`, customerId, source, placedAt: daysAgo(days) });
    await seedCustomer(cascade.database.db, { id: 'lapsed' });
    await order('lapsed', 1, 200, 'online');
    await order('lapsed', 2, 90, 'offline');
    await seedCustomer(cascade.database.db, { id: 'regular' }); // ordered a month ago: not lapsed
    await order('regular', 1, 200, 'online');
    await order('regular', 2, 30, 'offline');
    await seedCustomer(cascade.database.db, { id: 'once' }); // one order only: never was regular
    await order('once', 1, 100, 'online');

    const run = (name: string) =>
      cascade.env.client.workflow.execute('campaign', {
        workflowId: `reactivation-scan/${name}`,
        taskQueue,
        args: [{ v: 1, campaignId: audienceCampaignId('reactivation') } satisfies CampaignInput],
      });
    expect(await run('1')).toMatchObject({ total: 1, enrolled: 1, started: 1 });
    const lapse = daysAgo(90).toISOString().slice(0, 10);
    const rows = await eventually(async () => {
      const r = await cascade.database.db.select().from(journeyRuns).where(eq(journeyRuns.journey, 'reactivation'));
      return r.length ? r : undefined;
    });
    expect(rows.map((r) => r.workflowId)).toEqual([`reactivation/lapsed/lapse-${lapse}`]);
    // The next day's scan finds the same lapse: no second run.
    expect(await run('2')).toMatchObject({ enrolled: 1, started: 0 });
  });
});
