/**
 * POST /v1/messages on the dev server, with the real worker, Postgres and the Resend adapter
 * against the fake Resend: one message through the journeys' own pipeline (ledger first, consent,
 * suppression, provider idempotency, reports), counted under the journey `api`.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { suppress } from '../contactability/suppressions';
import { messages } from '../db/schema';
import { seedCustomer } from './support/cascade';
import { eventually } from './support/email';
import { recordHistory } from './support/histories';
import { useCascadeWithResend, type ResendHarness } from './support/resend-harness';

let env: ResendHarness['env'];
let database: ResendHarness['database'];
let fake: ResendHarness['fake'];
let api: ResendHarness['api'];
let worker: ResendHarness['worker'];

useCascadeWithResend((h) => ({ env, database, fake, api, worker } = h));

type Answer = { idempotencyKey: string; ids: number[]; messages: Array<{ id: number; channel: string; status: string; skipReason: string | null }> };
const send = (body: Record<string, unknown>) => api.call('/v1/messages', { method: 'POST', body: JSON.stringify(body) });
async function accepted(body: Record<string, unknown>): Promise<Answer> {
  const res = await send(body);
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as Answer;
}
const row = async (id: number) => (await database.db.select().from(messages).where(eq(messages.id, id)))[0]!;
const settled = (id: number) => eventually(async () => ((await row(id)).status !== 'pending' ? row(id) : undefined));

describe('POST /v1/messages', () => {
  it('sends a transactional email once, to a customer without marketing consent; a repeat of the key answers the same id and sends nothing', async () => {
    const to = 'delivered+receipt@resend.dev';
    await seedCustomer(database.db, { id: 'm-receipt', email: to, name: 'Rita', consent: [] });
    const body = { customerId: 'm-receipt', template: 'order-confirmation', channel: 'email', data: { event: { orderId: 'R-77' } }, idempotencyKey: 'receipt-R-77', category: 'transactional' };
    const first = await accepted(body);
    expect(first).toMatchObject({ idempotencyKey: 'receipt-R-77', messages: [{ channel: 'email', status: 'pending', skipReason: null }] });
    expect(first.ids).toEqual([first.messages[0]!.id]);

    // Reports apply to it as to a journey's message: the fake delivers, its webhook marks the row.
    const delivered = await eventually(async () => ((await row(first.ids[0]!)).status === 'delivered' ? row(first.ids[0]!) : undefined));
    expect(delivered).toMatchObject({ journey: 'api', step: 'order-confirmation', transactional: true, topic: null, recipient: to, subject: 'Order R-77 confirmed' });
    expect(fake.emailsTo(to)).toHaveLength(1);

    const again = await accepted(body);
    expect(again.ids).toEqual(first.ids);
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.emailsTo(to)).toHaveLength(1);

    const reused = await send({ ...body, template: 'welcome-hello' });
    expect(reused.status).toBe(409);
    expect(await reused.json()).toMatchObject({ error: { field: 'idempotencyKey' } });
    const repeated = env.client.workflow.getHandle('api/receipt-R-77');
    expect(await repeated.result()).toBe('delivered'); // the repeats' run found the row decided, and sent nothing
    await recordHistory(repeated, 'api-message-repeated');
  });

  it('marketing needs consent; `channels` sends the first the customer can get and records why the others were skipped', async () => {
    const to = 'delivered+promo@resend.dev';
    await seedCustomer(database.db, { id: 'm-promo', email: to, name: 'Pavel', consent: ['email'] });
    const none = await accepted({ customerId: 'm-promo', template: 'reactivation-offer', channel: 'sms', idempotencyKey: 'promo-sms-only', category: 'marketing' });
    expect(none.messages).toEqual([{ id: none.ids[0], channel: 'sms', status: 'skipped', skipReason: 'no_consent' }]);

    const cascade = await accepted({ customerId: 'm-promo', template: 'reactivation-offer', channels: ['sms', 'email', 'push'], data: { promoCode: 'BACK-1' }, idempotencyKey: 'promo-1', category: 'marketing', topic: 'promotions' });
    expect(cascade.messages.map((m) => [m.channel, m.status, m.skipReason])).toEqual([
      ['sms', 'skipped', 'no_consent'],
      ['email', 'pending', null],
    ]);
    const email = await settled(cascade.ids[1]!);
    expect(email).toMatchObject({ journey: 'api', transactional: false, topic: 'promotions', status: expect.stringMatching(/sent|delivered/) });
    expect(email.body).toContain('BACK-1');
    expect(fake.emailsTo(to)).toHaveLength(1);
    expect(await env.client.workflow.getHandle('api/promo-1').result()).toBe('sent');
    await recordHistory(env.client.workflow.getHandle('api/promo-1'), 'api-message-cascade');
  });

  it('never reaches a suppressed address, transactional or not', async () => {
    const to = 'bounced-before@example.com';
    await seedCustomer(database.db, { id: 'm-dead', email: to });
    await suppress(database.db, 'email', to, 'hard_bounce');
    const answer = await accepted({ customerId: 'm-dead', template: 'order-confirmation', channel: 'email', idempotencyKey: 'dead-1', category: 'transactional' });
    expect(answer.messages).toEqual([{ id: answer.ids[0], channel: 'email', status: 'skipped', skipReason: 'suppressed' }]);
    expect(fake.emailsTo(to)).toHaveLength(0);
  });

  it('rides out a provider outage with retries and sends once', async () => {
    const to = 'delivered+outage@resend.dev';
    await seedCustomer(database.db, { id: 'm-outage', email: to, consent: [] });
    fake.failNext(2, 500);
    fake.failNext(1, 'accept-then-drop');
    const answer = await accepted({ customerId: 'm-outage', template: 'order-confirmation', channel: 'email', idempotencyKey: 'outage-1', category: 'transactional' });
    const sent = await eventually(async () => {
      const r = await row(answer.ids[0]!);
      return r.status === 'sent' || r.status === 'delivered' ? r : undefined;
    }, 60_000);
    expect(sent.providerMessageId).toBeTruthy();
    expect(await env.client.workflow.getHandle('api/outage-1').result()).toBe('sent');
    await recordHistory(env.client.workflow.getHandle('api/outage-1'), 'api-message-outage');
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.emailsTo(to)).toHaveLength(1);
  });

  it('counts its messages in analytics under the journey api', async () => {
    const res = await api.call('/v1/analytics/summary');
    expect(res.status).toBe(200);
    const summary = (await res.json()) as { journeys: Array<{ journey: string; sent: number }> };
    const sentByApi = (await database.db.select().from(messages).where(eq(messages.journey, 'api'))).filter((m) => m.status !== 'skipped' && m.status !== 'pending' && m.status !== 'failed');
    expect(summary.journeys.find((j) => j.journey === 'api')).toMatchObject({ sent: sentByApi.length });
    expect(sentByApi.length).toBe(3);
    const results = await api.call('/v1/analytics/journeys/api');
    expect(results.status).toBe(200);
    expect(await results.json()).toMatchObject({ journey: 'api', sent: 3 });
  });

  it('refuses bad input with the field named, and writes nothing', async () => {
    await seedCustomer(database.db, { id: 'm-bad' });
    const base = { customerId: 'm-bad', template: 'order-confirmation', channel: 'email', idempotencyKey: 'bad-1', category: 'transactional' };
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ ...base, idempotencyKey: undefined }, 400, 'idempotencyKey'],
      [{ ...base, channels: ['email'] }, 400, 'channel'],
      [{ ...base, channel: undefined }, 400, 'channel'],
      [{ ...base, channel: 'fax' }, 400, 'channel'],
      [{ ...base, template: 'no-such-template' }, 400, 'template'],
      [{ ...base, channel: 'sms' }, 400, 'channel'],
      [{ ...base, channel: undefined, channels: ['email', 'email'] }, 400, 'channels'],
      [{ ...base, topic: 'reactivation' }, 400, 'topic'],
      [{ ...base, category: 'urgent' }, 400, 'category'],
      [{ ...base, customerId: 'nobody' }, 404, 'customerId'],
    ];
    for (const [body, status, field] of cases) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(await res.json(), JSON.stringify(body)).toMatchObject({ error: { field } });
    }
    expect(await database.db.select().from(messages).where(eq(messages.customerId, 'm-bad'))).toEqual([]);
  });
});
