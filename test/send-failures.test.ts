/**
 * Sends that do not go as planned, through the real pipeline and the real Resend adapter against
 * the fake Resend: a send whose retries run out is recorded failed (and stops counting against
 * the frequency cap), and a retry after the customer unsubscribed is not sent.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRenderer } from '../activities/templates';
import { unsubscribe } from '../contactability/unsubscribe';
import type { Database } from '../db/client';
import { messages } from '../db/schema';
import type { SendResult } from '../workflows/contract';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { seedCustomer, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { FROM, resendChannels } from './support/email';
import { event, eventually, ledger, triggerInput } from './support/journeys';
import { startProbeWorker } from './support/probes';
import { attempt, sendRequest, sendWith } from './support/send-activity';
import { taskQueue, timeSkippingEnv } from './support/temporal';
import { sendProbe } from './workflows/probes';

let env: TestWorkflowEnvironment;
let database: Database;
let fake: FakeResend;
let worker: Awaited<ReturnType<typeof startProbeWorker>>;

beforeAll(async () => {
  [env, database, fake] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startFakeResend({ rateLimit: null })]);
  worker = await startProbeWorker(env, testDeps(database.db, { channels: resendChannels(fake) }));
});
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
  await database?.close();
  await fake?.close();
});

const runProbe = async (customerId: string, n: number, channels: string[]) => {
  const handle = await env.client.workflow.start(sendProbe, {
    workflowId: `send-probe/${customerId}/${n}`,
    taskQueue,
    args: [triggerInput(customerId, event('probe', { channels }))],
  });
  return { handle, results: JSON.parse((await handle.result()).replace(/^completed: /, '')) as SendResult[] };
};

describe('a send whose retries run out', () => {
  it('is failed in the ledger, within six hours of retries, and no longer counts against the cap', async () => {
    await seedCustomer(database.db, { id: 'out1', email: 'delivered+out1@resend.dev' });
    fake.failNext(10_000, 500); // Resend is down for longer than the send may retry
    const { handle, results } = await runProbe('out1', 1, ['email']);
    expect(results).toEqual([{ status: 'failed', channel: 'email', step: 'send-email', error: expect.stringContaining('500') }]);
    const [row] = await ledger(database.db, 'out1');
    expect(row).toMatchObject({ status: 'failed', error: expect.stringContaining('internal_server_error') });
    expect(fake.emailsTo('delivered+out1@resend.dev')).toHaveLength(0);

    // Well inside the 24 hours Resend remembers an Idempotency-Key.
    const history = await handle.fetchHistory();
    const scheduled = history.events!.map((e) => e.activityTaskScheduledEventAttributes).find((a) => a?.activityType?.name === 'send')!;
    expect(Number(scheduled.scheduleToCloseTimeout!.seconds)).toBe(6 * 3600);

    // Resend is back: the cap (email: 2 a day) still has room for two, since a failed send never left.
    fake.recover();
    const second = await runProbe('out1', 2, ['email', 'email']);
    expect(second.results.map((r) => r.status)).toEqual(['sent', 'sent']);
  });
});

describe('a retry after the customer said stop', () => {
  it('re-checks consent and suppression: an unsubscribe between two attempts means no email', async () => {
    await seedCustomer(database.db, { id: 'stop1', email: 'delivered+stop1@resend.dev', name: 'Stop' });
    const send = sendWith(database.db, { RESEND_API_KEY: fake.apiKey, RESEND_FROM: FROM, RESEND_BASE_URL: fake.url }, { render: createRenderer() });
    const req = sendRequest('stop1', 'email', {}, { template: 'welcome-hello', transactional: false });
    fake.failNext(1, 500);
    await expect(attempt(send, req, 1)).rejects.toThrow(/500/);
    expect((await database.db.select().from(messages).where(eq(messages.idempotencyKey, req.idempotencyKey)))[0]).toMatchObject({ status: 'pending' });

    await unsubscribe(database.db, { customerId: 'stop1', channel: 'email' });
    expect(await attempt(send, req, 2)).toEqual({ status: 'skipped', channel: 'email', reason: 'no_consent', step: req.step });
    expect(fake.emailsTo('delivered+stop1@resend.dev')).toHaveLength(0);
    const [row] = await database.db.select().from(messages).where(eq(messages.idempotencyKey, req.idempotencyKey));
    expect(row).toMatchObject({ status: 'skipped', skipReason: 'no_consent', error: expect.stringMatching(/not sent on retry/) });
  });
});

describe('attempts of one transactional send at once (a timed-out attempt still running when its retry starts)', () => {
  it('decide without the customer lock, yet write one ledger row and send one email', async () => {
    await seedCustomer(database.db, { id: 'race1', email: 'delivered+race1@resend.dev', name: 'Race', consent: [] });
    const send = sendWith(database.db, { RESEND_API_KEY: fake.apiKey, RESEND_FROM: FROM, RESEND_BASE_URL: fake.url }, { render: createRenderer() });
    const req = sendRequest('race1', 'email', { orderId: 'A-1' }, { template: 'order-confirmation', transactional: true });
    // Every attempt reads "no row" before any writes one: the ledger takes no insert until all four wait to.
    let racing!: Promise<Array<PromiseSettledResult<SendResult>>>;
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`lock table messages in share mode`);
      racing = Promise.allSettled([1, 2, 3, 4].map((n) => attempt(send, req, n)));
      await eventually(async () => {
        const [waiting] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into "messages"%'`);
        return waiting!.n === 4 || undefined;
      });
    });
    const outcomes = await racing;
    // An attempt may meet the provider still busy with the same key (Resend's 409), a retry's matter;
    // none may fail on the ledger (a duplicate key).
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message)] : []));
    expect(failures.filter((f) => !/409|concurrent/.test(f))).toEqual([]);
    const sent = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(sent.length).toBeGreaterThan(0);
    const rows = await database.db.select().from(messages).where(eq(messages.idempotencyKey, req.idempotencyKey));
    expect(rows).toHaveLength(1);
    expect(new Set(sent.map((r) => (r.status === 'sent' ? r.messageId : r.status)))).toEqual(new Set([rows[0]!.id]));
    expect(fake.emailsTo('delivered+race1@resend.dev')).toHaveLength(1);
  });
});
