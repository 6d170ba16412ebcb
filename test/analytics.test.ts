/**
 * Analytics on real Postgres through the real API: a fixture ledger (messages, provider reports,
 * orders, consent changes, a campaign's runs) whose every expected number is worked out by hand in
 * the comments below, read back from /v1/analytics/*.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { conversionsOf } from '../analytics/attribution';
import { emailHealth } from '../analytics/email-health';
import type { Database } from '../db/client';
import { campaigns, consentChanges, journeyRuns, messageEvents, messages, orders, segments, type MessageStatus } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { allJourneys } from '../workflows/registry';
import { seedCustomer, useCascadeApi } from './support/cascade';

const cascade = useCascadeApi('time-skipping');

const db = () => cascade.database.db;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
/** The journey fixture's day 0, 10:00 UTC, 200 days back: far outside email health's 30 days. */
const T0 = Math.floor((NOW - 200 * DAY) / DAY) * DAY + 10 * HOUR;
const at = (days: number, hours = 0) => new Date(T0 + days * DAY + hours * HOUR);
const dayOf = (days: number) => at(days).toISOString().slice(0, 10);

let seq = 0;
async function message(m: {
  customerId: string; journey: string; step: string; status: MessageStatus; requestedAt: Date;
  channel?: Channel; workflowId?: string; transactional?: boolean; events?: [type: string, at: Date][];
}): Promise<number> {
  const { events = [], channel = 'email', ...row } = m;
  const [saved] = await db()
    .insert(messages)
    .values({
      idempotencyKey: `fixture-${++seq}`, workflowId: `${m.journey}/${m.customerId}`, provider: 'outbox', template: m.step, channel,
      topic: m.transactional ? null : 'promotions', ...row,
    })
    .returning({ id: messages.id });
  for (const [type, occurredAt] of events) await db().insert(messageEvents).values({ messageId: saved!.id, type, occurredAt });
  return saved!.id;
}

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await cascade.api.call(path);
  return { status: res.status, body: await res.json() };
}

/**
 * The welcome journey (goal: order.placed within 7 days), days after T0:
 *   m1 anna   email hello   d0  clicked (opened d0+1h, clicked d0+1h)
 *   m2 anna   email fitting d1  delivered
 *   m3 boris  email hello   d0  opened        (boris's run belongs to campaign "spring")
 *   m9 boris  email fitting d1  sent          boris unsubscribes (link) at d1+3h → m9, his last email before it
 *   m4 vera   sms   sms-hello d0 delivered
 *   m5 gleb   email hello   d0  bounced
 *   m6 gleb   email fitting d1  skipped       (never left: not counted)
 *   m7 dina   email hello   d0  complained (opened d0+2h first: counts as delivered and opened)
 *   m8 dina   email fitting d1  failed        (not counted)
 *   m11 vera  email hello   d3  pending       (not counted)
 * first-order-nudge (goal order.placed within 7 days):
 *   m10 anna  email nudge   d1+12h clicked (click d1+13h)
 * Orders: anna o1 d2 1000; boris o2 d10 2000 (9 days after m9: outside the window); vera o3 d1 500, o4 d2 700.
 *
 * welcome, last touch: sent 7 (m1 m2 m3 m4 m5 m7 m9); delivered 5 (m1 m2 m3 m4 m7); opened 3 (m1 m3 m7);
 *   clicked 1 (m1); bounced 1; complained 1; unsubscribed 1 (m9); recipients 5.
 *   o1 → m2 (anna's last welcome message before d2, not m1: one order converts one message);
 *   o3, o4 → m4; o2 → none. converted 2 customers (anna, vera), conversions 3, revenue 2200.
 * welcome, last click: o1 → m1 (clicked d0+1h, before the order); o3, o4: m4 never clicked.
 *   converted 1, conversions 1, revenue 1000.
 * first-order-nudge: o1 → m10 as well (each journey attributes on its own): converted 1, revenue 1000.
 * api (messages sent through the API, transactional, no goal):
 *   m12 vera  email receipt d2 opened (opened d2+1h);  m13 gleb email receipt d3 sent
 *
 * Openers (a customer who opened or clicked any of the report's messages) against the rest:
 * welcome, last touch: opened anna (m1), boris (m3), dina (m7: opened before complaining); not
 *   opened vera, gleb. anna's o1 went to m2, which she never opened: she still counts as an opener.
 *   opened 3 customers, converted 1 (anna), revenue 1000; not opened 2, converted 1 (vera), 1200.
 * welcome, last click: o1 → m1: opened 3/1/1000; not opened 2/0/0.
 * first-order-nudge: opened anna 1/1/1000. api: opened vera 1/0/0, not opened gleb 1/0/0.
 */
