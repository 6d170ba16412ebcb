/**
 * Alerts on real parts: sign-ups go through the API, the dev server and the welcome journey, and
 * the real Resend adapter sends with a key the fake Resend refuses (403), so every email fails for
 * good. The API's evaluator then posts to a chat webhook on 127.0.0.1: once per cause (the refused
 * credentials, and the email channel's failed share), a failed post retried but never doubled,
 * and nothing more within the window. GET /v1/alerts lists them. A failed run and a dead-lettered
 * event are recorded by the code that records them in production (the run's own activity, the
 * router); making a journey body crash or Temporal refuse a request for real is out of reach here.
 * So are a week of events and four weeks of sends: those are ledger rows written with past times,
 * the way the API and the send activity write them, and the running evaluator finds them.
 */
import { createServer, type Server } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsFromEnv } from '../activities/channels';
import { resendChannel } from '../activities/channels/resend/adapter';
import { evaluateAlerts } from '../alerts/evaluator';
import type { AlertOptions } from '../alerts/options';
import { startApi, type ApiHandle } from '../processes/api';
import type { Database } from '../db/client';
import { emailHealth } from '../analytics/email-health';
import { alertOptionsFromConfig } from '../alerts/options';
import { raiseAlerts } from '../alerts/raise';
import { loadConfig } from '../lib/config';
import { events, messages, type MessageStatus } from '../db/schema';
import { createRunActivities } from '../activities/runs';
import { routeEvent } from '../routing/route-event';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { seedCustomer, TEST_API_KEY, TEST_UNSUBSCRIBE_SECRET, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually, FROM } from './support/email';
import { devServerEnv, startWorker, taskQueue } from './support/temporal';

interface Post {
  status: number;
  body: { text: string; cause: string; severity: string; detail: Record<string, unknown> };
}

