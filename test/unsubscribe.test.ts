/**
 * Unsubscribe on real parts: the welcome journey on the time-skipping server sends through the real
 * Resend adapter to the fake; the List-Unsubscribe URL the fake received is POSTed like a mail
 * client's one-click; later marketing is skipped, transactional mail still goes. Also the page,
 * forged tokens, and PUT /v1/customers/:id/consents.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { consents, messages, suppressions } from '../db/schema';
import { createUnsubscribeToken, unsubscribeLinks, verifyUnsubscribeToken } from '../lib/unsubscribe-token';
import { statusQuery } from '../workflows/contract';
import { orderConfirmation } from '../workflows/journeys/order-confirmation';
import { welcome } from '../workflows/journeys/welcome';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { seedCustomer, startTestApi, testDeps, TEST_UNSUBSCRIBE_SECRET } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually, resendChannels, terminateWhenIdle } from './support/email';
import { startWorker, taskQueue, timeSkippingEnv } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
let fake: FakeResend;
let api: Awaited<ReturnType<typeof startTestApi>>;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  [env, database, fake] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startFakeResend({ rateLimit: null })]);
  api = await startTestApi(database.db, env.client);
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
const token = (customerId: string, channel: 'email' | 'sms' = 'email') => createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId, channel });
/** A link as minted before links named a topic or carried a time. */
const oldToken = (customerId: string) => createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId, channel: 'email', issuedAt: null });

async function consentOf(customerId: string, channel = 'email', topic = '*') {
  const [row] = await db()
    .select()
    .from(consents)
    .where(and(eq(consents.customerId, customerId), eq(consents.channel, channel as 'email'), eq(consents.topic, topic)));
  return row;
}

async function suppressionsOf(address: string) {
  return db().select({ reason: suppressions.reason }).from(suppressions).where(eq(suppressions.address, address));
}