let m2 = 0;
let m4 = 0;
beforeAll(async () => {
  for (const id of ['anna', 'boris', 'vera', 'gleb', 'dina', 'ha', 'hb', 'hc', 'hd', 'hf']) await seedCustomer(db(), { id });
  const w = 'welcome';
  await message({ customerId: 'anna', journey: w, step: 'hello', status: 'clicked', requestedAt: at(0), events: [['email.opened', at(0, 1)], ['email.clicked', at(0, 1)]] });
  m2 = await message({ customerId: 'anna', journey: w, step: 'fitting', status: 'delivered', requestedAt: at(1) });
  const boris = 'welcome/boris/spring';
  await message({ customerId: 'boris', journey: w, step: 'hello', status: 'opened', requestedAt: at(0), workflowId: boris, events: [['email.opened', at(0, 5)]] });
  await message({ customerId: 'boris', journey: w, step: 'fitting', status: 'sent', requestedAt: at(1), workflowId: boris });
  m4 = await message({ customerId: 'vera', journey: w, step: 'sms-hello', channel: 'sms', status: 'delivered', requestedAt: at(0) });
  await message({ customerId: 'gleb', journey: w, step: 'hello', status: 'bounced', requestedAt: at(0) });
  await message({ customerId: 'gleb', journey: w, step: 'fitting', status: 'skipped', requestedAt: at(1) });
  await message({ customerId: 'dina', journey: w, step: 'hello', status: 'complained', requestedAt: at(0), events: [['email.opened', at(0, 2)], ['email.complained', at(0, 3)]] });
  await message({ customerId: 'dina', journey: w, step: 'fitting', status: 'failed', requestedAt: at(1) });
  await message({ customerId: 'vera', journey: w, step: 'hello', status: 'pending', requestedAt: at(3) });
  await message({ customerId: 'anna', journey: 'first-order-nudge', step: 'nudge', status: 'clicked', requestedAt: at(1, 12), events: [['email.clicked', at(1, 13)]] });
  await message({ customerId: 'vera', journey: 'api', step: 'receipt', status: 'opened', requestedAt: at(2), transactional: true, events: [['email.opened', at(2, 1)]] });
  await message({ customerId: 'gleb', journey: 'api', step: 'receipt', status: 'sent', requestedAt: at(3), transactional: true });
  await db().insert(orders).values([
    { id: 'o1', customerId: 'anna', source: 'online', total: '1000', placedAt: at(2) },
    { id: 'o2', customerId: 'boris', source: 'offline', total: '2000', placedAt: at(10) },
    { id: 'o3', customerId: 'vera', source: 'offline', total: '500', placedAt: at(1) },
    { id: 'o4', customerId: 'vera', source: 'online', total: '700', placedAt: at(2) },
  ]);
  const change = { channel: 'email' as const, topic: '*', granted: false, applied: true, consentedAt: at(1, 3), recordedAt: at(1, 3) };
  await db().insert(consentChanges).values([
    { ...change, customerId: 'boris', source: 'unsubscribe', actor: 'unsubscribe-link' },
    // A CRM sync turning consent off is not an unsubscribe from a message.
    { ...change, customerId: 'anna', source: 'crm-sync', actor: 'key:x' },
  ]);
  await db().insert(segments).values({ id: 'spring-seg', name: 'Spring', where: { attribute: 'city', eq: 'Moscow' } });
  await db().insert(campaigns).values({ id: 'spring', journey: 'welcome', segmentId: 'spring-seg', status: 'done' });
  await db().insert(journeyRuns).values([
    { runId: 'run-boris', workflowId: boris, journey: w, customerId: 'boris', campaignId: 'spring', startedAt: at(0) },
    { runId: 'run-anna', workflowId: 'welcome/anna', journey: w, customerId: 'anna', startedAt: at(0) },
  ]);

  await seedHealth();
});

