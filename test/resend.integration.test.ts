/**
 * The Resend adapter (the real `resend` SDK) against the fake Resend over HTTP: what goes on the
 * wire, how every kind of failure is classified, and, on the Temporal dev server with Postgres, that
 * an outage of 500s, 429s and dropped connections still ends in exactly one email, after backoff.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resendChannel, resendFromEnv } from '../activities/channels/resend/adapter';
import { PermanentSendError, TransientSendError, type OutgoingMessage } from '../activities/channels/types';
import type { Database } from '../db/client';
import { messages } from '../db/schema';
import { welcome } from '../workflows/journeys/welcome';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { seedCustomer, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually, FROM, resendChannels } from './support/email';
import { devServerEnv, startWorker, taskQueue } from './support/temporal';

let fake: FakeResend;

const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  messageId: 41,
  idempotencyKey: `welcome/c1/run-1/${Math.random().toString(36).slice(2)}`,
  channel: 'email',
  customerId: 'c1',
  to: 'delivered@resend.dev',
  subject: 'Welcome!',
  body: '<p>Hi</p>',
  transactional: false,
  unsubscribeUrl: 'https://cascade.example/unsubscribe?token=abc.def',
  template: 'welcome-hello',
  attemptedBefore: false,
  ...over,
});

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the send to fail');
}

describe('Resend adapter against the fake Resend', () => {
  let adapter: ReturnType<typeof resendChannel>;
  beforeAll(async () => {
    fake = await startFakeResend({ rateLimit: null });
    adapter = resendChannel({ apiKey: fake.apiKey, from: FROM, baseUrl: fake.url, timeoutMs: 5_000 });
  });
  afterAll(() => fake?.close());

  it('sends marketing email with the idempotency key, the ledger id as a tag and RFC 8058 one-click headers', async () => {
    const msg = message({ to: 'delivered+m1@resend.dev' });
    const delivery = await adapter.send(msg);
    const [email] = fake.emailsTo('delivered+m1@resend.dev');
    expect(delivery).toEqual({ provider: 'resend', providerMessageId: email!.id });
    expect(email).toMatchObject({
      from: FROM,
      subject: 'Welcome!',
      html: '<p>Hi</p>',
      idempotencyKey: msg.idempotencyKey,
      tags: [{ name: 'message_id', value: '41' }],
      headers: { 'List-Unsubscribe': '<https://cascade.example/unsubscribe?token=abc.def>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
  });

  it('sends transactional email without List-Unsubscribe', async () => {
    await adapter.send(message({ to: 'delivered+t1@resend.dev', transactional: true, unsubscribeUrl: null }));
    expect(fake.emailsTo('delivered+t1@resend.dev')[0]!.headers).toEqual({});
  });

  it('sends once per idempotency key: a retry gets the first id, a changed body under the same key is refused for good', async () => {
    const msg = message({ to: 'delivered+i1@resend.dev' });
    const first = await adapter.send(msg);
    const again = await adapter.send(msg);
    expect(again).toEqual(first);
    expect(fake.emailsTo('delivered+i1@resend.dev')).toHaveLength(1);
    const changed = await failure(adapter.send({ ...msg, subject: 'Another subject' }));
    expect(changed).toBeInstanceOf(PermanentSendError);
    expect(changed.message).toContain('invalid_idempotent_request');
    expect(fake.emailsTo('delivered+i1@resend.dev')).toHaveLength(1);
  });

  it('hashes keys longer than Resend allows (256), the same way every time', async () => {
    const msg = message({ to: 'delivered+k1@resend.dev', idempotencyKey: `welcome/${'x'.repeat(300)}/step` });
    await adapter.send(msg);
    await adapter.send(msg);
    expect(fake.emailsTo('delivered+k1@resend.dev')).toHaveLength(1);
    const keys = fake.requests.slice(-2).map((r) => r.idempotencyKey);
    expect(keys[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('retries outages, rate limits and lost connections (Transient), with the wait Resend asks for', async () => {
    fake.failNext(1, 500);
    const outage = await failure(adapter.send(message()));
    expect(outage).toBeInstanceOf(TransientSendError);
    expect(outage.message).toContain('500 internal_server_error');

    fake.failNext(1, 429);
    const limited = (await failure(adapter.send(message()))) as TransientSendError;
    expect(limited).toBeInstanceOf(TransientSendError);
    expect(limited.retryAfterMs).toBe(1000);

    fake.failNext(1, 'network');
    const lost = await failure(adapter.send(message()));
    expect(lost).toBeInstanceOf(TransientSendError);
    expect(lost.message).toContain('network');
    expect(fake.emails.filter((e) => e.to[0] === 'delivered@resend.dev')).toHaveLength(0);
  });

  it('a reply lost after Resend accepted: the retry under the same key returns the same email, not a second one', async () => {
    const msg = message({ to: 'delivered+lost@resend.dev' });
    fake.failNext(1, 'accept-then-drop');
    expect(await failure(adapter.send(msg))).toBeInstanceOf(TransientSendError);
    expect(fake.emailsTo('delivered+lost@resend.dev')).toHaveLength(1);
    const retry = await adapter.send(msg);
    expect(retry.providerMessageId).toBe(fake.emailsTo('delivered+lost@resend.dev')[0]!.id);
    expect(fake.emailsTo('delivered+lost@resend.dev')).toHaveLength(1);
  });

  it('gives up for good on a bad recipient (invalid contact), a bad key and a used-up quota', async () => {
    const invalid = (await failure(adapter.send(message({ to: 'anna@example.com' })))) as PermanentSendError;
    expect(invalid).toBeInstanceOf(PermanentSendError);
    expect(invalid.invalidContact).toBe(true);
    expect(invalid.message).toContain('422 validation_error');

    const badKey = resendChannel({ apiKey: 're_wrong', from: FROM, baseUrl: fake.url });
    const auth = (await failure(badKey.send(message()))) as PermanentSendError;
    expect(auth).toBeInstanceOf(PermanentSendError);
    expect(auth.invalidContact).toBe(false);
    expect(auth.message).toContain('invalid_api_key');

    const quotaFake = await startFakeResend({ rateLimit: null, dailyQuota: 1 });
    try {
      const quotaAdapter = resendChannel({ apiKey: quotaFake.apiKey, from: FROM, baseUrl: quotaFake.url });
      await quotaAdapter.send(message());
      const quota = (await failure(quotaAdapter.send(message()))) as PermanentSendError;
      expect(quota).toBeInstanceOf(PermanentSendError);
      expect(quota.message).toMatch(/daily_quota_exceeded.*quota/);
      expect(quotaFake.emails).toHaveLength(1);
    } finally {
      await quotaFake.close();
    }
  });

  it('backs off when the rate limit bucket is empty', async () => {
    const limited = await startFakeResend({ rateLimit: { perSecond: 1, burst: 1 } });
    try {
      const a = resendChannel({ apiKey: limited.apiKey, from: FROM, baseUrl: limited.url });
      await a.send(message());
      const second = (await failure(a.send(message()))) as TransientSendError;
      expect(second).toBeInstanceOf(TransientSendError);
      expect(second.message).toContain('rate_limit_exceeded');
      expect(second.retryAfterMs).toBeGreaterThanOrEqual(1000);
    } finally {
      await limited.close();
    }
  });

  it('is chosen for email only when RESEND_API_KEY is set, and then needs RESEND_FROM', () => {
    expect(resendFromEnv({})).toBeUndefined();
    expect(resendFromEnv({ RESEND_API_KEY: 're_x', RESEND_FROM: FROM })?.provider).toBe('resend');
    expect(() => resendFromEnv({ RESEND_API_KEY: 're_x' })).toThrow(/RESEND_FROM/);
  });
});

describe('sending through Temporal while Resend misbehaves', () => {
  let env: TestWorkflowEnvironment;
  let database: Database;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let flaky: FakeResend;

  beforeAll(async () => {
    [env, database, flaky] = await Promise.all([devServerEnv(), createTestDatabase(), startFakeResend({ rateLimit: null })]);
    worker = await startWorker(env, testDeps(database.db, { channels: resendChannels(flaky) }));
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.teardown();
    await database?.close();
    await flaky?.close();
  });

  it('500s, a reply lost after acceptance and a 429: the welcome email reaches the customer once, after backoff', async () => {
    const to = 'delivered+flaky@resend.dev';
    await seedCustomer(database.db, { id: 'flaky', email: to, name: 'Flaky' });
    flaky.failNext(1, 500);
    flaky.failNext(1, 'accept-then-drop');
    flaky.failNext(1, 429);
    const handle = await env.client.workflow.start(welcome, {
      workflowId: 'welcome/flaky',
      taskQueue,
      args: [{ v: 1, customerId: 'flaky', trigger: { id: 'signup-flaky', type: 'customer.signed_up', properties: {}, occurredAt: new Date().toISOString() } }],
    });
    try {
      const row = await eventually(async () => {
        const [r] = await database.db.select().from(messages).where(eq(messages.customerId, 'flaky'));
        return r?.status === 'sent' ? r : undefined;
      }, 60_000, 'the ledger row to be sent');

      const emails = flaky.emailsTo(to);
      expect(emails).toHaveLength(1);
      expect(row).toMatchObject({ provider: 'resend', providerMessageId: emails[0]!.id, error: null, template: 'welcome-hello' });

      const posts = flaky.requests.filter((r) => r.path === '/emails' && r.idempotencyKey === row.idempotencyKey);
      expect(posts.map((r) => r.status)).toEqual([500, 0, 429, 200]);
      const gaps = posts.slice(1).map((r, i) => r.at - posts[i]!.at);
      // Temporal's backoff (2 s, then 4 s), then the 1 s Resend asked for in retry-after instead of 8 s.
      expect(gaps[0]).toBeGreaterThanOrEqual(1_800);
      expect(gaps[1]).toBeGreaterThanOrEqual(3_600);
      expect(gaps[2]).toBeGreaterThanOrEqual(900);
      expect(gaps[2]).toBeLessThan(4_000);
    } finally {
      await handle.terminate('test done');
    }
  });
});