describe('unsubscribe', () => {
  it("one-click via the List-Unsubscribe URL stops the message's topic (welcome: news) by email; a transactional email still goes", async () => {
    const to = 'delivered+u1@resend.dev';
    await seedCustomer(db(), { id: 'u1', email: to });
    const handle = await env.client.workflow.start(welcome, {
      workflowId: 'welcome/u1',
      taskQueue,
      args: [{ v: 1, customerId: 'u1', trigger: { id: 'signup-u1', type: 'customer.signed_up', properties: {}, occurredAt: new Date().toISOString() } }],
    });
    const [email] = await eventually(async () => (fake.emailsTo(to).length ? fake.emailsTo(to) : undefined), 20_000, 'the welcome email');
    expect(email!.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const url = /^<(.+)>$/.exec(email!.headers['List-Unsubscribe'] ?? '')?.[1];
    expect(url).toMatch(new RegExp(`^${api.url}/unsubscribe\\?token=`));

    // What Gmail and Apple Mail do for RFC 8058: POST the body below to the URL, no cookies, no page.
    const res = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    // Only the topic: the channel's `*` still holds for the other topics, and the address is not suppressed.
    expect(await consentOf('u1', 'email', 'news')).toMatchObject({ granted: false, source: 'unsubscribe' });
    expect(await consentOf('u1')).toMatchObject({ granted: true });
    expect(await suppressionsOf(to)).toEqual([]);
    const [first] = await db().select().from(messages).where(eq(messages.customerId, 'u1'));
    expect(first).toMatchObject({ template: 'welcome-hello', topic: 'news', status: 'sent' });

    await env.sleep('1 day');
    const fitting = await eventually(async () => {
      const rows = await db().select().from(messages).where(eq(messages.customerId, 'u1')).orderBy(asc(messages.id));
      return rows.find((r) => r.template === 'welcome-fitting');
    }, 20_000, 'the second welcome send');
    expect(fitting).toMatchObject({ status: 'skipped', skipReason: 'no_consent' });
    expect((await handle.query(statusQuery)).sent).toContainEqual({ step: 'welcome-fitting', channel: 'email', status: 'skipped', reason: 'no_consent' });
    expect(fake.emailsTo(to)).toHaveLength(1);
    await terminateWhenIdle(handle);

    // The transactional order confirmation still reaches the unsubscribed (but not bounced) address.
    const order = { id: 'order-u1-1', type: 'order.placed', properties: { orderId: 'U1-1' }, occurredAt: new Date().toISOString() };
    await env.client.workflow.execute(orderConfirmation, {
      workflowId: 'order-confirmation/u1/order-u1-1',
      taskQueue,
      args: [{ v: 1, customerId: 'u1', trigger: order }],
    });
    const [confirmation] = await db().select().from(messages).where(and(eq(messages.customerId, 'u1'), eq(messages.journey, 'order-confirmation')));
    expect(confirmation).toMatchObject({ status: 'sent', transactional: true, subject: 'Order U1-1 confirmed' });
    const after = fake.emailsTo(to);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ subject: 'Order U1-1 confirmed', headers: {} });
  });

  it('GET shows the preference center and changes nothing; a link minted before topics unsubscribes every topic, idempotently', async () => {
    await seedCustomer(db(), { id: 'u2', email: 'u2@shop.example' });
    const page = await fetch(`${api.url}/unsubscribe?token=${oldToken('u2')}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain(`action="/preferences?token=${oldToken('u2')}"`);
    expect(html).toContain('name="on" value="email.promotions"');
    expect(await consentOf('u2')).toMatchObject({ granted: true });

    for (let i = 0; i < 2; i++) {
      const done = await fetch(`${api.url}/unsubscribe?token=${oldToken('u2')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('Больше не пришлём: все рекламные сообщения (Эл. почта)');
    }
    expect(await consentOf('u2')).toMatchObject({ granted: false, source: 'unsubscribe' });
    expect(await consentOf('u2', 'sms')).toMatchObject({ granted: true });
    expect(await suppressionsOf('u2@shop.example')).toEqual([{ reason: 'unsubscribe' }]);
  });

  it('refuses forged, altered, foreign and missing tokens with a 400 page and changes nothing', async () => {
    await seedCustomer(db(), { id: 'u3', email: 'u3@shop.example' });
    await seedCustomer(db(), { id: 'u4', email: 'u4@shop.example' });
    const genuine = token('u3');
    const [payload, mac] = genuine.split('.') as [string, string];
    const otherPayload = token('u4').split('.')[0]!;
    const bad = [
      createUnsubscribeToken('another-secret-0123456789abcdefghijkl', { customerId: 'u3', channel: 'email' }),
      `${payload}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      `${otherPayload}.${mac}`,
      `${Buffer.from('sms:u3').toString('base64url')}.${mac}`,
      // A topic token whose topic was edited: the MAC covers the topic.
      `${Buffer.from('t:email:news:u3').toString('base64url')}.${createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId: 'u3', channel: 'email', topic: 'promotions' }).split('.')[1]}`,
      'garbage',
      '',
    ];
    for (const t of bad) {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${api.url}/unsubscribe?token=${encodeURIComponent(t)}`, { method });
        expect(res.status, `${method} ${t}`).toBe(400);
        expect(await res.text()).toContain('Ссылка недействительна');
      }
    }
    const none = await fetch(`${api.url}/unsubscribe`, { method: 'POST' });
    expect(none.status).toBe(400);
    expect(await consentOf('u3')).toMatchObject({ granted: true });
    expect(await consentOf('u4')).toMatchObject({ granted: true });
    expect(await suppressionsOf('u3@shop.example')).toEqual([]);
  });

  it('tokens name one customer, one channel, the topic and when they were minted; older forms still verify', () => {
    const at = new Date('2026-11-02T10:20:30.456Z');
    const minted = new Date('2026-11-02T10:20:30.000Z');
    const t = createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId: 'c-42', channel: 'sms', issuedAt: at });
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, t)).toEqual({ customerId: 'c-42', channel: 'sms', topic: null, issuedAt: minted });
    const topical = createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId: 'c:42', channel: 'sms', topic: 'promotions', issuedAt: at });
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, topical)).toEqual({ customerId: 'c:42', channel: 'sms', topic: 'promotions', issuedAt: minted });
    // The link a message carries is minted at the message's time: every retry of the send carries the same one.
    expect(unsubscribeLinks('https://c.example', TEST_UNSUBSCRIBE_SECRET)('c:42', 'sms', 'promotions', at)).toBe(`https://c.example/unsubscribe?token=${topical}`);
    // The MAC's last character has two spare bits: a token altered only there does not verify either.
    const [payload, mac] = t.split('.') as [string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spareFlipped = `${payload}.${mac.slice(0, -1)}${alphabet[alphabet.indexOf(mac.at(-1)!) ^ 1]}`;
    expect(Buffer.from(spareFlipped.split('.')[1]!, 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, spareFlipped)).toBeNull();
    // The time is signed: a link made to look newer does not verify.
    const [, datedMac] = topical.split('.');
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, `${Buffer.from(`d:${minted.getTime() / 1000 + 86_400 * 60}:sms:promotions:c:42`).toString('base64url')}.${datedMac}`)).toBeNull();
    // Links minted before they carried a time (with or without a topic) still verify, undated.
    const undated = createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId: 'c-42', channel: 'sms', issuedAt: null });
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, undated)).toEqual({ customerId: 'c-42', channel: 'sms', topic: null, issuedAt: null });
    const undatedTopical = createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId: 'c-42', channel: 'sms', topic: 'news', issuedAt: null });
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, undatedTopical)).toEqual({ customerId: 'c-42', channel: 'sms', topic: 'news', issuedAt: null });
    // One form's MAC does not pass for another's payload.
    const [, wideMac] = undated.split('.');
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, `${Buffer.from('t:sms:promotions:c-42').toString('base64url')}.${wideMac}`)).toBeNull();
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, `${Buffer.from(`d:${minted.getTime() / 1000}:sms:*:c-42`).toString('base64url')}.${wideMac}`)).toBeNull();
    expect(verifyUnsubscribeToken('some-other-secret-0123456789abcdef', t)).toBeNull();
    expect(unsubscribeLinks('https://c.example/', TEST_UNSUBSCRIBE_SECRET)('a:b@c', 'email')).toMatch(/^https:\/\/c\.example\/unsubscribe\?token=[\w-]+\.[\w-]{43}$/);
    expect(verifyUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, token('a:b@c'))).toMatchObject({ customerId: 'a:b@c', channel: 'email', topic: null });
  });
});

