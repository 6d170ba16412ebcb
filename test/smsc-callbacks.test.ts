/**
 * SMSC delivery reports on real parts: the Express app over HTTP, a real Postgres, a real Temporal
 * server (the run that sent the SMS gets the signal, seen in its history), and the fake SMSC, which
 * sends the SMS through the real adapter and POSTs signed callbacks like SMSC does.
 */
import type { Server } from 'node:http';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmscApi, smscConfigFromEnv } from '../activities/channels/smsc/adapter';
import { createApp } from '../api/app';
import type { Database } from '../db/client';
import { messageEvents, messages, suppressions } from '../db/schema';
import { DEFAULT_POLL, SmscPoller } from '../activities/channels/smsc/poller';
import type { JourneyEvent, SendResult } from '../workflows/contract';
import { welcome } from '../workflows/journeys/welcome';
import { FakeSmsc } from './fakes/smsc';
import { seedCustomer, TEST_API_KEY } from './support/cascade';
import { createTestDatabase } from './support/database';
import { attempt, sendRequest, sendWith } from './support/send-activity';
import { taskQueue, timeSkippingEnv } from './support/temporal';

const SECRET = 'smsc-callback-secret';
let env: TestWorkflowEnvironment;
let database: Database;
let server: Server;
let apiUrl: string;
let smsc: FakeSmsc;
let send: ReturnType<typeof sendWith>;
let n = 0;

beforeAll(async () => {
  [env, database] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
  const app = createApp({ db: database.db, client: env.client, taskQueue, apiKeys: [TEST_API_KEY], smscCallbackSecret: SECRET });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  smsc = await FakeSmsc.start({ login: 'cascade', psw: 'pw', callback: { url: `${apiUrl}/webhooks/smsc`, secret: SECRET } });
  send = sendWith(database.db, smsc.env());
});
afterAll(async () => {
  await smsc?.close();
  await new Promise((r) => server?.close(r));
  await env?.teardown();
  await database?.close();
});

/**
 * An SMS sent for a run that is really running on Temporal (a welcome run nobody works on: it just
 * sits there and collects signals), so the test can read the signals in its history.
 */
async function sentSms(customerId: string): Promise<{ id: number; phone: string; run: WorkflowHandle }> {
  const phone = `+7916${String(7770000 + ++n)}`;
  await seedCustomer(database.db, { id: customerId, phone });
  const workflowId = `welcome/${customerId}`;
  const run = await env.client.workflow.start(welcome, {
    workflowId,
    taskQueue: 'nobody-polls-this',
    args: [{ v: 1, customerId, trigger: { id: `signup-${customerId}`, type: 'customer.signed_up', properties: {}, occurredAt: new Date().toISOString() } }],
  });
  const result = (await attempt(send, sendRequest(customerId, 'sms', { code: '1' }, { workflowId, journey: 'service-reminder', step: 'reminder' }))) as Extract<SendResult, { status: 'sent' }>;
  expect(result.status).toBe('sent');
  return { id: result.messageId, phone, run };
}

async function signals(run: WorkflowHandle): Promise<JourneyEvent[]> {
  const history = await run.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((a) => a?.signalName === 'event')
    .map((a) => defaultPayloadConverter.fromPayload<JourneyEvent>(a!.input!.payloads![0]!));
}

const row = async (id: number) => (await database.db.select().from(messages).where(eq(messages.id, id)))[0]!;
const eventsOf = (id: number) => database.db.select().from(messageEvents).where(eq(messageEvents.messageId, id));
const post = (form: URLSearchParams) => fetch(`${apiUrl}/webhooks/smsc`, { method: 'POST', body: form });

