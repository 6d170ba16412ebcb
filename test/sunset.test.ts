/**
 * The sunset policy through the real send activity on a real Postgres (CASCADE_SUNSET_DAYS=30):
 * marketing email to a customer mailed for 30+ days who opened and clicked nothing in the last 30
 * is skipped `sunset`, while their order confirmation and marketing SMS still go; an open in the
 * window, a short history or none at all keep the email going; with the policy off nobody is held;
 * email health counts the skips. The customers' earlier mail and opens are ledger rows and provider
 * reports written as they would have been.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import { messageEvents, messages } from '../db/schema';
import { loadConfig } from '../lib/config';
import type { Channel } from '../workflows/contract';
import { apiOptionsFromConfig, startApi } from '../processes/api';
import { seedCustomer, TEST_API_KEY, testDeps, useCascadeApi } from './support/cascade';
import { DAY } from './support/journeys';
import { attempt, sendRequest } from './support/send-activity';

const cascade = useCascadeApi('time-skipping');
const db = () => cascade.database.db;
const ago = (days: number) => new Date(Date.now() - days * DAY);

let seq = 0;
/** A marketing email (or SMS) delivered `daysAgo`, with the provider's report of an open (or click) when given. */
async function mailed(customerId: string, daysAgo: number, report?: { type: string; daysAgo: number }, channel: Channel = 'email'): Promise<void> {
  const [row] = await db()
    .insert(messages)
    .values({
      idempotencyKey: `history-${++seq}`, customerId, workflowId: `welcome/${customerId}`, journey: 'welcome', step: 'hello', channel,
      provider: 'outbox', template: 'welcome-hello', status: 'delivered', requestedAt: ago(daysAgo),
    })
    .returning();
  if (report) await db().insert(messageEvents).values({ messageId: row!.id, type: report.type, occurredAt: ago(report.daysAgo) });
}

const marketingEmail = (customerId: string) =>
  sendRequest(customerId, 'email', { promoCode: 'WELCOME-ZX56CV' }, { template: 'welcome-hello', journey: 'welcome', transactional: false });
const orderEmail = (customerId: string) =>
  sendRequest(customerId, 'email', { event: { orderId: 'A-1' } }, { template: 'order-confirmation', journey: 'order-confirmation', transactional: true });
const marketingSms = (customerId: string) =>
  sendRequest(customerId, 'sms', { promoCode: 'BACK-15' }, { template: 'reactivation-offer', journey: 'reactivation', transactional: false });

const sendWithSunset = (sunsetDays?: number) => createActivities(testDeps(db(), { caps: {}, sunsetDays })).send;

async function ledgerRow(idempotencyKey: string): Promise<{ channel: Channel; status: string; skipReason: string | null }> {
  const [row] = await db().select().from(messages).where(eq(messages.idempotencyKey, idempotencyKey));
  return { channel: row!.channel, status: row!.status, skipReason: row!.skipReason };
}