describe('PUT /v1/customers/:id/consents', () => {
  const put = (id: string, body: unknown) => api.call(`/v1/customers/${id}/consents`, { method: 'PUT', body: JSON.stringify(body) });

  it('sets consents per channel, 404 for an unknown customer, 400 naming a bad field', async () => {
    await seedCustomer(db(), { id: 'p1', email: 'p1@shop.example', consent: ['email'] });
    const ok = await put('p1', { email: false, sms: true, source: 'preference-centre' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ customerId: 'p1', consents: { email: false, sms: true } });
    expect(await consentOf('p1')).toMatchObject({ granted: false, source: 'preference-centre' });

    const unknown = await put('nobody', { email: true, source: 'preference-centre' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found', field: 'customerId' } });
    const notBool = await put('p1', { sms: 'yes' });
    expect(notBool.status).toBe(400);
    expect(await notBool.json()).toMatchObject({ error: { code: 'invalid_request', field: 'sms' } });
    expect((await put('p1', { fax: true })).status).toBe(400);
    expect((await put('p1', {})).status).toBe(400);
    const noKey = await fetch(`${api.url}/v1/customers/p1/consents`, { method: 'PUT', body: '{"email":true}', headers: { 'content-type': 'application/json' } });
    expect(noKey.status).toBe(401);
    expect(await consentOf('p1', 'sms')).toMatchObject({ granted: true });
  });

  it('re-subscribing lifts an unsubscribe of the address, never a hard bounce', async () => {
    await seedCustomer(db(), { id: 'p2', email: 'p2@shop.example' });
    await seedCustomer(db(), { id: 'p3', email: 'p3@shop.example' });
    const res = await fetch(`${api.url}/unsubscribe?token=${token('p2')}`, { method: 'POST' });
    expect(res.status).toBe(200);
    await db().insert(suppressions).values({ channel: 'email', address: 'p3@shop.example', reason: 'hard_bounce' });

    expect((await put('p2', { email: true, source: 'preference-centre' })).status).toBe(200);
    expect((await put('p3', { email: true, source: 'preference-centre' })).status).toBe(200);
    expect(await consentOf('p2')).toMatchObject({ granted: true, source: 'preference-centre' });
    expect(await suppressionsOf('p2@shop.example')).toEqual([]);
    expect(await suppressionsOf('p3@shop.example')).toEqual([{ reason: 'hard_bounce' }]);
  });
});
