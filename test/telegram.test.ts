/**
 * The telegram channel end to end on the dev server: the real worker and API on a real Postgres, the
 * real Bot API client against the fake Telegram over HTTP. A customer links their chat the way they
 * would (the shop asks for the deep link, the user presses Start, Telegram posts `/start <token>` to
 * the webhook registered with setWebhook), then POST /v1/messages with `channels: ['telegram', 'email']`
 * runs the same first-available cascade a journey's `sendFirstAvailable` does.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsFromEnv } from '../activities/channels';
import { telegramRoutesFromEnv } from '../activities/channels/telegram/bot-api';
import { telegramCheck } from '../activities/channels/telegram/doctor';
import { LINK_TTL_MS, mintLinkToken } from '../activities/channels/telegram/link';
import type { DoctorContext } from '../doctor/check';
import type { Database } from '../db/client';
import { messages, suppressions, telegramChats } from '../db/schema';
import { FakeTelegram } from './fakes/telegram';
import { seedCustomer, startTestApi, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually } from './support/email';
import { devServerEnv, startWorker } from './support/temporal';

const SECRET = 'telegram-webhook-secret_0123456789';

let env: TestWorkflowEnvironment;
let database: Database;
let telegram: FakeTelegram;
let api: Awaited<ReturnType<typeof startTestApi>>;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  [env, database, telegram] = await Promise.all([devServerEnv(), createTestDatabase(), FakeTelegram.start()]);
  const settings = telegram.env({ CASCADE_TELEGRAM_WEBHOOK_SECRET: SECRET });
  api = await startTestApi(database.db, env.client, { telegram: telegramRoutesFromEnv(settings) });
  // What the README asks of the operator: register the webhook with its secret.
  const registered = await fetch(`${telegram.url}/bot${telegram.token}/setWebhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${api.url}/telegram/webhook`, secret_token: SECRET }),
  });
  expect(registered.status).toBe(200);
  // Email stays the outbox: its ledger row is what the tests read.
  worker = await startWorker(env, testDeps(database.db, { channels: channelsFromEnv(settings, database.db) }));
});
afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await telegram?.close();
  await env?.teardown();
  await database?.close();
});

type Answer = { ids: number[]; messages: Array<{ id: number; channel: string; status: string; skipReason: string | null }> };

let updateId = 0;
const startUpdate = (chatId: number, text: string) => ({
  update_id: ++updateId,
  message: {
    message_id: updateId,
    from: { id: chatId, is_bot: false, first_name: 'Anna', username: `user${chatId}`, language_code: 'en' },
    chat: { id: chatId, first_name: 'Anna', type: 'private' },
    date: Math.floor(Date.now() / 1000),
    text,
  },
});

async function linkUrl(customerId: string): Promise<{ url: string; expiresAt: string }> {
  const res = await api.call(`/v1/customers/${customerId}/telegram/link`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { url: string; expiresAt: string };
}

const tokenOf = (url: string) => new URL(url).searchParams.get('start')!;

/** The customer opens the shop's link and presses Start: Telegram posts `/start <token>` from their chat. */
async function link(customerId: string, chatId: number): Promise<void> {
  await seedCustomer(database.db, { id: customerId, consent: ['email'] });
  const { url } = await linkUrl(customerId);
  expect((await telegram.deliver(startUpdate(chatId, `/start ${tokenOf(url)}`))).status).toBe(200);
  expect((await telegram.waitForMessages(chatId, 1))[0]!.text).toMatch(/^Done!/);
}