describe('SMSC delivery callbacks', () => {
  it('delivered: the ledger says delivered, the event is stored once, the run that sent it hears message.delivered', async () => {
    const { id, phone, run } = await sentSms('cb-1');
    const res = await smsc.setStatus(id, phone, 1);
    expect(res?.status).toBe(200);
    expect(await res?.text()).toBe('OK');
    expect(await row(id)).toMatchObject({ status: 'delivered', error: null });
    expect(await eventsOf(id)).toMatchObject([{ type: 'delivered', providerEventId: `smsc:${id}:1`, payload: { status: 1, source: 'callback' } }]);
    expect(await signals(run)).toEqual([
      {
        id: `smsc:${id}:1`,
        type: 'message.delivered',
        properties: { messageId: id, channel: 'sms', step: 'reminder', journey: 'service-reminder', template: 'channel-test' },
        occurredAt: expect.any(String),
      },
    ]);

    // SMSC retries a callback it thinks failed: the replay changes nothing and signals nothing.
    const replay = await post(new URLSearchParams(smsc.callbacksSent.at(-1)!.body));
    expect(replay.status).toBe(200);
    expect(await eventsOf(id)).toHaveLength(1);
    expect(await signals(run)).toHaveLength(1);

    // A contradicting later report never moves the ledger back: delivered stays delivered.
    expect((await smsc.setStatus(id, phone, 20))?.status).toBe(200);
    expect(await row(id)).toMatchObject({ status: 'delivered', error: null });
  });

  it('a forged or unsigned callback is 401 and changes nothing', async () => {
    const { id, phone, run } = await sentSms('cb-2');
    const m = smsc.find(id, phone)!;
    m.status = 20;
    const forged = smsc.callbackForm(m, 'not-the-secret');
    const res = await post(forged);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    const unsigned = smsc.callbackForm(m);
    unsigned.delete('md5');
    expect((await post(unsigned)).status).toBe(401);
    const tampered = smsc.callbackForm(m);
    tampered.set('status', '1');
    expect((await post(tampered)).status).toBe(401);
    expect(await row(id)).toMatchObject({ status: 'sent' });
    expect(await eventsOf(id)).toEqual([]);
    expect(await signals(run)).toEqual([]);
  });

  it('22 wrong number: failed with the reason, the number suppressed, the run hears message.failed', async () => {
    const { id, phone, run } = await sentSms('cb-3');
    expect((await smsc.setStatus(id, phone, 22, { err: 1 }))?.status).toBe(200);
    expect(await row(id)).toMatchObject({ status: 'failed', error: 'SMSC status 22 (wrong number), err 1' });
    const suppressed = await database.db.select().from(suppressions).where(and(eq(suppressions.channel, 'sms'), eq(suppressions.address, phone)));
    expect(suppressed).toMatchObject([{ reason: 'invalid' }]);
    expect(await signals(run)).toMatchObject([{ id: `smsc:${id}:22`, type: 'message.failed', properties: { messageId: id, channel: 'sms' } }]);
  });

  it('a signed callback with a bad field is 400 naming it; an unknown id or an incoming SMS is a 200 no-op', async () => {
    const { id, phone } = await sentSms('cb-4');
    const m = smsc.find(id, phone)!;
    const bad = smsc.callbackForm(m);
    bad.set('time', 'yesterday');
    const res = await post(bad);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', field: 'time' } });

    m.status = 1;
    const unknown = smsc.callbackForm({ ...m, id: 999_999 });
    expect((await post(unknown)).status).toBe(200);
    expect(await row(id)).toMatchObject({ status: 'sent' });
  });

  it('the poller marks a message whose callback was lost, and a late callback is then a no-op', async () => {
    const { id, phone, run } = await sentSms('cb-5');
    const waiting = await sentSms('cb-6');
    await smsc.setStatus(id, phone, 1, { callback: false });
    const api = new SmscApi(smscConfigFromEnv(smsc.env())!);
    const poller = new SmscPoller({ db: database.db, client: env.client, api }, { ...DEFAULT_POLL, afterMs: 0 });
    const before = smsc.statusRequests.length;

    const polled = await poller.poll();
    // Earlier tests left messages SMSC has final statuses for, too; the poller learns those as well.
    expect(polled.applied).toBeGreaterThanOrEqual(1);
    expect(smsc.statusRequests.slice(before).map((r) => Number(r.id))).toEqual(expect.arrayContaining([id, waiting.id]));
    expect(await row(id)).toMatchObject({ status: 'delivered' });
    expect(await eventsOf(id)).toMatchObject([{ payload: { source: 'poll' } }]);
    expect(await signals(run)).toMatchObject([{ type: 'message.delivered', id: `smsc:${id}:1` }]);
    expect(await row(waiting.id)).toMatchObject({ status: 'sent' });

    // The callback arrives after all: deduped. And a delivered message is not asked about again.
    const m = smsc.find(id, phone)!;
    expect((await smsc.postCallback(m))?.status).toBe(200);
    expect(await eventsOf(id)).toHaveLength(1);
    expect(await signals(run)).toHaveLength(1);
    const mid = smsc.statusRequests.length;
    await poller.poll();
    expect(smsc.statusRequests.slice(mid).map((r) => Number(r.id))).not.toContain(id);

    // Without `afterMs: 0`, a message just asked about waits its turn.
    const last = smsc.statusRequests.length;
    await new SmscPoller({ db: database.db, client: env.client, api }).poll();
    expect(smsc.statusRequests.length).toBe(last);
  });

  it('a message SMSC answers garbage for does not stop the poller: the others are applied, it is retried after a backoff', async () => {
    const bad = await sentSms('cb-7');
    const good = await sentSms('cb-8');
    await smsc.setStatus(bad.id, bad.phone, 1, { callback: false });
    await smsc.setStatus(good.id, good.phone, 1, { callback: false });
    smsc.garbledStatus.add(bad.id);
    const poller = new SmscPoller({ db: database.db, client: env.client, api: new SmscApi(smscConfigFromEnv(smsc.env())!) }, { ...DEFAULT_POLL, afterMs: 0 });

    // The bad one was sent first, so it is asked first; the good one is applied all the same.
    const from = smsc.statusRequests.length;
    const first = await poller.poll();
    expect(smsc.statusRequests.slice(from).map((r) => Number(r.id))).toEqual(expect.arrayContaining([bad.id, good.id]));
    expect(first.failed).toBe(1);
    expect(await row(good.id)).toMatchObject({ status: 'delivered' });
    expect(await signals(good.run)).toMatchObject([{ type: 'message.delivered' }]);
    expect(await row(bad.id)).toMatchObject({ status: 'sent' });

    // Backed off: the next poll leaves it alone.
    const mid = smsc.statusRequests.length;
    await poller.poll();
    expect(smsc.statusRequests.slice(mid).map((r) => Number(r.id))).not.toContain(bad.id);

    // SMSC answers properly again and the backoff has passed: the message is applied.
    smsc.garbledStatus.delete(bad.id);
    await poller.poll(new Date(Date.now() + DEFAULT_POLL.backoffMs + 1_000));
    expect(await row(bad.id)).toMatchObject({ status: 'delivered' });
    expect(await signals(bad.run)).toMatchObject([{ type: 'message.delivered', id: `smsc:${bad.id}:1` }]);
  });
});
