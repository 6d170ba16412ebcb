/**
 * Resend webhooks end to end on real parts: the welcome journey on the time-skipping server sends
 * through the real adapter to the fake Resend, the fake POSTs Svix-signed webhooks to the API, and
 * the API updates the ledger, suppresses bounced and complaining addresses and signals the run.
 */
import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { messageEvents, messages, pendingSignals, suppressions } from '../db/schema';
import { unsubscribeLinks } from '../lib/unsubscribe-token';
import { statusQuery } from '../workflows/contract';
import { reactivation } from '../workflows/journeys/reactivation';
import { welcome } from '../workflows/journeys/welcome';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { seedCustomer, startTestApi, testDeps, TEST_UNSUBSCRIBE_SECRET } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually, resendChannels, signalsOf, terminateWhenIdle } from './support/email';
import { zoneWhereItIs } from './support/journeys';
import { startWorker, taskQueue, timeSkippingEnv } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
let fake: FakeResend;
let api: Awaited<ReturnType<typeof startTestApi>>;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  [env, database, fake] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startFakeResend({ rateLimit: null })]);
  api = await startTestApi(database.db, env.client, { resendWebhookSecret: fake.webhookSecret });
  fake.setWebhookUrl(`${api.url}/webhooks/resend`);
  worker = await startWorker(
    env,
    testDeps(database.db, { channels: resendChannels(fake), unsubscribeUrl: unsubscribeLinks(api.url, TEST_UNSUBSCRIBE_SECRET) }),
  );
});
afterAll(async () => {
  await fake?.close();
  await api?.stop();
  await worker?.stop();
  await env?.teardown();
  await database?.close();
});

const db = () => database.db;

async function startWelcome(customerId: string) {
  return env.client.workflow.start(welcome, {
    workflowId: `welcome/${customerId}`,
    taskQueue,
    args: [{ v: 1, customerId, trigger: { id: `signup-${customerId}`, type: 'customer.signed_up', properties: {}, occurredAt: new Date().toISOString() } }],
  });
}

async function rows(customerId: string) {
  return db().select().from(messages).where(eq(messages.customerId, customerId)).orderBy(asc(messages.id));
}

async function rowWhere(customerId: string, ok: (r: typeof messages.$inferSelect) => boolean, what: string) {
  return eventually(async () => (await rows(customerId)).find(ok), 20_000, what);
}

async function eventTypes(messageId: number) {
  const list = await db().select().from(messageEvents).where(eq(messageEvents.messageId, messageId)).orderBy(asc(messageEvents.id));
  return list.map((e) => e.type);
}

async function suppressed(address: string) {
  return db().select().from(suppressions).where(and(eq(suppressions.channel, 'email'), eq(suppressions.address, address)));
}

