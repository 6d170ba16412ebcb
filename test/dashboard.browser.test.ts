/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the test API
 * on real Postgres. A fixture ledger of the welcome journey is inserted directly (messages, provider
 * reports, orders), its numbers worked out by hand below. A person opens a journey page, is sent to
 * the login form, is refused with a wrong key, signs in with a read key and lands on the page: the
 * funnel shows what GET /v1/analytics/journeys/welcome answers (and what the hand count says), the
 * chart is drawn by Chart.js under the page's CSP, the attribution toggle changes the conversions,
 * the email-health banner appears once the base passes 2 % inactive, and the key is in no URL and
 * no cookie.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { campaigns, journeyRuns, messageEvents, messages, orders, segments, type MessageStatus } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { seedCustomer, useCascadeApi } from './support/cascade';
import { useBrowser } from './support/browser';

const cascade = useCascadeApi('time-skipping');
const browser = useBrowser();

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The fixture's day 0 at 10:00 UTC, ten days back: inside email health's 30 days. */
const T0 = Math.floor((Date.now() - 10 * DAY) / DAY) * DAY + 10 * HOUR;
const at = (days: number, hours = 0) => new Date(T0 + days * DAY + hours * HOUR);
const dayOf = (days: number) => at(days).toISOString().slice(0, 10);

let seq = 0;
async function message(m: { customerId: string; step: string; status: MessageStatus; requestedAt: Date; channel?: Channel; journey?: string; variant?: string; events?: [string, Date][] }) {
  const { events = [], channel = 'email', journey = 'welcome', variant, ...row } = m;
  const [saved] = await cascade.database.db
    .insert(messages)
    .values({ idempotencyKey: `dash-${++seq}`, workflowId: `${journey}/${m.customerId}`, journey, provider: 'outbox', template: m.step, channel, topic: 'promotions', variants: variant ? { 'subject-test': variant } : null, ...row })
    .returning({ id: messages.id });
  for (const [type, occurredAt] of events) await cascade.database.db.insert(messageEvents).values({ messageId: saved!.id, type, occurredAt });
}

/**
 * welcome (goal order.placed within 7 days):
 *   ivan  email hello     d0 clicked (opened, clicked d0+1h)   order o1 d1  1500
 *   lena  email hello     d0 opened
 *   petr  email hello     d0 delivered
 *   rita  email hello     d0 bounced
 *   oleg  sms   sms-hello d1 delivered                          order o2 d2   500
 * sent 5; delivered 4 (ivan lena petr oleg); opened 2; clicked 1; bounced 1.
 * Last touch: o1 → ivan's hello, o2 → oleg's SMS: converted 2, revenue 2000.
 * Rates of sent: delivery 80 %, open 40 %, click 20 %, conversion 40 %.
 * Last click: only o1 (ivan clicked before ordering): converted 1, revenue 1500.
 * By day: d0 four sends, d1 one: two points on the chart.
 * Campaign "autumn" enrolled lena alone: sent 1, delivered 1, opened 1, converted 0.
 * Runs (experiments count runs; one converts with an order within 7 days of its start):
 *   subject-test a: ivan, petr, oleg → 3 runs (3 sends), 2 converted (ivan o1, oleg o2): 66.7 %
 *   subject-test b: lena, rita       → 2 runs (2 sends), 0 converted: 0.0 %, 66.7 points below a
 *   held out: h1..h4 (sent nothing), h1 orders on d3 → 1 of 4: 25.0 %
 *   treated 5 runs, 2 converted: 40.0 %; uplift +15.0 points (60.0 % over the holdout).
 */
