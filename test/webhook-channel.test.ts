/**
 * The webhook channel inside the real send pipeline, on a real Postgres, posting to a real HTTP
 * receiver that checks the signature with the standardwebhooks library, as a wallet app would
 * (test/fakes/webhook.ts).
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsFromEnv } from '../activities/channels';
import type { Database } from '../db/client';
import { messages } from '../db/schema';
import { FakeWebhookReceiver } from './fakes/webhook';
import { seedCustomer } from './support/cascade';
import { createTestDatabase } from './support/database';
import { attempt, sendRequest, sendWith } from './support/send-activity';

let database: Database;
let receiver: FakeWebhookReceiver;
let received: FakeWebhookReceiver['received'];
let secret: string;
let send: ReturnType<typeof sendWith>;

beforeAll(async () => {
  [database, receiver] = await Promise.all([createTestDatabase(), FakeWebhookReceiver.start()]);
  ({ received, secret } = receiver);
  send = sendWith(database.db, { ...receiver.env(), CASCADE_WEBHOOK_TIMEOUT_MS: '1000' }, { webhookUrl: receiver.url });
  await seedCustomer(database.db, { id: 'h1', name: 'Anna' });
});
afterAll(async () => {
  await receiver?.close();
  await database?.close();
});

async function failure(p: Promise<unknown>): Promise<ApplicationFailure | Error> {
  return p.then(
    () => {
      throw new Error('expected the attempt to fail');
    },
    (err: Error) => err,
  );
}

describe('webhook channel', () => {
  it('posts the message signed the Standard Webhooks way; the receiver verifies it; webhook-id is the idempotency key', async () => {
    const req = sendRequest('h1', 'webhook', { points: 120 });
    const result = await attempt(send, req);
    expect(result).toMatchObject({ status: 'sent', channel: 'webhook' });
    const messageId = (result as { messageId: number }).messageId;
    const got = received.at(-1)!;
    expect(got.verified).not.toBeInstanceOf(Error);
    expect(got.verified).toMatchObject({
      messageId,
      idempotencyKey: req.idempotencyKey,
      customerId: 'h1',
      template: 'channel-test',
      subject: 'Card update for Anna',
      body: 'You have 120 points.',
      sentAt: expect.any(String),
    });
    expect(got.headers['webhook-id']).toBe(req.idempotencyKey);
    expect(got.headers['content-type']).toBe('application/json');
    // The signature means something: another key, or a changed body, does not verify.
    expect(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(got.raw, got.headers)).toThrow();
    expect(() => new Webhook(secret).verify(got.raw.replace('120', '999'), got.headers)).toThrow();
    const [row] = await database.db.select().from(messages).where(eq(messages.id, messageId));
    expect(row).toMatchObject({ status: 'sent', provider: 'webhook', providerMessageId: req.idempotencyKey });
  });

  it('a 503 or a timeout is retried; every attempt carries the same webhook-id so the receiver can dedupe', async () => {
    const req = sendRequest('h1', 'webhook', { points: 5 });
    receiver.answerNext(503, 'hang');
    const before = received.length;
    const first = await failure(attempt(send, req, 1));
    expect(first.message).toMatch(/HTTP 503/);
    expect((first as ApplicationFailure).nonRetryable).not.toBe(true);
    const second = await failure(attempt(send, req, 2));
    expect(second.message).toMatch(/did not answer/);
    expect(await attempt(send, req, 3)).toMatchObject({ status: 'sent' });
    const attempts = received.slice(before);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.headers['webhook-id']))).toEqual(new Set([req.idempotencyKey]));
    expect(attempts.every((a) => !(a.verified instanceof Error))).toBe(true);
  });

  it('reads a few KiB of the answer at most: a 200 whose body never ends is a send, and the connection is dropped', async () => {
    receiver.answerNext('endless');
    expect(await attempt(send, sendRequest('h1', 'webhook', { points: 7 }))).toMatchObject({ status: 'sent' });
    const answer = receiver.endless.at(-1)!;
    for (const until = Date.now() + 2000; !answer.closed && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    expect(answer.closed).toBe(true);
    // What the target got out before we hung up: socket buffers, not the megabytes it would have sent.
    expect(answer.bytes).toBeLessThan(16 * 1024 ** 2);
  });

  it('a 4xx fails for good, with the status in the ledger', async () => {
    receiver.answerNext(422);
    const err = (await failure(attempt(send, sendRequest('h1', 'webhook', { points: 1 })))) as ApplicationFailure;
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe('webhook: webhook target answered HTTP 422');
    const rows = await database.db.select().from(messages).where(eq(messages.customerId, 'h1')).orderBy(messages.id);
    expect(rows.at(-1)).toMatchObject({ status: 'failed', error: 'webhook target answered HTTP 422' });
  });

  it('refuses to start with a webhook URL but no signing secret', () => {
    expect(() => channelsFromEnv({ CASCADE_WEBHOOK_URL: 'https://wallet.example/hook' })).toThrow(/CASCADE_WEBHOOK_SECRET/);
  });
});