/**
 * Email health, now (the API's own clock):
 *   ha  mailed at -120 d, opened that mail at -20 d, mailed at -10 d            → active
 *   hb  mailed at -120 d, never opened, mailed at -5 d (+ a transactional at -3 d) → inactive
 *   hc  first mailed at -5 d, bounced                                             → new, not inactive
 *   marketing sends in 30 days: 3 (ha, hb, hc), inactive 1 → 33.3 % > 2 %: warning.
 *   30 days: sent 4 (3 + the transactional), bounced 1, complained 0; 7 days: sent 3 (hb, hc, hb-tx), bounced 1.
 * Email health at TB = now - 40 d (emailHealth with that clock):
 *   hf  mailed at TB-120 d, never opened, mailed at TB-15 d → inactive
 *   hd  49 marketing mails at TB-1 d, TB-1.5 d … TB-25 d (first at TB-25 d: new), the one at TB-2 d complained
 *   marketing 50, inactive 1 → exactly 2 %: not over the rule, no inactive warning.
 *   7 days [TB-7 d, TB): hd's mails at TB-1 … TB-7 d (the window's first instant included) = 13, complained 1
 *   → 1/13 > 0.1 %: complaint warning.
 *   30 days: sent 50, complained 1 → 2 %.
 */
const TB = NOW - 40 * DAY;
async function seedHealth() {
  const ago = (days: number, from = NOW) => new Date(from - days * DAY);
  const h = { journey: 'newsletter', step: 'issue' };
  const old = await message({ ...h, customerId: 'ha', status: 'delivered', requestedAt: ago(120) });
  await db().insert(messageEvents).values({ messageId: old, type: 'email.opened', occurredAt: ago(20) });
  await message({ ...h, customerId: 'ha', status: 'delivered', requestedAt: ago(10) });
  await message({ ...h, customerId: 'hb', status: 'delivered', requestedAt: ago(120) });
  await message({ ...h, customerId: 'hb', status: 'delivered', requestedAt: ago(5) });
  await message({ ...h, customerId: 'hb', status: 'delivered', requestedAt: ago(3), transactional: true, journey: 'order-confirmation' });
  await message({ ...h, customerId: 'hc', status: 'bounced', requestedAt: ago(5) });

  await message({ ...h, customerId: 'hf', status: 'delivered', requestedAt: ago(120, TB) });
  await message({ ...h, customerId: 'hf', status: 'delivered', requestedAt: ago(15, TB) });
  for (let i = 0; i < 49; i++) {
    const days = 1 + i * 0.5;
    await message({ ...h, customerId: 'hd', status: days === 2 ? 'complained' : 'delivered', requestedAt: ago(days, TB) });
  }
}

const counts = (sent: number, delivered: number, opened: number, clicked: number, bounced: number, complained: number, unsubscribed: number, converted: number, conversions: number, revenue: number, recipients: number) => ({
  sent, delivered, opened, clicked, bounced, complained, unsubscribed, converted, conversions, revenue, recipients,
});
const pick = (r: Record<string, unknown>) =>
  Object.fromEntries(['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained', 'unsubscribed', 'converted', 'conversions', 'revenue', 'recipients'].map((k) => [k, r[k]]));

