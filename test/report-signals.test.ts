/**
 * A provider report survives a Temporal outage: the hard bounce is answered 2xx, the ledger and
 * the suppression list are committed, and the run's `message.bounced` waits in pending_signals
 * until Temporal answers again. Real parts: the Express app over HTTP, Postgres, a Temporal test
 * server, Svix-signed webhooks from the fake Resend's signer.
 */
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../api/app';
import type { Database } from '../db/client';
import { messages, pendingSignals, suppressions } from '../db/schema';
import { deliverPendingSignals } from '../reports/pending-signals';
import { welcome } from '../workflows/journeys/welcome';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { seedCustomer, TEST_API_KEY } from './support/cascade';
import { createTestDatabase } from './support/database';
import { signalsOf } from './support/email';
import { timeSkippingEnv } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
let resend: FakeResend;
let server: Server;
let apiUrl: string;
// Temporal as the API sees it during the outage: nothing listens on port 1.
const deadClient = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '500ms' }) });

beforeAll(async () => {
  [env, database, resend] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startFakeResend()]);
  const app = createApp({ db: database.db, client: deadClient, taskQueue: 'cascade', apiKeys: [TEST_API_KEY], resendWebhookSecret: resend.webhookSecret });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await resend?.close();
  await env?.teardown();
  await database?.close();
});

it('a hard bounce while Temporal is down: 2xx, suppressed at once, and the run hears message.bounced once Temporal is back', async () => {
  const to = 'Hard.Bounce@Example.com';
  await seedCustomer(database.db, { id: 'hb1', email: to });
  // A welcome run nobody works on: it sits there and collects signals in its history.
  const run = await env.client.workflow.start(welcome, {
    workflowId: 'welcome/hb1',
    taskQueue: 'nobody-polls-this',
    args: [{ v: 1, customerId: 'hb1', trigger: { id: 'signup-hb1', type: 'customer.signed_up', properties: {}, occurredAt: new Date().toISOString() } }],
  });
  const [sent] = await database.db
    .insert(messages)
    .values({
      idempotencyKey: 'welcome/hb1/welcome-hello',
      customerId: 'hb1',
      workflowId: 'welcome/hb1',
      journey: 'welcome',
      step: 'welcome-hello',
      channel: 'email',
      provider: 'resend',
      template: 'welcome-hello',
      recipient: to,
      status: 'sent',
      providerMessageId: 'em-hb1',
      requestedAt: new Date(),
    })
    .returning();

  const body = JSON.stringify({
    type: 'email.bounced',
    created_at: new Date().toISOString(),
    data: { email_id: 'em-hb1', to: [to], bounce: { type: 'Permanent', subType: 'General', message: 'mailbox does not exist' } },
  });
  const headers = resend.sign(body);
  const res = await fetch(`${apiUrl}/webhooks/resend`, { method: 'POST', headers, body });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ received: true, matched: true, duplicate: false });

  const [row] = await database.db.select().from(messages).where(eq(messages.id, sent!.id));
  expect(row).toMatchObject({ status: 'bounced' });
  expect(await database.db.select().from(suppressions).where(eq(suppressions.address, 'hard.bounce@example.com'))).toMatchObject([
    { channel: 'email', reason: 'hard_bounce' },
  ]);
  const queued = await database.db.select().from(pendingSignals).where(eq(pendingSignals.workflowId, 'welcome/hb1'));
  expect(queued).toMatchObject([{ attempts: 1, lastError: expect.any(String), payload: { type: 'message.bounced', id: `resend:${headers['svix-id']}` } }]);
  expect((await signalsOf(env.client, 'welcome/hb1')).filter((s) => s.type.startsWith('message.'))).toEqual([]);

  // Temporal is back and the backoff has passed: the report jobs (called here directly) deliver it.
  await database.db.update(pendingSignals).set({ nextAttemptAt: new Date(Date.now() - 1_000) }).where(eq(pendingSignals.workflowId, 'welcome/hb1'));
  expect(await deliverPendingSignals({ db: database.db, client: env.client })).toEqual({ delivered: 1, failed: 0 });
  expect((await signalsOf(env.client, 'welcome/hb1')).filter((s) => s.type.startsWith('message.'))).toEqual([
    {
      id: `resend:${headers['svix-id']}`,
      type: 'message.bounced',
      properties: { messageId: sent!.id, channel: 'email', step: 'welcome-hello', journey: 'welcome', template: 'welcome-hello' },
      occurredAt: expect.any(String),
    },
  ]);
  expect(await database.db.select().from(pendingSignals)).toEqual([]);
  expect(await deliverPendingSignals({ db: database.db, client: env.client })).toEqual({ delivered: 0, failed: 0 });
  await run.terminate('test done');
});

