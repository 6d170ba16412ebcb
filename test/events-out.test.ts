/**
 * Events out, through the real pipeline: an order placed over the API starts the order-confirmation
 * journey on the dev server, the worker sends through the real Resend adapter to the fake Resend,
 * whose signed delivery webhook comes back into Cascade; the API process's own background job
 * delivers the outbox to receivers on 127.0.0.1 that verify every request with the
 * `standardwebhooks` library (test/fakes/webhook.ts), as a CRM would.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { alertOptionsFromConfig } from '../alerts/options';
import { raiseAlerts } from '../alerts/raise';
import { alerts, webhookDeliveries, webhookSubscriptions } from '../db/schema';
import { loadConfig } from '../lib/config';
import { unsubscribeLinks } from '../lib/unsubscribe-token';
import { FakeWebhookReceiver } from './fakes/webhook';
import { TEST_UNSUBSCRIBE_SECRET } from './support/cascade';
import { eventually } from './support/email';
import { useCascadeWithResend, type ResendHarness } from './support/resend-harness';

let env: ResendHarness['env'];
let database: ResendHarness['database'];
let fake: ResendHarness['fake'];
let api: ResendHarness['api'];
let worker: ResendHarness['worker'];
const receivers: FakeWebhookReceiver[] = [];

useCascadeWithResend((h) => ({ env, database, fake, api, worker } = h));
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

type Out = { type: string; timestamp: string; data: Record<string, unknown> };
type Subscribed = { id: string; url: string; events: string[]; secret: string; createdAt: string };

const json = (method: string, body?: unknown) => ({ method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

async function receiver(): Promise<FakeWebhookReceiver> {
  const r = await FakeWebhookReceiver.start();
  receivers.push(r);
  return r;
}

async function subscribe(r: FakeWebhookReceiver, events: string[]): Promise<Subscribed> {
  const res = await api.call('/v1/webhooks', json('POST', { url: r.url, events, secret: r.secret }));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Subscribed;
}

/** A customer whose email the fake Resend delivers (and reports delivered), and an order of theirs. */
async function placeOrder(customer: string, orderId: string): Promise<void> {
  const put = await api.call(`/v1/customers/${customer}`, json('PUT', { email: `delivered+${customer}@resend.dev`, name: 'Oleg', consents: { email: true } }));
  expect(put.status).toBeLessThan(300);
  const res = await api.call('/v1/events?wait=routed', json('POST', { id: `${customer}-${orderId}`, customerId: customer, type: 'order.placed', properties: { orderId } }));
  expect(res.status, await res.clone().text()).toBe(202);
}

/** What reached the receiver for the customer, verified, in arrival order. */
function verifiedFor(r: FakeWebhookReceiver, customer: string): Array<Out & { id: string }> {
  return r.received.flatMap((m) => {
    const out = m.verified as unknown as Out | Error;
    return out instanceof Error || out.data.customerId !== customer ? [] : [{ ...out, id: m.headers['webhook-id']! }];
  });
}

const subscription = async (id: string) => (await database.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id)))[0]!;
const deliveriesOf = (id: string) => database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, id)).orderBy(asc(webhookDeliveries.id));

describe('POST /v1/webhooks', () => {
  it.each([
    [{ url: 'ftp://crm.example/hook', events: ['run.ended'] }, 'url'],
    [{ events: ['run.ended'] }, 'url'],
    [{ url: 'https://crm.example/hook', events: [] }, 'events'],
    [{ url: 'https://crm.example/hook', events: ['message.read'] }, 'events.0'],
    [{ url: 'https://crm.example/hook', events: ['run.ended'], secret: 'hunter2' }, 'secret'],
    [{ url: 'https://crm.example/hook', events: ['run.ended'], filter: 'x' }, undefined],
  ])('answers 400 naming the field for %j, and stores nothing', async (body, field) => {
    const res = await api.call('/v1/webhooks', json('POST', body));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { field?: string; message: string } };
    if (field) expect(error.field).toBe(field);
    else expect(error.message).toMatch(/filter/);
    expect(await database.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.url, 'https://crm.example/hook'))).toEqual([]);
  });

  it('generates a Standard Webhooks secret when none is given, shows it once, and lists the subscription without it', async () => {
    const res = await api.call('/v1/webhooks', json('POST', { url: 'https://crm.example/generated', events: ['conversion'] }));
    expect(res.status).toBe(201);
    const made = (await res.json()) as Subscribed;
    expect(made).toMatchObject({ id: expect.stringMatching(/^wh_[0-9a-f]{16}$/), url: 'https://crm.example/generated', events: ['conversion'], secret: expect.stringMatching(/^whsec_/) });
    const signer = new Webhook(made.secret);
    const at = new Date();
    expect(signer.verify('{}', { 'webhook-id': 'x', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign('x', at, '{}') })).toEqual({});

    const list = await (await api.call('/v1/webhooks')).text();
    expect(list).toContain(made.id);
    expect(list).not.toContain(made.secret);
    expect((await api.call(`/v1/webhooks/${made.id}`, json('DELETE'))).status).toBe(204);
  });
});