describe('journey results', () => {
  it('counts the funnel, rates and last-touch conversion of the welcome journey', async () => {
    const { status, body } = await get('/v1/analytics/journeys/welcome');
    expect(status).toBe(200);
    expect(pick(body)).toEqual(counts(7, 5, 3, 1, 1, 1, 1, 2, 3, 2200, 5));
    expect(body.attribution).toBe('last-touch');
    expect(body.rates.delivery).toBeCloseTo(5 / 7);
    expect(body.rates.open).toBeCloseTo(3 / 7);
    expect(body.rates.click).toBeCloseTo(1 / 7);
    expect(body.rates.clickOfOpened).toBeCloseTo(1 / 3);
    expect(body.rates.conversion).toBeCloseTo(2 / 7);
    expect(body.rates.customerConversion).toBeCloseTo(2 / 5);
    // fitting: m2 m9 (o1 on m2); hello: m1 m3 m5 m7; sms-hello: m4 (o3 + o4).
    expect(body.steps.map((s: { step: string }) => s.step)).toEqual(['fitting', 'hello', 'sms-hello']);
    expect(pick(body.steps[0])).toEqual(counts(2, 1, 0, 0, 0, 0, 1, 1, 1, 1000, 2));
    expect(pick(body.steps[1])).toEqual(counts(4, 3, 3, 1, 1, 1, 0, 0, 0, 0, 4));
    expect(pick(body.steps[2])).toEqual(counts(1, 1, 0, 0, 0, 0, 0, 1, 2, 1200, 1));
    expect(body.channels.map((c: { channel: string }) => c.channel)).toEqual(['email', 'sms']);
    expect(pick(body.channels[0])).toEqual(counts(6, 4, 3, 1, 1, 1, 1, 1, 1, 1000, 4));
    expect(pick(body.channels[1])).toEqual(counts(1, 1, 0, 0, 0, 0, 0, 1, 2, 1200, 1));
  });

  it('last-click gives the order to the clicked message instead', async () => {
    const { body } = await get('/v1/analytics/journeys/welcome?attribution=last-click');
    expect(body.attribution).toBe('last-click');
    expect(pick(body)).toEqual(counts(7, 5, 3, 1, 1, 1, 1, 1, 1, 1000, 5));
    const hello = body.steps.find((s: { step: string }) => s.step === 'hello');
    expect([hello.converted, hello.revenue]).toEqual([1, 1000]);
    const fitting = body.steps.find((s: { step: string }) => s.step === 'fitting');
    expect([fitting.converted, fitting.revenue]).toEqual([0, 0]);
  });

  it('counts the same order once in each journey it follows', async () => {
    const { body } = await get('/v1/analytics/journeys/first-order-nudge');
    expect(pick(body)).toEqual(counts(1, 1, 1, 1, 0, 0, 0, 1, 1, 1000, 1));
    expect((await get('/v1/analytics/journeys/first-order-nudge?attribution=last-click')).body.revenue).toBe(1000);
  });

  it('lists each conversion with the one message it counts for', async () => {
    const conversions = await conversionsOf(db(), { journey: 'welcome' }, 'last-touch');
    expect(conversions.map((c) => [c.goalId, c.customerId, c.messageId, c.revenue])).toEqual([
      ['order:o3', 'vera', m4, 500],
      ['order:o1', 'anna', m2, 1000],
      ['order:o4', 'vera', m4, 700],
    ]);
  });

  it('from/to keep the messages asked for in the range', async () => {
    // From d0+12h: m2, m9 sent; o1 still converts m2.
    const from = at(0, 12).toISOString();
    const { status, body } = await get(`/v1/analytics/journeys/welcome?from=${encodeURIComponent(from)}`);
    expect(status).toBe(200);
    expect(pick(body)).toEqual(counts(2, 1, 0, 0, 0, 0, 1, 1, 1, 1000, 2));
    // Up to (not including) d1: the d0 messages only. o3 and o4 convert m4; o1's last touch is
    // still m2, out of range, so it counts for nothing here (not for m1: a range does not move credit).
    const to = dayOf(1);
    const before = (await get(`/v1/analytics/journeys/welcome?to=${to}`)).body;
    expect(pick(before)).toEqual(counts(5, 4, 3, 1, 1, 1, 0, 1, 2, 1200, 5));
  });

  it('per day for the chart', async () => {
    const { status, body } = await get('/v1/analytics/journeys/welcome/series');
    expect(status).toBe(200);
    expect(body.timeZone).toBe('UTC');
    expect(body.days.map((d: { day: string }) => d.day)).toEqual([dayOf(0), dayOf(1)]);
    expect(pick(body.days[0])).toEqual(counts(5, 4, 3, 1, 1, 1, 0, 1, 2, 1200, 5));
    expect(pick(body.days[1])).toEqual(counts(2, 1, 0, 0, 0, 0, 1, 1, 1, 1000, 2));
  });
});

const split = (opened: [customers: number, converted: number, revenue: number], notOpened: [number, number, number]) => ({
  opened: { customers: opened[0], converted: opened[1], revenue: opened[2] },
  notOpened: { customers: notOpened[0], converted: notOpened[1], revenue: notOpened[2] },
});