it("API processes draining the outbox together deliver each signal once, and each customer's in order", async () => {
  const runs = [];
  for (const customer of ['share1', 'share2']) {
    await seedCustomer(database.db, { id: customer });
    runs.push(
      await env.client.workflow.start(welcome, {
        workflowId: `welcome/${customer}`,
        taskQueue: 'nobody-polls-this',
        args: [{ v: 1, customerId: customer, trigger: { id: `signup-${customer}`, type: 'customer.signed_up', properties: {}, occurredAt: new Date().toISOString() } }],
      }),
    );
  }
  const ids = (customer: string) => Array.from({ length: 10 }, (_, i) => `${customer}-${i}`);
  // Interleaved, as reports of two customers' messages come in.
  for (let i = 0; i < 10; i++) {
    for (const customer of ['share1', 'share2']) {
      await database.db.insert(pendingSignals).values({ workflowId: `welcome/${customer}`, customerId: customer, payload: { id: ids(customer)[i], type: 'message.delivered', properties: {}, occurredAt: new Date().toISOString() } });
    }
  }

  const deps = { db: database.db, client: env.client };
  let delivered = 0;
  for (let pass = 0; pass < 40 && (await database.db.select().from(pendingSignals)).length; pass++) {
    const results = await Promise.all(Array.from({ length: 4 }, () => deliverPendingSignals(deps, { batch: 3 })));
    delivered += results.reduce((n, r) => n + r.delivered, 0);
  }
  expect(delivered).toBe(20);
  for (const customer of ['share1', 'share2']) expect((await signalsOf(env.client, `welcome/${customer}`)).map((s) => s.id)).toEqual(ids(customer));
  expect(await database.db.select().from(pendingSignals)).toEqual([]);
  for (const run of runs) await run.terminate('test done');
});

it("a signal put off after a failure holds its customer's later ones until it goes", async () => {
  await seedCustomer(database.db, { id: 'held1' });
  const run = await env.client.workflow.start(welcome, {
    workflowId: 'welcome/held1',
    taskQueue: 'nobody-polls-this',
    args: [{ v: 1, customerId: 'held1', trigger: { id: 'signup-held1', type: 'customer.signed_up', properties: {}, occurredAt: new Date().toISOString() } }],
  });
  const signal = (id: string) => ({ workflowId: 'welcome/held1', customerId: 'held1', payload: { id, type: `message.${id}`, properties: {}, occurredAt: new Date().toISOString() } });
  // The first failed a moment ago and waits for its retry; the second is due.
  await database.db.insert(pendingSignals).values({ ...signal('delivered'), attempts: 1, nextAttemptAt: new Date(Date.now() + 60_000) });
  await database.db.insert(pendingSignals).values(signal('opened'));
  const deps = { db: database.db, client: env.client };
  expect(await deliverPendingSignals(deps)).toEqual({ delivered: 0, failed: 0 });
  expect(await signalsOf(env.client, 'welcome/held1')).toEqual([]);

  await database.db.update(pendingSignals).set({ nextAttemptAt: new Date(Date.now() - 1_000) });
  expect(await deliverPendingSignals(deps)).toEqual({ delivered: 2, failed: 0 });
  expect((await signalsOf(env.client, 'welcome/held1')).map((s) => s.type)).toEqual(['message.delivered', 'message.opened']);
  await run.terminate('test done');
});