describe('events out', () => {
  it('delivers a journey run signed and verified, in order for the customer: run.started, message.sent, message.delivered, run.ended', async () => {
    const crm = await receiver();
    // The first event is refused once: the customer's later ones wait for it rather than overtake it.
    crm.answerNext(500);
    const sub = await subscribe(crm, ['run.started', 'run.ended', 'message.sent', 'message.delivered']);
    await placeOrder('eo-anna', 'A-1');

    const got = await eventually(async () => {
      const mine = verifiedFor(crm, 'eo-anna').filter((e) => e.data.journey === 'order-confirmation');
      return mine.some((e) => e.type === 'run.ended') && mine.some((e) => e.type === 'message.delivered') ? mine : undefined;
    }, 30_000, 'run.ended and message.delivered at the receiver');

    expect(crm.received.every((m) => !(m.verified instanceof Error))).toBe(true);
    const types = [...new Set(got.map((e) => e.type))];
    expect(types[0]).toBe('run.started');
    expect(types.indexOf('message.sent')).toBeLessThan(types.indexOf('run.ended'));
    expect(new Set(types)).toEqual(new Set(['run.started', 'message.sent', 'message.delivered', 'run.ended']));
    const ended = got.find((e) => e.type === 'run.ended')!;
    expect(ended.data).toMatchObject({ journey: 'order-confirmation', customerId: 'eo-anna', status: 'completed' });
    const sent = got.find((e) => e.type === 'message.sent')!;
    expect(sent.data).toMatchObject({ channel: 'email', template: 'order-confirmation', status: 'sent' });
    expect(sent.id).toBe(`msg_sent_${sent.data.messageId}`);
    // Nothing personal leaves: no address, no body.
    expect(crm.received.map((m) => m.raw).join('')).not.toMatch(/resend\.dev|Order A-1/);

    // The receiver got the customer's events in the order they were written.
    const written = (await deliveriesOf(sub.id)).filter((d) => d.customerId === 'eo-anna').map((d) => d.webhookId);
    const arrived = [...new Set(verifiedFor(crm, 'eo-anna').map((e) => e.id))];
    expect(arrived).toEqual(written.slice(0, arrived.length));
    expect(verifiedFor(crm, 'eo-anna')[1]!.id).toBe(written[0]);
  });

  it('tells of an unsubscribe through the one-click link, without the address', async () => {
    const crm = await receiver();
    await subscribe(crm, ['message.unsubscribed']);
    const put = await api.call('/v1/customers/eo-ursula', json('PUT', { email: 'ursula@example.com', consents: { email: true } }));
    expect(put.status).toBe(201);
    const link = unsubscribeLinks(api.url, TEST_UNSUBSCRIBE_SECRET)('eo-ursula', 'email', null, new Date());
    const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);

    const [got] = await eventually(async () => (verifiedFor(crm, 'eo-ursula').length ? verifiedFor(crm, 'eo-ursula') : undefined));
    expect(got).toMatchObject({ type: 'message.unsubscribed', data: { customerId: 'eo-ursula', channel: 'email', topic: null, source: 'unsubscribe' } });
    expect(crm.received[0]!.raw).not.toContain('ursula@');
  });

  it('retries a receiver that answers 500 with the same webhook-id until it answers 2xx: delivered once after dedupe', async () => {
    const crm = await receiver();
    crm.answerNext(500, 500);
    const sub = await subscribe(crm, ['run.ended']);
    await placeOrder('eo-boris', 'B-1');

    const [row] = await eventually(async () => {
      const rows = await deliveriesOf(sub.id);
      return rows[0]?.deliveredAt ? rows : undefined;
    }, 30_000, 'the delivery delivered');
    expect(row).toMatchObject({ attempts: 3, lastError: null, type: 'run.ended' });
    // The order may end more than one run of the customer (a journey refusing it ends one at once):
    // the oldest is tried until it is taken, and only then the next.
    const ids = crm.received.map((m) => m.headers['webhook-id']);
    expect(ids.slice(0, 3)).toEqual([row!.webhookId, row!.webhookId, row!.webhookId]);
    expect(ids.filter((id) => id === row!.webhookId)).toHaveLength(3);
    expect(crm.received.every((m) => !(m.verified instanceof Error))).toBe(true);
    expect([...crm.deduplicated().keys()]).toEqual([...new Set(ids)]);
    expect((await subscription(sub.id)).failingSince).toBeNull();
  });

  it('disables a subscription that has failed for 3 days, says why, and raises an alert; one failing for a day goes on', async () => {
    const [down, flaky] = [await receiver(), await receiver()];
    down.answerNext(...Array<number>(50).fill(503));
    flaky.answerNext(...Array<number>(50).fill(503));
    const [gone, kept] = [await subscribe(down, ['run.ended']), await subscribe(flaky, ['run.ended'])];
    await database.db.update(webhookSubscriptions).set({ failingSince: sql`now() - interval '4 days'` }).where(eq(webhookSubscriptions.id, gone.id));
    await database.db.update(webhookSubscriptions).set({ failingSince: sql`now() - interval '1 day'` }).where(eq(webhookSubscriptions.id, kept.id));
    await placeOrder('eo-clara', 'C-1');

    const disabled = await eventually(async () => ((await subscription(gone.id)).disabledAt ? subscription(gone.id) : undefined), 30_000, 'the subscription disabled');
    expect(disabled.disabledReason).toBe('every delivery failed for 3 days');
    await eventually(async () => flaky.received.length > 0);
    expect((await subscription(kept.id)).disabledAt).toBeNull();

    const listed = (await (await api.call('/v1/webhooks')).json()) as { webhooks: Array<{ id: string; disabledAt: string | null; disabledReason: string | null }> };
    expect(listed.webhooks.find((w) => w.id === gone.id)).toMatchObject({ disabledAt: expect.any(String), disabledReason: expect.stringMatching(/failed/) });

    await raiseAlerts(database.db, alertOptionsFromConfig(loadConfig({})));
    const [alert] = await database.db.select().from(alerts).where(eq(alerts.cause, `webhook-disabled:${gone.id}`));
    expect(alert).toMatchObject({ severity: 'critical' });
    expect(alert!.summary).toContain(gone.id);

    // Disabled: nothing more is tried.
    const tries = down.received.length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect(down.received.length).toBe(tries);
  });

  it('a deleted subscription gets nothing more: its pending deliveries stop and new events are not written for it', async () => {
    const crm = await receiver();
    crm.answerNext(...Array<number>(50).fill(500));
    const sub = await subscribe(crm, ['run.started', 'run.ended']);
    await placeOrder('eo-dora', 'D-1');
    await eventually(async () => crm.received.length > 0);

    expect((await api.call(`/v1/webhooks/${sub.id}`, json('DELETE'))).status).toBe(204);
    expect((await api.call(`/v1/webhooks/${sub.id}`, json('DELETE'))).status).toBe(404);
    const tries = crm.received.length;
    const rows = (await deliveriesOf(sub.id)).length;
    await placeOrder('eo-dora', 'D-2');
    await new Promise((r) => setTimeout(r, 4_000));
    expect(crm.received.length).toBe(tries);
    expect(await deliveriesOf(sub.id)).toHaveLength(rows);
    expect(await (await api.call('/v1/webhooks')).text()).not.toContain(sub.id);
    expect((await database.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.subscriptionId, sub.id), sql`delivered_at is not null`)))).toEqual([]);
  });
});