/** A chat webhook: records every post; the first one is answered 500, the way a chat hiccups. */
async function startChat(): Promise<{ url: string; posts: Post[]; close(): Promise<void> }> {
  const posts: Post[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const status = posts.length === 0 ? 500 : 200;
      posts.push({ status, body: JSON.parse(raw) });
      res.writeHead(status).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hooks/abc`, posts, close: () => new Promise((r) => server.close(() => r())) };
}

let env: TestWorkflowEnvironment;
let database: Database;
let fake: FakeResend;
let chat: Awaited<ReturnType<typeof startChat>>;
let worker: Awaited<ReturnType<typeof startWorker>>;
let api: ApiHandle;
let options: AlertOptions;

beforeAll(async () => {
  [env, database, fake, chat] = await Promise.all([devServerEnv(), createTestDatabase(), startFakeResend({ rateLimit: null }), startChat()]);
  // The provider "starts failing for good": our key is not the one it knows.
  const email = resendChannel({ apiKey: 're_revoked_key', from: FROM, baseUrl: fake.url, timeoutMs: 5_000 });
  worker = await startWorker(env, testDeps(database.db, { channels: { ...channelsFromEnv({}), email } }));
  options = {
    windowMs: 15 * 60_000, failedShare: 0.2, minMessages: 3, webhookUrl: chat.url, everyMs: 200, postTimeoutMs: 2_000,
    eventsDrop: { share: 0.5, minCount: 20 }, rateDrop: { share: 0.5, minMessages: 10 },
  };
  api = await startApi({ db: database.db, client: env.client, taskQueue, apiKeys: [TEST_API_KEY], port: 0, unsubscribeSecret: TEST_UNSUBSCRIBE_SECRET, alerts: options });
});
afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await env?.teardown();
  await database?.close();
  await fake?.close();
  await chat?.close();
});

const call = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${api.port}${path}`, { ...init, headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' } });
const delivered = (cause: string) => chat.posts.filter((p) => p.status === 200 && p.body.cause === cause);

describe('when the email provider starts refusing every send', () => {
  it('posts one alert per cause to the chat webhook, and nothing again within the window', async () => {
    const ids = ['al1', 'al2', 'al3'];
    for (const id of ids) {
      await seedCustomer(database.db, { id });
      const res = await call('/v1/events', { method: 'POST', body: JSON.stringify({ id: `signup-${id}`, customerId: id, type: 'customer.signed_up' }) });
      expect(res.status).toBe(202);
    }
    // The welcome emails went through the pipeline and the provider refused them.
    await eventually(async () => {
      const failed = await database.db.select().from(messages).where(and(eq(messages.channel, 'email'), eq(messages.status, 'failed')));
      return failed.length === ids.length;
    }, 30_000, 'three failed welcome emails');
    expect(fake.emails).toHaveLength(0);

    await eventually(async () => delivered('provider-auth:resend').length > 0 && delivered('channel-failures:email').length > 0, 20_000, 'both alerts posted');
    const auth = delivered('provider-auth:resend')[0]!.body;
    expect(auth).toMatchObject({ severity: 'critical', cause: 'provider-auth:resend', detail: { provider: 'resend', problem: 'auth' } });
    expect(auth.text).toMatch(/^Cascade critical: resend refuses our credentials: \d+ send\(s\) refused in the last 15 min$/);
    expect(auth.detail.error).toMatch(/Resend 403 invalid_api_key/);
    expect(delivered('channel-failures:email')[0]!.body).toMatchObject({
      severity: 'critical',
      text: 'Cascade critical: email sends failing: 3 of 3 (100%) in the last 15 min',
      detail: { channel: 'email', failed: 3, finished: 3 },
    });
    // The chat answered the very first post 500: that alert was posted again on the next pass.
    expect(chat.posts[0]!.status).toBe(500);

    // Many more passes of the evaluator within the window, and a direct one: nothing new.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await evaluateAlerts(database.db, options)).toEqual({ raised: 0, posted: 0 });
    expect(delivered('provider-auth:resend')).toHaveLength(1);
    expect(delivered('channel-failures:email')).toHaveLength(1);
    expect(chat.posts).toHaveLength(3); // two alerts, one of them twice because the first try got a 500
    // Nothing in the chat names a customer or an address.
    expect(JSON.stringify(chat.posts)).not.toMatch(/al[123]|@example\.com/);
  });

  it('lists the alerts at GET /v1/alerts, newest first, with when the chat took them', async () => {
    const res = await call('/v1/alerts');
    expect(res.status).toBe(200);
    const { alerts } = (await res.json()) as { alerts: Array<Record<string, unknown>> };
    expect(alerts.map((a) => a.cause).sort()).toEqual(['channel-failures:email', 'provider-auth:resend']);
    expect(new Date(alerts[0]!.raisedAt as string).getTime()).toBeGreaterThanOrEqual(new Date(alerts[1]!.raisedAt as string).getTime());
    for (const a of alerts) expect(a).toMatchObject({ severity: 'critical', postedAt: expect.any(String), postError: null });

    const later = await call(`/v1/alerts?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(((await later.json()) as { alerts: unknown[] }).alerts).toEqual([]);
    const bad = await call('/v1/alerts?since=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request', field: 'since' } });
    expect((await fetch(`http://127.0.0.1:${api.port}/v1/alerts`)).status).toBe(401);
  });

  it('warns once about a run that failed and once about an event that can never be routed', async () => {
    const runs = createRunActivities(database.db);
    await runs.recordRunStart({ runId: 'r-crash', workflowId: 'welcome/crash', journey: 'welcome', customerId: 'al1' });
    await runs.recordRunEnd({ workflowId: 'welcome/crash', status: 'failed', reason: 'failed: TypeError in the body' });
    // Stored before the cart journey required its key; the router can never start a run for it.
    const [row] = await database.db
      .insert(events)
      .values({ id: 'cart-without-id', customerId: 'al2', type: 'cart.updated', properties: {}, occurredAt: new Date() })
      .returning();
    expect(await routeEvent({ db: database.db, client: env.client, taskQueue }, row!)).toMatchObject({ status: 'dead-lettered' });

    await eventually(async () => delivered('runs-failed').length > 0 && delivered('dead-letters').length > 0, 20_000, 'both warnings posted');
    expect(delivered('runs-failed')[0]!.body).toMatchObject({
      severity: 'warning',
      text: 'Cascade warning: 1 journey run(s) failed in the last 15 min (welcome: 1)',
      detail: { failed: 1, byJourney: { welcome: 1 } },
    });
    expect(delivered('dead-letters')[0]!.body).toMatchObject({ severity: 'warning', detail: { deadLettered: 1, byType: { 'cart.updated': 1 } } });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await evaluateAlerts(database.db, options)).toEqual({ raised: 0, posted: 0 });
    expect(delivered('runs-failed')).toHaveLength(1);
    expect(delivered('dead-letters')).toHaveLength(1);
  });
});

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const posted = (prefix: string) => chat.posts.filter((p) => p.status === 200 && p.body.cause.startsWith(prefix)).map((p) => p.body.cause);

let sends = 0;
/** Sent messages of a journey as the send activity leaves them, `count` of each status, asked for at `at`. */
function sent(journey: string, at: number, statuses: Partial<Record<MessageStatus, number>>) {
  return Object.entries(statuses).flatMap(([status, count]) =>
    Array.from({ length: count }, () => ({
      idempotencyKey: `${journey}/fall-${++sends}`, workflowId: `${journey}/fall`, customerId: 'fall', journey, step: 'fixture', template: 'fixture',
      channel: 'email' as const, provider: 'resend', topic: 'promotions', status: status as MessageStatus, requestedAt: new Date(at),
    })),
  );
}

describe('when the numbers fall', () => {
  beforeAll(async () => {
    await seedCustomer(database.db, { id: 'fall' });
  });

  it('reads its thresholds from the environment', () => {
    expect(alertOptionsFromConfig(loadConfig({}))).toMatchObject({ eventsDrop: { share: 0.5, minCount: 20 }, rateDrop: { share: 0.5, minMessages: 100 } });
    const set = alertOptionsFromConfig(loadConfig({ CASCADE_ALERT_EVENTS_DROP: '0.3', CASCADE_ALERT_EVENTS_MIN: '50', CASCADE_ALERT_RATE_DROP: '0.7', CASCADE_ALERT_RATE_MIN_MESSAGES: '500' }));
    expect(set).toMatchObject({ eventsDrop: { share: 0.3, minCount: 50 }, rateDrop: { share: 0.7, minMessages: 500 } });
    expect(() => loadConfig({ CASCADE_ALERT_EVENTS_DROP: '2' })).toThrow(/CASCADE_ALERT_EVENTS_DROP/);
  });

  it('alerts once when events of a type fell below half of the same hour a week earlier', async () => {
    const now = Date.now();
    const weekEarlier = now - 7 * DAY - 30 * MINUTE;
    const lastHour = now - 10 * MINUTE;
    const rows = (type: string, count: number, at: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: `${type}-${at}-${i}`, customerId: 'fall', type, properties: {}, occurredAt: new Date(at), receivedAt: new Date(at), routedAt: new Date(at),
      }));
    // One statement, so no evaluator pass sees a week earlier without the hour now.
    await database.db.insert(events).values([
      ...rows('page.viewed', 30, weekEarlier), ...rows('page.viewed', 14, lastHour), // 14 < 15: alert
      ...rows('search.done', 30, weekEarlier), ...rows('search.done', 15, lastHour), // exactly half: quiet
      ...rows('app.opened', 19, weekEarlier), // under 20 a week earlier: too few to tell
    ]);
    await eventually(async () => posted('events-dropped:').length > 0, 20_000, 'an events-dropped alert');
    const alert = chat.posts.find((p) => p.status === 200 && p.body.cause === 'events-dropped:page.viewed')!.body;
    expect(alert).toMatchObject({
      severity: 'warning',
      text: 'Cascade warning: page.viewed events fell to 14 in the last hour, from 30 in the same hour a week earlier (alert below 50%): is the integration still sending?',
      detail: { type: 'page.viewed', lastHour: 14, weekEarlier: 30, threshold: 0.5 },
    });
    await pause(1_000);
    expect(await evaluateAlerts(database.db, options)).toEqual({ raised: 0, posted: 0 });
    expect(posted('events-dropped:')).toEqual(['events-dropped:page.viewed']);
    // Twenty minutes on, past the evaluator's 15-minute window but within the hour the rule counts: still quiet.
    expect(await raiseAlerts(database.db, options, new Date(now + 20 * MINUTE))).toEqual([]);
  });

  it("alerts once when a journey's open rate over the last day fell below half of the 4 weeks before", async () => {
    const now = Date.now();
    const [before, lastDay] = [now - 10 * DAY, now - 2 * 60 * MINUTE];
    // Before: 20 sent, 10 opened (4 of them clicked): open 50 %, click 20 %, delivery 100 %.
    const usual = { clicked: 4, opened: 6, delivered: 10 };
    await database.db.insert(messages).values([
      // tyre-season, last day: 10 sent, 2 opened and clicked: open 20 % < 25 %: alert; click 20 %: quiet.
      ...sent('tyre-season', before, usual), ...sent('tyre-season', lastDay, { clicked: 2, delivered: 8 }),
      // service-reminder, last day: open 40 %, click 20 %: quiet.
      ...sent('service-reminder', before, usual), ...sent('service-reminder', lastDay, { clicked: 2, opened: 2, delivered: 6 }),
      // birthday, last day: none opened of 5, under the 10 sends a rate needs.
      ...sent('birthday', before, usual), ...sent('birthday', lastDay, { delivered: 5 }),
    ]);
    await eventually(async () => posted('rate-dropped:').length > 0, 20_000, 'a rate-dropped alert');
    expect(chat.posts.find((p) => p.status === 200 && p.body.cause === 'rate-dropped:tyre-season:open')!.body).toMatchObject({
      severity: 'warning',
      text: 'Cascade warning: tyre-season open rate fell to 20.0% over the last day, from 50.0% over the 28 days before (alert below 50% of it)',
      detail: { journey: 'tyre-season', rate: 'open', lastDay: { sent: 10, rate: 0.2 }, trailing4Weeks: { sent: 20, rate: 0.5 }, threshold: 0.5 },
    });
    await pause(1_000);
    expect(await evaluateAlerts(database.db, options)).toEqual({ raised: 0, posted: 0 });
    expect(posted('rate-dropped:')).toEqual(['rate-dropped:tyre-season:open']);
    // Two hours on, the last day still holds the drop: quiet within the day it alerted.
    expect(await raiseAlerts(database.db, options, new Date(now + 2 * 60 * MINUTE))).toEqual([]);
  });

  it('raises the email-health warning as an alert, once a day while it lasts', async () => {
    await pause(1_000);
    expect(posted('email-health:')).toEqual([]);
    // One complaint in ten marketing emails yesterday: far over the 0.1 % mailbox providers allow.
    await database.db.insert(messages).values([...sent('newsletter', Date.now() - DAY, { complained: 1, delivered: 9 })]);
    await eventually(async () => posted('email-health:').length > 0, 20_000, 'an email-health alert');
    const [warning] = (await emailHealth(database.db)).warnings;
    expect(warning!.rule).toBe('complaint-rate');
    expect(chat.posts.find((p) => p.status === 200 && p.body.cause === 'email-health:complaint-rate')!.body).toEqual({
      severity: 'warning',
      cause: 'email-health:complaint-rate',
      text: `Cascade warning: Email health: ${warning!.message}`,
      detail: { rule: 'complaint-rate', value: warning!.value, threshold: 0.001, whatToDo: warning!.whatToDo },
    });
    await pause(1_000);
    expect(await evaluateAlerts(database.db, options)).toEqual({ raised: 0, posted: 0 });
    expect(posted('email-health:')).toEqual(['email-health:complaint-rate']);
    // The next day is the next window: still over, so it alerts again.
    const tomorrow = await raiseAlerts(database.db, options, new Date(Date.now() + DAY));
    expect(tomorrow.map((a) => a.cause)).toEqual(['email-health:complaint-rate']);
    await eventually(async () => posted('email-health:').length === 2, 20_000, 'the next day\'s alert posted');
  });
});