describe('revenue from customers who opened', () => {
  it('splits a journey\'s customers, conversions and revenue between openers and the rest', async () => {
    const { body } = await get('/v1/analytics/journeys/welcome');
    expect(body.byOpened).toEqual(split([3, 1, 1000], [2, 1, 1200]));
    // The two sides add up to the page's own numbers.
    const sides = [body.byOpened.opened, body.byOpened.notOpened];
    expect(sides.reduce((n, g) => n + g.customers, 0)).toBe(body.recipients);
    expect(sides.reduce((n, g) => n + g.converted, 0)).toBe(body.converted);
    expect(sides.reduce((n, g) => n + g.revenue, 0)).toBe(body.revenue);
  });

  it('follows the attribution asked for, the range and the campaign', async () => {
    expect((await get('/v1/analytics/journeys/welcome?attribution=last-click')).body.byOpened).toEqual(split([3, 1, 1000], [2, 0, 0]));
    // Up to d1: o1's message (m2) is out of range, so anna opened but converted nothing here.
    expect((await get(`/v1/analytics/journeys/welcome?to=${dayOf(1)}`)).body.byOpened).toEqual(split([3, 0, 0], [2, 1, 1200]));
    expect((await get('/v1/analytics/campaigns/spring')).body.byOpened).toEqual(split([1, 0, 0], [0, 0, 0]));
    expect((await get('/v1/analytics/journeys/first-order-nudge')).body.byOpened).toEqual(split([1, 1, 1000], [0, 0, 0]));
  });
});