beforeAll(async () => {
  for (const id of ['ivan', 'lena', 'petr', 'rita', 'oleg', 'sleepy', 'h1', 'h2', 'h3', 'h4']) await seedCustomer(cascade.database.db, { id });
  await message({ customerId: 'ivan', variant: 'a', step: 'hello', status: 'clicked', requestedAt: at(0), events: [['email.opened', at(0, 1)], ['email.clicked', at(0, 1)]] });
  await message({ customerId: 'lena', variant: 'b', step: 'hello', status: 'opened', requestedAt: at(0), events: [['email.opened', at(0, 2)]] });
  await message({ customerId: 'petr', variant: 'a', step: 'hello', status: 'delivered', requestedAt: at(0) });
  await message({ customerId: 'rita', variant: 'b', step: 'hello', status: 'bounced', requestedAt: at(0) });
  await message({ customerId: 'oleg', variant: 'a', step: 'sms-hello', channel: 'sms', status: 'delivered', requestedAt: at(1) });
  await cascade.database.db.insert(orders).values([
    { id: 'o1', customerId: 'ivan', source: 'online', total: '1500', placedAt: at(1) },
    { id: 'o2', customerId: 'oleg', source: 'offline', total: '500', placedAt: at(2) },
    { id: 'o3', customerId: 'h1', source: 'online', total: '900', placedAt: at(3) },
  ]);
  await cascade.database.db.insert(segments).values({ id: 'autumn-seg', name: 'Autumn', where: { all: [] } });
  await cascade.database.db.insert(campaigns).values({ id: 'autumn', journey: 'welcome', segmentId: 'autumn-seg', status: 'done', enrolled: 1 });
  const run = (customerId: string, more: Partial<typeof journeyRuns.$inferInsert>) => ({ runId: `run-${customerId}`, workflowId: `welcome/${customerId}`, journey: 'welcome', customerId, startedAt: at(0), ...more });
  const variant = (v: string) => ({ variants: { 'subject-test': v } });
  await cascade.database.db.insert(journeyRuns).values([
    run('lena', { campaignId: 'autumn', ...variant('b') }),
    run('rita', variant('b')),
    run('ivan', variant('a')),
    run('petr', variant('a')),
    run('oleg', variant('a')),
    ...['h1', 'h2', 'h3', 'h4'].map((id) => run(id, { holdout: true, status: 'completed' })),
  ]);
});