describe('with CASCADE_SUNSET_DAYS=30', () => {
  it('skips marketing email to a customer first mailed 60 days ago who never opened, and still sends their order confirmation and marketing SMS', async () => {
    await seedCustomer(db(), { id: 'silent', phone: '+79990000001' });
    await mailed('silent', 60);
    await mailed('silent', 40);
    // An SMS has no opens: under the email's rule this customer's SMS would be sunset too.
    await mailed('silent', 60, undefined, 'sms');
    const send = sendWithSunset(30);

    const marketing = marketingEmail('silent');
    expect(await attempt(send, marketing)).toMatchObject({ status: 'skipped', reason: 'sunset' });
    expect(await ledgerRow(marketing.idempotencyKey)).toEqual({ channel: 'email', status: 'skipped', skipReason: 'sunset' });

    const order = orderEmail('silent');
    expect(await attempt(send, order)).toMatchObject({ status: 'sent' });
    const sms = marketingSms('silent');
    expect(await attempt(send, sms)).toMatchObject({ status: 'sent' });
  });

  it('counts only opens and clicks within the 30 days: one opened 45 days ago is skipped', async () => {
    await seedCustomer(db(), { id: 'lapsed' });
    await mailed('lapsed', 60, { type: 'email.opened', daysAgo: 45 });
    expect(await attempt(sendWithSunset(30), marketingEmail('lapsed'))).toMatchObject({ status: 'skipped', reason: 'sunset' });
  });

  it('sends to a customer who opened 10 days ago, or clicked an order email 5 days ago', async () => {
    await seedCustomer(db(), { id: 'opener' });
    await mailed('opener', 60, { type: 'email.opened', daysAgo: 10 });
    await seedCustomer(db(), { id: 'clicker' });
    await mailed('clicker', 60);
    const [order] = await db()
      .insert(messages)
      .values({
        idempotencyKey: 'history-clicker-order', customerId: 'clicker', workflowId: 'order-confirmation/clicker', journey: 'order-confirmation', step: 'confirm',
        channel: 'email', provider: 'outbox', template: 'order-confirmation', transactional: true, status: 'clicked', requestedAt: ago(6),
      })
      .returning();
    await db().insert(messageEvents).values({ messageId: order!.id, type: 'email.clicked', occurredAt: ago(5) });
    const send = sendWithSunset(30);
    expect(await attempt(send, marketingEmail('opener'))).toMatchObject({ status: 'sent' });
    expect(await attempt(send, marketingEmail('clicker'))).toMatchObject({ status: 'sent' });
  });

  it('sends to a new customer with no history, and to one mailed for only 20 days', async () => {
    await seedCustomer(db(), { id: 'newcomer' });
    await seedCustomer(db(), { id: 'recent' });
    await mailed('recent', 20);
    const send = sendWithSunset(30);
    expect(await attempt(send, marketingEmail('newcomer'))).toMatchObject({ status: 'sent' });
    expect(await attempt(send, marketingEmail('recent'))).toMatchObject({ status: 'sent' });
  });
});

describe('with the policy off', () => {
  it('skips nobody for sunset, unset or 0', async () => {
    await seedCustomer(db(), { id: 'silent-off' });
    await mailed('silent-off', 60);
    expect(await attempt(sendWithSunset(undefined), marketingEmail('silent-off'))).toMatchObject({ status: 'sent' });
    expect(await attempt(sendWithSunset(0), marketingEmail('silent-off'))).toMatchObject({ status: 'sent' });
  });

  it('is 0 unset or empty, and a negative or non-number CASCADE_SUNSET_DAYS stops the process naming it', () => {
    expect(loadConfig({}).CASCADE_SUNSET_DAYS).toBe(0);
    expect(loadConfig({ CASCADE_SUNSET_DAYS: '' }).CASCADE_SUNSET_DAYS).toBe(0);
    expect(loadConfig({ CASCADE_SUNSET_DAYS: '90' }).CASCADE_SUNSET_DAYS).toBe(90);
    expect(() => loadConfig({ CASCADE_SUNSET_DAYS: '-1' })).toThrow(/CASCADE_SUNSET_DAYS/);
    expect(() => loadConfig({ CASCADE_SUNSET_DAYS: 'ninety' })).toThrow(/CASCADE_SUNSET_DAYS/);
  });
});

describe('email health', () => {
  it('counts the marketing emails skipped for sunset in its 30 days, beside the setting', async () => {
    const health = async (url: string) => {
      const res = await fetch(`${url}/v1/analytics/email-health`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { sunset: unknown }).sunset;
    };
    // silent and lapsed, above; the harness's API runs without the setting, which it reports as off.
    expect(await health(cascade.api.url)).toEqual({ days: null, skipped: 2 });
    const api = await startApi({ ...apiOptionsFromConfig(loadConfig({ CASCADE_SUNSET_DAYS: '30' }), {}), journeyAudiences: false, router: false, db: db(), client: cascade.env.client, apiKeys: [TEST_API_KEY], port: 0 });
    try {
      expect(await health(`http://127.0.0.1:${api.port}`)).toEqual({ days: 30, skipped: 2 });
    } finally {
      await api.stop();
    }
  });
});