describe('summary across journeys', () => {
  const range = `from=${dayOf(0)}&to=${dayOf(5)}`;
  const row = (body: { journeys: { journey: string }[] }, journey: string) => body.journeys.find((j) => j.journey === journey) as any;

  it('lists every journey in the code and api, each counted as on its own page', async () => {
    const { status, body } = await get(`/v1/analytics/summary?${range}`);
    expect(status).toBe(200);
    expect(body.attribution).toBe('last-touch');
    expect(body.journeys.map((j: { journey: string }) => j.journey)).toEqual([...allJourneys.map((j) => j.options.id), 'api']);
    const welcome = row(body, 'welcome');
    expect(pick(welcome)).toEqual(counts(7, 5, 3, 1, 1, 1, 1, 2, 3, 2200, 5));
    expect(welcome.rates.open).toBeCloseTo(3 / 7);
    expect(welcome.byOpened).toEqual(split([3, 1, 1000], [2, 1, 1200]));
    expect(pick(row(body, 'first-order-nudge'))).toEqual(counts(1, 1, 1, 1, 0, 0, 0, 1, 1, 1000, 1));
    // api: m12 opened (so delivered), m13 sent; no goal, so nothing converts.
    const api = row(body, 'api');
    expect(pick(api)).toEqual(counts(2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 2));
    expect(api.byOpened).toEqual(split([1, 0, 0], [1, 0, 0]));
    expect(pick(row(body, 'abandoned-cart'))).toEqual(counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    expect(row(body, 'abandoned-cart').byOpened).toEqual(split([0, 0, 0], [0, 0, 0]));
  });

  it('totals the journeys: o1 counts in both journeys it converted, as on their pages', async () => {
    const { body } = await get(`/v1/analytics/summary?${range}`);
    expect(pick(body.total)).toEqual(counts(10, 7, 5, 2, 1, 1, 1, 3, 4, 3200, 8));
    expect(body.total.rates.delivery).toBeCloseTo(7 / 10);
    expect(body.total.rates.customerConversion).toBeCloseTo(3 / 8);
    expect(body.total.byOpened).toEqual(split([5, 2, 2000], [3, 1, 1200]));
    const sum = (f: (j: any) => number) => body.journeys.reduce((n: number, j: unknown) => n + f(j), 0);
    for (const key of Object.keys(pick(body.total))) expect(body.total[key], key).toBe(sum((j) => j[key]));
    for (const side of ['opened', 'notOpened'])
      for (const key of ['customers', 'converted', 'revenue']) expect(body.total.byOpened[side][key], `${side}.${key}`).toBe(sum((j) => j.byOpened[side][key]));
  });

  it('keeps the range and attribution asked for', async () => {
    // The d0 messages only: welcome's five. Last click: o1 → m1 (clicked), in range; vera's
    // orders follow m4, never clicked. first-order-nudge's m10 (d1+12h) is out of range.
    const { body } = await get(`/v1/analytics/summary?to=${dayOf(1)}&attribution=last-click`);
    expect(body.attribution).toBe('last-click');
    expect(pick(row(body, 'welcome'))).toEqual(counts(5, 4, 3, 1, 1, 1, 0, 1, 1, 1000, 5));
    expect(pick(body.total)).toEqual(counts(5, 4, 3, 1, 1, 1, 0, 1, 1, 1000, 5));
    expect(body.total.byOpened).toEqual(split([3, 1, 1000], [2, 0, 0]));
  });
});

describe('campaign results', () => {
  it("count only the messages of the campaign's runs", async () => {
    // spring: boris's run → m3 (opened), m9 (sent, unsubscribed); o2 is outside the window.
    const { status, body } = await get('/v1/analytics/campaigns/spring');
    expect(status).toBe(200);
    expect(body.campaignId).toBe('spring');
    expect(pick(body)).toEqual(counts(2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1));
    const series = (await get('/v1/analytics/campaigns/spring/series')).body;
    expect(series.days.map((d: { day: string; sent: number }) => [d.day, d.sent])).toEqual([[dayOf(0), 1], [dayOf(1), 1]]);
  });
});

describe('email health', () => {
  it('warns when more than 2 % of marketing sends go to inactive addresses', async () => {
    const { status, body } = await get('/v1/analytics/email-health');
    expect(status).toBe(200);
    expect(body.inactive).toMatchObject({ marketingSent: 3, inactiveSent: 1 });
    expect(body.inactive.share).toBeCloseTo(1 / 3);
    expect(body.last30Days).toMatchObject({ sent: 4, bounced: 1, complained: 0, bounceRate: 0.25, complaintRate: 0 });
    expect(body.last7Days).toMatchObject({ sent: 3, bounced: 1, complained: 0 });
    expect(body.warnings.map((w: { rule: string }) => w.rule)).toEqual(['inactive-share']);
    expect(body.warning).toMatch(/33\.33% of marketing emails/);
    expect(body.warning).toMatch(/sunset segment/);
  });

  it('at exactly 2 % it does not warn for inactivity, but complaints over 0.1 % do', async () => {
    const health = await emailHealth(db(), { now: new Date(TB) });
    expect(health.inactive).toMatchObject({ marketingSent: 50, inactiveSent: 1, share: 0.02 });
    expect(health.last7Days).toMatchObject({ sent: 13, complained: 1 });
    expect(health.last7Days.complaintRate).toBeCloseTo(1 / 13);
    expect(health.last30Days).toMatchObject({ sent: 50, complained: 1, complaintRate: 0.02 });
    expect(health.warnings.map((w) => w.rule)).toEqual(['complaint-rate']);
    expect(health.warning).toMatch(/last 7 days/);
    expect(health.warning).toMatch(/double opt-in/);
  });

  it('is quiet on a healthy base', async () => {
    // Nothing was sent in the 30 days before T0 - 1 day.
    const health = await emailHealth(db(), { now: new Date(T0 - DAY) });
    expect(health).toMatchObject({ warning: null, warnings: [], inactive: { marketingSent: 0, share: 0 } });
  });
});

describe('bad requests', () => {
  it.each([
    ['/v1/analytics/journeys/welcome?attribution=first-touch', 'attribution'],
    ['/v1/analytics/journeys/welcome?from=yesterday', 'from'],
    [`/v1/analytics/journeys/welcome?from=${dayOf(2)}&to=${dayOf(1)}`, 'to'],
    ['/v1/analytics/journeys/welcome?colour=red', 'colour'],
    ['/v1/analytics/campaigns/spring?attribution=', 'attribution'],
    ['/v1/analytics/journeys/welcome/series?timeZone=Mars/Olympus', 'timeZone'],
    ['/v1/analytics/summary?from=yesterday', 'from'],
    [`/v1/analytics/summary?from=${dayOf(2)}&to=${dayOf(1)}`, 'to'],
    ['/v1/analytics/summary?journey=welcome', 'journey'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error.field).toBe(field);
  });

  it('unknown journeys and campaigns are 404', async () => {
    const journey = await get('/v1/analytics/journeys/no-such-journey');
    expect([journey.status, journey.body.error.field]).toEqual([404, 'journey']);
    const campaign = await get('/v1/analytics/campaigns/no-such-campaign');
    expect([campaign.status, campaign.body.error.field]).toEqual([404, 'id']);
  });
});