type Results = { sent: number; delivered: number; opened: number; clicked: number; converted: number; revenue: number; rates: Record<string, number>; steps: Array<{ step: string; sent: number; converted: number }> };
async function apiResults(query = ''): Promise<Results> {
  const res = await cascade.api.call(`/v1/analytics/journeys/welcome${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Results;
}

/** The canvas as the test reads it in the page (the suite's TypeScript has no DOM types). */
type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null };

describe('the dashboard in Chromium', () => {
  it('signs in through the form, shows the API numbers, draws the chart, toggles attribution, warns on an inactive base', async () => {
    const created = await cascade.api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'dashboard', scopes: ['read'] }) });
    const { key } = (await created.json()) as { key: string };
    const context = await browser().newContext();
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));

    // A page without a session: the login form, which remembers where the person was going.
    await page.goto(`${cascade.api.url}/dashboard/journeys/welcome`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.fill('#key', 'csk_000000000000_wrong');
    await page.click('button[type=submit]');
    expect(await page.getByRole('alert').textContent()).toBe('Unknown or revoked API key.');
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');

    await page.fill('#key', key);
    await Promise.all([page.waitForURL(`${cascade.api.url}/dashboard/journeys/welcome`), page.click('button[type=submit]')]);
    expect(await page.title()).toBe('Journey welcome · Cascade');

    // The funnel says what the API says, and what the hand count says.
    const fromApi = await apiResults();
    const shown = async (stage: string) => ({
      count: await page.locator(`[data-stage="${stage}"] .count`).textContent(),
      rate: stage === 'sent' ? null : await page.locator(`[data-stage="${stage}"] .rate`).textContent(),
    });
    expect(await shown('sent')).toEqual({ count: String(fromApi.sent), rate: null });
    expect(await shown('delivered')).toEqual({ count: String(fromApi.delivered), rate: `${(fromApi.rates.delivery! * 100).toFixed(1)}%` });
    expect(await shown('opened')).toEqual({ count: String(fromApi.opened), rate: `${(fromApi.rates.open! * 100).toFixed(1)}%` });
    expect(await shown('clicked')).toEqual({ count: String(fromApi.clicked), rate: `${(fromApi.rates.click! * 100).toFixed(1)}%` });
    expect(await shown('converted')).toEqual({ count: String(fromApi.converted), rate: `${(fromApi.rates.conversion! * 100).toFixed(1)}%` });
    expect(await page.locator('[data-count="revenue"]').first().textContent()).toBe('2,000.00');
    expect([await shown('sent'), await shown('delivered'), await shown('opened'), await shown('clicked'), await shown('converted')]).toEqual([
      { count: '5', rate: null },
      { count: '4', rate: '80.0%' },
      { count: '2', rate: '40.0%' },
      { count: '1', rate: '20.0%' },
      { count: '2', rate: '40.0%' },
    ]);
    // Per step and per channel.
    expect(await page.locator('table.counts tr[data-row="hello"] [data-count="sent"]').first().textContent()).toBe('4');
    expect(await page.locator('table.counts tr[data-row="sms"] [data-count="converted"]').textContent()).toBe('1');
    expect(await page.locator('table.counts tr[data-row="email"] [data-count="bounced"]').textContent()).toBe('1');

    // The chart: Chart.js made a chart of the two days, and it has drawn on the canvas.
    const chart = await page.locator('#rates-chart').evaluate((el) => {
      const c = (globalThis as unknown as { Chart: { getChart(id: string): { data: { labels: string[]; datasets: Array<{ label: string; data: number[] }> } } | undefined } }).Chart.getChart('rates-chart');
      const canvas = el as unknown as Canvas;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
      return { labels: c?.data.labels, conversion: c?.data.datasets.find((d) => d.label === 'Conversion')?.data, painted, width: canvas.width };
    });
    expect(chart.labels).toEqual([dayOf(0), dayOf(1)]);
    // d0: ivan converted of four sent; d1: oleg of one.
    expect(chart.conversion).toEqual([0.25, 1]);
    expect(chart.width).toBeGreaterThan(0);
    expect(chart.painted).toBeGreaterThan(500);

    // The experiments: per variant and the holdout, as the API answers and as counted by hand.
    const exp = (await (await cascade.api.call('/v1/analytics/journeys/welcome/experiments')).json()) as {
      experiments: Array<{ experiment: string; variants: Array<{ variant: string; runs: number; sent: number; converted: number }> }>;
      holdout: { treated: { runs: number; converted: number }; holdout: { runs: number; converted: number } };
    };
    const cell = (table: string, row: string, what: string) => page.locator(`table[data-experiment="${table}"] tr[data-row="${row}"] [data-${what}]`).textContent();
    const variants = exp.experiments.find((e) => e.experiment === 'subject-test')!.variants;
    expect(variants.map((v) => [v.variant, v.sent])).toEqual([['a', 3], ['b', 2]]);
    for (const v of variants) {
      expect(await cell('subject-test', v.variant, 'count="sent"')).toBe(String(v.sent));
      expect(await cell('subject-test', v.variant, 'count="runs"')).toBe(String(v.runs));
      expect(await cell('subject-test', v.variant, 'count="converted"')).toBe(String(v.converted));
    }
    expect([await cell('subject-test', 'a', 'rate="conversion"'), await cell('subject-test', 'b', 'rate="conversion"'), await cell('subject-test', 'b', 'rate="difference"')]).toEqual([
      '66.67%',
      '0.0%',
      '-66.7 pp',
    ]);
    expect([exp.holdout.treated, exp.holdout.holdout]).toEqual([expect.objectContaining({ runs: 5, converted: 2 }), expect.objectContaining({ runs: 4, converted: 1 })]);
    expect([await cell('holdout', 'treated', 'rate="conversion"'), await cell('holdout', 'holdout', 'rate="conversion"')]).toEqual(['40.0%', '25.0%']);
    expect(await page.locator('[data-rate="uplift"]').textContent()).toBe('+15.0 pp');

    // No email-health warning yet: every marketing email went to a new or engaged address.
    expect(await page.locator('aside.warning').count()).toBe(0);
    const shots = mkdtempSync(join(tmpdir(), 'dashboard-'));
    await page.screenshot({ path: join(shots, 'journey.png'), fullPage: true });

    // Last click: the SMS was never clicked, so only ivan's order counts.
    await page.selectOption('select[name="attribution"]', 'last-click');
    await Promise.all([page.waitForURL(/attribution=last-click/), page.click('form.filters button')]);
    const lastClick = await apiResults('?attribution=last-click');
    expect(lastClick.converted).toBe(1);
    expect(await page.locator('[data-stage="converted"] .count').textContent()).toBe(String(lastClick.converted));
    expect(await page.locator('[data-count="revenue"]').first().textContent()).toBe('1,500.00');

    // One day, d1 (the "to" day is shown, so counted): oleg's SMS alone, and his order with it.
    await page.fill('input[name="from"]', dayOf(1));
    await page.fill('input[name="to"]', dayOf(1));
    await page.selectOption('select[name="attribution"]', 'last-touch');
    await Promise.all([page.waitForURL(/from=/), page.click('form.filters button')]);
    const oneDay = await apiResults(`?from=${dayOf(1)}&to=${dayOf(2)}`);
    expect([oneDay.sent, oneDay.converted]).toEqual([1, 1]);
    expect(await page.locator('[data-stage="sent"] .count').textContent()).toBe('1');
    expect(await page.locator('[data-stage="converted"] .count').textContent()).toBe('1');
    expect(await page.inputValue('input[name="to"]')).toBe(dayOf(1));

    // sleepy was mailed 120 days ago, never opened, and mailed again 5 days ago: 1 of 5 marketing
    // emails in 30 days (20 %) went to an inactive address, over the 2 % rule.
    await message({ customerId: 'sleepy', journey: 'newsletter', step: 'issue', status: 'delivered', requestedAt: new Date(Date.now() - 120 * DAY) });
    await message({ customerId: 'sleepy', journey: 'newsletter', step: 'issue', status: 'delivered', requestedAt: new Date(Date.now() - 5 * DAY) });
    await page.goto(`${cascade.api.url}/dashboard`);
    // The campaign's page, from the index: its own runs' numbers, as the API gives them.
    await Promise.all([page.waitForURL(`${cascade.api.url}/dashboard/campaigns/autumn`), page.click('a[href="/dashboard/campaigns/autumn"]')]);
    const campaign = (await (await cascade.api.call('/v1/analytics/campaigns/autumn')).json()) as Results;
    const funnel = async () => Promise.all(['sent', 'delivered', 'opened', 'clicked', 'converted'].map((s) => page.locator(`[data-stage="${s}"] .count`).textContent()));
    expect(await funnel()).toEqual([campaign.sent, campaign.delivered, campaign.opened, campaign.clicked, campaign.converted].map(String));
    expect(await funnel()).toEqual(['1', '1', '1', '0', '0']);
    await page.goto(`${cascade.api.url}/dashboard`);
    const banner = page.locator('aside.warning [data-rule="inactive-share"]');
    expect(await banner.textContent()).toContain('20.00% of marketing emails in the last 30 days went to addresses with no open or click in 90 days');
    await page.screenshot({ path: join(shots, 'index-warning.png'), fullPage: true });
    console.info(`dashboard screenshots: ${shots}`);

    // The key travelled in the login form's POST body only: never in a URL the browser asked for,
    // and the browser keeps a session id, not the key.
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.filter((u) => u.includes(key) || u.includes(encodeURIComponent(key)))).toEqual([]);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'cascade_dashboard')?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookies.filter((c) => c.value.includes(key) || c.value.includes(encodeURIComponent(key)) || c.value.includes(key.slice('csk_000000000000_'.length)))).toEqual([]);
    // Chart.js and the page's script ran under the CSP without a refusal: the one error is the wrong key's 401.
    expect(problems).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    await context.close();
  });
});