async function send(body: Record<string, unknown>): Promise<Answer> {
  const res = await api.call('/v1/messages', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as Answer;
}

const receipt = (customerId: string, key: string) => ({
  customerId,
  template: 'order-confirmation',
  channels: ['telegram', 'email'],
  data: { event: { orderId: key } },
  idempotencyKey: key,
  category: 'transactional',
});

const row = async (id: number) => (await database.db.select().from(messages).where(eq(messages.id, id)))[0]!;
const settled = (id: number) => eventually(async () => ((await row(id)).status !== 'pending' ? row(id) : undefined), 30_000, `message ${id} settled`);
const suppressionOf = async (chatId: number) =>
  (await database.db.select().from(suppressions).where(and(eq(suppressions.channel, 'telegram'), eq(suppressions.address, String(chatId)))))[0];

describe('the telegram channel', () => {
  it('links a chat through the deep link, then a message goes over Telegram and the ledger says so; a used token links nothing', async () => {
    await seedCustomer(database.db, { id: 'tg-anna', consent: ['email'] });
    const { url, expiresAt } = await linkUrl('tg-anna');
    expect(url).toMatch(/^https:\/\/t\.me\/cascade_shop_bot\?start=[A-Za-z0-9_-]{1,64}$/);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);

    expect((await telegram.deliver(startUpdate(5551, `/start ${tokenOf(url)}`))).status).toBe(200);
    expect((await telegram.waitForMessages(5551, 1))[0]!.text).toBe('Done! The shop will send your messages here now.');
    expect(await database.db.select().from(telegramChats).where(eq(telegramChats.customerId, 'tg-anna'))).toEqual([
      expect.objectContaining({ chatId: '5551', username: 'user5551' }),
    ]);

    const answer = await send(receipt('tg-anna', 'tg-order-1'));
    expect(answer.messages).toEqual([expect.objectContaining({ channel: 'telegram', status: 'pending' })]);
    const sent = await settled(answer.ids[0]!);
    expect(sent).toMatchObject({ status: 'sent', channel: 'telegram', provider: 'telegram', recipient: '5551', providerMessageId: '5551/2', error: null });
    const got = await telegram.waitForMessages(5551, 2);
    expect(got[1]!.text).toBe('Thank you for your order tg-order-1! We will let you know when it is on its way.');

    // Someone else opening the same (used) link gets a polite answer, and nothing changes.
    expect((await telegram.deliver(startUpdate(5552, `/start ${tokenOf(url)}`))).status).toBe(200);
    expect((await telegram.waitForMessages(5552, 1))[0]!.text).toMatch(/expired or was already used/);
    expect(await database.db.select().from(telegramChats).where(eq(telegramChats.chatId, '5552'))).toEqual([]);
    expect((await database.db.select().from(telegramChats).where(eq(telegramChats.customerId, 'tg-anna')))[0]!.chatId).toBe('5551');
  });

  it('a link older than its hour links nothing', async () => {
    await seedCustomer(database.db, { id: 'tg-late', consent: ['email'] });
    const { token } = await mintLinkToken(database.db, 'tg-late', new Date(Date.now() - LINK_TTL_MS - 1000));
    expect((await telegram.deliver(startUpdate(5541, `/start ${token}`))).status).toBe(200);
    expect((await telegram.waitForMessages(5541, 1))[0]!.text).toMatch(/expired or was already used/);
    expect(await database.db.select().from(telegramChats).where(eq(telegramChats.customerId, 'tg-late'))).toEqual([]);
  });

  it('a customer without a linked chat falls through to email', async () => {
    await seedCustomer(database.db, { id: 'tg-bob', consent: ['email'] });
    const answer = await send(receipt('tg-bob', 'tg-order-bob'));
    expect(answer.messages).toEqual([
      expect.objectContaining({ channel: 'telegram', status: 'skipped', skipReason: 'no_address' }),
      expect.objectContaining({ channel: 'email', status: 'pending' }),
    ]);
    expect(await settled(answer.ids[1]!)).toMatchObject({ status: 'sent', channel: 'email' });
  });

  it('marketing needs the customer\'s Telegram consent for the topic, as every channel does; linking alone is not consent', async () => {
    await link('tg-promo', 5561);
    const offer = (key: string) => ({ customerId: 'tg-promo', template: 'reactivation-offer', channels: ['telegram', 'email'], data: { promoCode: 'BACK15' }, idempotencyKey: key, category: 'marketing', topic: 'promotions' });
    const before = await send(offer('tg-offer-1'));
    expect(before.messages.map((m) => [m.channel, m.status, m.skipReason])).toEqual([['telegram', 'skipped', 'no_consent'], ['email', 'pending', null]]);

    const granted = await api.call('/v1/customers/tg-promo/consents', { method: 'PUT', body: JSON.stringify({ telegram: true, topic: 'promotions', source: 'telegram-bot' }) });
    expect(granted.status, await granted.clone().text()).toBe(200);
    const after = await send(offer('tg-offer-2'));
    expect(after.messages.map((m) => [m.channel, m.status])).toEqual([['telegram', 'pending']]);
    expect(await settled(after.ids[0]!)).toMatchObject({ status: 'sent', channel: 'telegram' });
    // A marketing message carries its unsubscribe link, for this channel and topic.
    const text = (await telegram.waitForMessages(5561, 2))[1]!.text;
    expect(text).toMatch(/BACK15[\s\S]*Unsubscribe: http:\/\/127\.0\.0\.1\/unsubscribe\?token=/);
    // ...which opens the preference center for Telegram.
    const page = await fetch(text.split('Unsubscribe: ')[1]!.replace('http://127.0.0.1', api.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Telegram');
  });

  it('a 429 is waited out for its retry_after, and the message is sent once', async () => {
    await link('tg-busy', 5571);
    telegram.rateLimitNext(3);
    const answer = await send(receipt('tg-busy', 'tg-order-busy'));
    expect(await settled(answer.ids[0]!)).toMatchObject({ status: 'sent', channel: 'telegram', error: null });
    const attempts = telegram.sendAttempts.filter((a) => a.chatId === '5571').slice(1); // after the link's confirmation
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(2_900);
    expect(telegram.to(5571).filter((m) => m.text.includes('tg-order-busy'))).toHaveLength(1);
  });

  it('"bot was blocked by the user" fails the message and suppresses the chat; the next message goes to email', async () => {
    await link('tg-gone', 5581);
    telegram.block(5581);
    const first = await send(receipt('tg-gone', 'tg-order-gone-1'));
    expect(first.messages.map((m) => m.channel)).toEqual(['telegram']);
    const failed = await settled(first.ids[0]!);
    expect(failed).toMatchObject({ status: 'failed', channel: 'telegram' });
    expect(failed.error).toContain('bot was blocked by the user');
    expect(await suppressionOf(5581)).toMatchObject({ reason: 'blocked' });

    const next = await send(receipt('tg-gone', 'tg-order-gone-2'));
    expect(next.messages).toEqual([
      expect.objectContaining({ channel: 'telegram', status: 'skipped', skipReason: 'suppressed' }),
      expect.objectContaining({ channel: 'email', status: 'pending' }),
    ]);
    expect(await settled(next.ids[1]!)).toMatchObject({ status: 'sent', channel: 'email' });
  });

  it('the webhook wants the secret; a block reported by Telegram suppresses the chat, starting the bot again lifts it; other updates are ignored', async () => {
    const kicked = (chatId: number, status: string) => ({
      update_id: ++updateId,
      my_chat_member: {
        chat: { id: chatId, type: 'private' },
        from: { id: chatId, is_bot: false, first_name: 'Anna' },
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { user: { id: 123456, is_bot: true, first_name: 'Cascade Shop' }, status: status === 'kicked' ? 'member' : 'kicked' },
        new_chat_member: { user: { id: 123456, is_bot: true, first_name: 'Cascade Shop' }, status },
      },
    });
    expect((await telegram.deliver(kicked(5591, 'kicked'), 'wrong-secret')).status).toBe(401);
    expect((await telegram.deliver(kicked(5591, 'kicked'), null)).status).toBe(401);
    expect(await suppressionOf(5591)).toBeUndefined();

    expect((await telegram.deliver(kicked(5591, 'kicked'))).status).toBe(200);
    expect(await suppressionOf(5591)).toMatchObject({ reason: 'blocked' });
    expect((await telegram.deliver(kicked(5591, 'member'))).status).toBe(200);
    expect(await suppressionOf(5591)).toBeUndefined();

    const edited = { update_id: ++updateId, edited_message: { message_id: 1, chat: { id: 5591, type: 'private' }, date: 0, text: 'hi' } };
    expect((await telegram.deliver(edited)).status).toBe(200);
    expect((await telegram.deliver(startUpdate(5591, 'hello'))).status).toBe(200);
    expect(telegram.to(5591)).toEqual([]);
  });

  it('the link route answers 404 for a customer that does not exist', async () => {
    const res = await api.call('/v1/customers/tg-nobody/telegram/link');
    expect(res.status).toBe(404);
  });
});

describe('npm run doctor: telegram', () => {
  const context = (overrides: Record<string, string> = {}): DoctorContext => ({
    env: telegram.env({ CASCADE_TELEGRAM_WEBHOOK_SECRET: SECRET, ...overrides }),
    db: null,
    temporal: null,
    publicUrl: api.url,
    dnsServers: [],
    timeoutMs: 5_000,
  });

  it('passes against the fake: the token names the bot, the webhook is this Cascade with nothing pending', async () => {
    const checks = await telegramCheck(context());
    expect(checks).toEqual([
      expect.objectContaining({ name: 'telegram', status: 'pass', detail: 'token valid: bot @cascade_shop_bot' }),
      expect.objectContaining({ name: 'telegram.webhook', status: 'pass', detail: `${api.url}/telegram/webhook registered; 0 updates pending` }),
    ]);
  });

  it('fails with a wrong token, and never shows the token', async () => {
    const wrong = '999999:wrong-token-0123456789abcdefgh';
    const checks = await telegramCheck(context({ CASCADE_TELEGRAM_BOT_TOKEN: wrong }));
    expect(checks).toEqual([expect.objectContaining({ name: 'telegram', status: 'fail', detail: expect.stringContaining('the bot token is not valid') })]);
    const unreachable = await telegramCheck(context({ CASCADE_TELEGRAM_BOT_TOKEN: wrong, CASCADE_TELEGRAM_API_URL: 'http://127.0.0.1:1' }));
    expect(unreachable[0]).toMatchObject({ status: 'fail', detail: expect.stringContaining('getMe did not answer') });
    expect(JSON.stringify([checks, unreachable])).not.toContain('wrong-token');
  });

  it('fails when the webhook points elsewhere', async () => {
    const checks = await telegramCheck({ ...context(), publicUrl: 'https://shop.example' });
    expect(checks[1]).toMatchObject({ name: 'telegram.webhook', status: 'fail', detail: `the webhook is ${api.url}/telegram/webhook, not https://shop.example/telegram/webhook` });
  });
});