describe('Resend webhooks', () => {
  it('a bounced@ address: the bounce arrives, the address is suppressed, the next send is skipped and the journey sees why', async () => {
    const to = 'bounced+b1@resend.dev';
    await seedCustomer(db(), { id: 'b1', email: to });
    const handle = await startWelcome('b1');

    const hello = await rowWhere('b1', (r) => r.status === 'bounced', 'the first email to bounce');
    expect(await eventTypes(hello.id)).toEqual(['email.sent', 'email.bounced']);
    expect(await suppressed(to)).toMatchObject([{ reason: 'hard_bounce' }]);

    const bounce = fake.deliveries.find((d) => d.type === 'email.bounced' && d.emailId === hello.providerMessageId)!;
    expect((await signalsOf(env.client, 'welcome/b1')).filter((s) => s.type.startsWith('message.'))).toEqual([
      {
        id: `resend:${bounce.svixId}`,
        type: 'message.bounced',
        properties: { messageId: hello.id, channel: 'email', step: 'welcome-hello', journey: 'welcome', template: 'welcome-hello' },
        occurredAt: expect.any(String),
      },
    ]);

    await env.sleep('1 day');
    const fitting = await rowWhere('b1', (r) => r.template === 'welcome-fitting', 'the second send');
    expect(fitting).toMatchObject({ status: 'skipped', skipReason: 'suppressed' });
    const status = await handle.query(statusQuery);
    expect(status.sent).toContainEqual({ step: 'welcome-fitting', channel: 'email', status: 'skipped', reason: 'suppressed' });
    expect(fake.emailsTo(to)).toHaveLength(1);
    await terminateWhenIdle(handle);
  });

  it('a complained@ address: delivered then complaint; suppressed, and nothing more is sent', async () => {
    const to = 'complained+c1@resend.dev';
    await seedCustomer(db(), { id: 'c1', email: to });
    const handle = await startWelcome('c1');

    const hello = await rowWhere('c1', (r) => r.status === 'complained', 'the complaint');
    await fake.settle();
    expect(await eventTypes(hello.id)).toEqual(['email.sent', 'email.delivered', 'email.complained']);
    expect(await suppressed(to)).toMatchObject([{ reason: 'complaint' }]);
    expect((await signalsOf(env.client, 'welcome/c1')).map((s) => s.type).filter((t) => t.startsWith('message.'))).toEqual([
      'message.delivered',
      'message.complained',
    ]);

    await env.sleep('1 day');
    const fitting = await rowWhere('c1', (r) => r.template === 'welcome-fitting', 'the second send');
    expect(fitting).toMatchObject({ status: 'skipped', skipReason: 'suppressed' });
    expect((await handle.query(statusQuery)).sent).toContainEqual({ step: 'welcome-fitting', channel: 'email', status: 'skipped', reason: 'suppressed' });
    expect(fake.emailsTo(to)).toHaveLength(1);
    await terminateWhenIdle(handle);
  });

  it('opens and clicks move the ledger forward and reach the run; a late delivered never moves it back', async () => {
    const to = 'delivered+o1@resend.dev';
    await seedCustomer(db(), { id: 'o1', email: to });
    const handle = await startWelcome('o1');
    const hello = await rowWhere('o1', (r) => r.status === 'delivered', 'delivery');
    await fake.settle();
    const emailId = hello.providerMessageId!;

    await fake.emit(emailId, 'email.opened');
    expect((await rows('o1'))[0]!.status).toBe('opened');
    await fake.emit(emailId, 'email.delivered'); // late and out of order
    expect((await rows('o1'))[0]!.status).toBe('opened');
    await fake.emit(emailId, 'email.clicked', { click: { ipAddress: '127.0.0.1', link: 'https://shop.example/sale', timestamp: new Date().toISOString(), userAgent: 'test' } });
    expect((await rows('o1'))[0]!.status).toBe('clicked');
    expect(fake.deliveries.filter((d) => d.emailId === emailId).every((d) => d.status === 200)).toBe(true);

    const signals = (await signalsOf(env.client, 'welcome/o1')).filter((s) => s.type.startsWith('message.'));
    expect(signals.map((s) => s.type)).toEqual(['message.delivered', 'message.opened', 'message.delivered', 'message.clicked']);
    expect(signals[3]!.properties).toEqual({
      messageId: hello.id,
      channel: 'email',
      step: 'welcome-hello',
      journey: 'welcome',
      template: 'welcome-hello',
      link: 'https://shop.example/sale',
    });
    expect(new Set(signals.map((s) => s.id)).size).toBe(4);

    // A run that has ended still gets its ledger updated; the signal has nowhere to go and that is fine.
    await terminateWhenIdle(handle);
    const before = await eventTypes(hello.id);
    await fake.emit(emailId, 'email.opened');
    expect(fake.deliveries.at(-1)!.status).toBe(200);
    expect(await eventTypes(hello.id)).toEqual([...before, 'email.opened']);
    expect(await db().select().from(pendingSignals).where(eq(pendingSignals.workflowId, 'welcome/o1'))).toEqual([]);
  });

  it('a webhook that lands before the ledger update is not undone by it', async () => {
    const to = 'delivered+early@resend.dev';
    await seedCustomer(db(), { id: 'early', email: to });
    fake.webhooksBeforeReply = true;
    try {
      const handle = await startWelcome('early');
      await eventually(async () => (await handle.query(statusQuery)).sent.find((s) => s.step === 'welcome-hello'), 20_000, 'the send');
      expect((await rows('early'))[0]).toMatchObject({ status: 'delivered', providerMessageId: fake.emailsTo(to)[0]!.id });
      await terminateWhenIdle(handle);
    } finally {
      fake.webhooksBeforeReply = false;
    }
  });

  it('a reply lost after Resend accepted: the webhooks still find the row, the retry sends nothing new', async () => {
    const to = 'delivered+lost@resend.dev';
    await seedCustomer(db(), { id: 'lost', email: to });
    fake.failNext(1, 'accept-then-drop');
    const handle = await startWelcome('lost');
    const hello = await rowWhere('lost', (r) => r.status === 'delivered', 'delivery while the send is being retried');
    expect(hello.providerMessageId).toBe(fake.emailsTo(to)[0]!.id);
    await fake.settle();
    expect(await eventTypes(hello.id)).toEqual(['email.sent', 'email.delivered']);
    await eventually(async () => (await handle.query(statusQuery)).sent.find((s) => s.step === 'welcome-hello' && s.status === 'sent'), 20_000, 'the retry');
    expect(fake.emailsTo(to)).toHaveLength(1);
    expect((await rows('lost'))[0]!.status).toBe('delivered');
    await terminateWhenIdle(handle);
  });

  it('reactivation: an open reported by Resend stops the SMS; without one the SMS follows two days later', async () => {
    // Midday for the customer, so the push and SMS are not held back by quiet hours.
    const timeZone = zoneWhereItIs(12, await env.currentTimeMs());
    const start = async (customerId: string) => {
      await seedCustomer(db(), { id: customerId, email: `delivered+${customerId}@resend.dev`, phone: '+79123456789', timeZone, ordersPlaced: 3 });
      const trigger = { id: `churn-${customerId}`, type: 'customer.pre_churn', properties: {}, occurredAt: new Date().toISOString() };
      return env.client.workflow.start(reactivation, { workflowId: `reactivation/${customerId}`, taskQueue, args: [{ v: 1, customerId, trigger }] });
    };
    const opened = await start('r-open');
    const ignored = await start('r-ignore');
    const offer = await rowWhere('r-open', (r) => r.channel === 'email' && r.status === 'delivered', 'the offer email');
    await rowWhere('r-ignore', (r) => r.channel === 'email' && r.status === 'delivered', 'the other offer email');
    await fake.settle();
    await fake.emit(offer.providerMessageId!, 'email.opened');

    // The open ends the cascade: the run goes on only to watch its conversion goal.
    await eventually(async () => (await opened.query(statusQuery)).waiting.event === 'order.placed', 20_000, 'the reaction');
    await env.sleep('2 days');
    const sms = await rowWhere('r-ignore', (r) => r.channel === 'sms', 'the SMS after two days without a reaction');
    expect(sms).toMatchObject({ status: 'sent', step: 'offer-sms' });
    expect((await rows('r-open')).map((r) => r.channel)).not.toContain('sms');
    await terminateWhenIdle(opened);
    await terminateWhenIdle(ignored);
  });

  it('forged, altered, stale, unsigned and replayed webhooks are refused or deduplicated; the ledger is unchanged', async () => {
    const to = 'delivered+f1@resend.dev';
    await seedCustomer(db(), { id: 'f1', email: to });
    const handle = await startWelcome('f1');
    await rowWhere('f1', (r) => r.status === 'delivered', 'delivery');
    await fake.settle();
    const [before] = await rows('f1');
    const eventsBefore = await eventTypes(before!.id);
    const signalsBefore = await signalsOf(env.client, 'welcome/f1');

    const email = fake.emailsTo(to)[0]!;
    const body = fake.eventBody(email, 'email.bounced', { bounce: { type: 'Permanent', subType: 'General', message: 'forged' } });
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(`${api.url}/webhooks/resend`, { method: 'POST', headers, body: payload });

    const forged = await post(fake.sign(body, { secret: `whsec_${randomBytes(24).toString('base64')}` }));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    const altered = await post(fake.sign(body), body.replace('forged', 'altered'));
    expect(altered.status).toBe(401);
    const stale = await post(fake.sign(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }));
    expect(stale.status).toBe(401);
    const unsigned = await post({ 'content-type': 'application/json' });
    expect(unsigned.status).toBe(401);

    const delivered = fake.deliveries.find((d) => d.emailId === email.id && d.type === 'email.delivered')!;
    expect(await fake.redeliver(delivered)).toBe(200);
    const replay = await fetch(`${api.url}/webhooks/resend`, { method: 'POST', headers: delivered.headers, body: delivered.body });
    expect(await replay.json()).toEqual({ received: true, matched: true, duplicate: true });

    const [after] = await rows('f1');
    expect(after).toEqual(before);
    expect(await eventTypes(before!.id)).toEqual(eventsBefore);
    expect(await suppressed(to)).toEqual([]);
    expect(await signalsOf(env.client, 'welcome/f1')).toEqual(signalsBefore);
    await terminateWhenIdle(handle);
  });

  it('answers 200 and stores nothing for an email that is not ours', async () => {
    const stranger = { id: 'not-ours', from: 'x@y.z', to: ['someone@else.example'], subject: 's', html: null, text: null, headers: {}, tags: [], idempotencyKey: null, createdAt: new Date().toISOString(), lastEvent: 'sent' };
    const body = fake.eventBody(stranger, 'email.delivered');
    const res = await fetch(`${api.url}/webhooks/resend`, { method: 'POST', headers: fake.sign(body), body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, matched: false });
  });

  it('answers 200 and stores nothing for an event that is not about an email (no email_id), so Resend does not retry it', async () => {
    const count = async () => ({
      events: (await db().select().from(messageEvents)).length,
      signals: (await db().select().from(pendingSignals)).length,
      suppressions: (await db().select().from(suppressions)).length,
    });
    const before = await count();
    const body = JSON.stringify({
      type: 'contact.created',
      created_at: new Date().toISOString(),
      data: { id: 'e169aa45-1ecf-4183-9955-b1499d5701d3', audience_id: 'aud-1', email: 'someone@shop.example', unsubscribed: false },
    });
    const res = await fetch(`${api.url}/webhooks/resend`, { method: 'POST', headers: fake.sign(body), body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, matched: false });
    expect(await count()).toEqual(before);
  });
});
