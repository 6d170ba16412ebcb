/**
 * The template API against the shipped templates, real Postgres and the real renderer: the list
 * is what is on disk, a preview is what a customer would get (escaped, in their language, with the
 * footer), and a test copy goes through the real Resend adapter to the fake Resend, marked, and
 * leaves no ledger row.
 */
import { readdirSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../db/schema';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { seedCustomer, startTestApi, useCascade } from './support/cascade';
import type { Database } from '../db/client';
import { resendChannels } from './support/email';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

let database: Database;
let client: Client;
let fake: FakeResend;
let api: Awaited<ReturnType<typeof startTestApi>>;
useCascade('time-skipping', (c) => ((database = c.database), (client = c.env.client)));

beforeAll(async () => {
  fake = await startFakeResend({ rateLimit: null });
  // Email through the real Resend adapter on the fake; SMS and push stay on the outbox.
  api = await startTestApi(database.db, client, { channels: resendChannels(fake) });
});
afterAll(async () => {
  await api?.stop();
  await fake?.close();
});

type Preview = { subject: string | null; html: string | null; text: string; smsSegments?: number; locale: string };
type Problem = { error: { code: string; message: string; field?: string } };

async function post(path: string, body: unknown, key?: string): Promise<{ status: number; json: unknown }> {
  const res = await api.call(path, { method: 'POST', body: JSON.stringify(body), ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}) });
  return { status: res.status, json: await res.json() };
}

async function preview(name: string, body: unknown): Promise<Preview> {
  const { status, json } = await post(`/v1/templates/${name}/preview`, body);
  expect(status, JSON.stringify(json)).toBe(200);
  return json as Preview;
}

async function refused(path: string, body: unknown, status: number, key?: string): Promise<Problem['error']> {
  const res = await post(path, body, key);
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  return (res.json as Problem).error;
}

async function readKey(): Promise<string> {
  const res = await api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'templates-reader', scopes: ['read'] }) });
  return ((await res.json()) as { key: string }).key;
}

describe('GET /v1/templates', () => {
  it('lists every template file on disk, its channels, locales and the variables it reads', async () => {
    const res = await api.call('/v1/templates', { headers: { authorization: `Bearer ${await readKey()}` } });
    expect(res.status).toBe(200);
    const list = (await res.json()) as Array<{ name: string; channels: string[]; locales: string[]; variables: string[] }>;

    const onDisk = new Map<string, { channels: Set<string>; locales: Set<string> }>();
    for (const locale of readdirSync(templatesDir)) {
      for (const file of readdirSync(`${templatesDir}/${locale}`)) {
        if (file.startsWith('_')) continue;
        const [name, channel] = file.split('.') as [string, string];
        const entry = onDisk.get(name) ?? { channels: new Set(), locales: new Set() };
        onDisk.set(name, entry);
        entry.channels.add(channel);
        entry.locales.add(locale);
      }
    }
    expect(list.map((t) => t.name)).toEqual([...onDisk.keys()].sort());
    for (const t of list) {
      expect(new Set(t.channels), t.name).toEqual(onDisk.get(t.name)!.channels);
      expect(new Set(t.locales), t.name).toEqual(onDisk.get(t.name)!.locales);
    }

    const byName = new Map(list.map((t) => [t.name, t]));
    expect(byName.get('welcome-hello')).toMatchObject({ channels: ['email'], locales: ['en', 'ru'] });
    expect(byName.get('reactivation-offer')!.channels).toEqual(['email', 'sms', 'push', 'telegram']);
    expect(byName.get('reactivation-offer')!.variables).toEqual(['customer.name', 'promoCode', 'unsubscribeUrl']);
    expect(byName.get('welcome-hello')!.variables).toEqual(['customer.name', 'subjectTest']);
    expect(byName.get('order-confirmation')!.variables).toEqual(expect.arrayContaining(['event.orderId', 'event.total']));
    expect(byName.get('cart-reminder-1')!.variables).toContain('event.itemCount');
    expect(list.flatMap((t) => t.variables).some((v) => v.startsWith('_'))).toBe(false);
  });
});

describe('POST /v1/templates/:name/preview', () => {
  it('escapes customer data in the email body, keeps the subject plain text, and shows the footer of a marketing email', async () => {
    await seedCustomer(database.db, { id: 'tp-script', name: '<script>alert(1)</script>', locale: 'en' });
    const p = await preview('welcome-hello', { channel: 'email', customerId: 'tp-script' });
    expect(p.html).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(p.html).not.toContain('<script>');
    expect(p.subject).toBe('Welcome, <script>alert(1)</script>!');
    expect(p.text).toContain('Hi <script>alert(1)</script>,');
    expect(p.html).toContain('/unsubscribe?token=preview');
    expect(p.text).toMatch(/Unsubscribe \[.*\/unsubscribe\?token=preview\]/);

    const transactional = await preview('welcome-hello', { channel: 'email', customerId: 'tp-script', transactional: true });
    expect(transactional.html).not.toContain('unsubscribe?token=');
  });

  it("renders for a stored customer: their name, and their locale's template (ru-RU gets ru)", async () => {
    await seedCustomer(database.db, { id: 'tp-irina', name: 'Ирина', locale: 'ru-RU' });
    const p = await preview('welcome-hello', { channel: 'email', customerId: 'tp-irina' });
    expect(p.locale).toBe('ru');
    expect(p.subject).toBe('Добро пожаловать, Ирина!');
    // Data given with a customer is merged over theirs.
    expect((await preview('welcome-hello', { channel: 'email', customerId: 'tp-irina', data: { subjectTest: 'b' } })).subject).toBe('Ирина, ваш подарок к первому заказу внутри');
    // An explicit locale is tried first.
    expect((await preview('welcome-hello', { channel: 'email', customerId: 'tp-irina', locale: 'en' })).subject).toBe('Welcome, Ирина!');
  });

  it('falls back to the default locale for one without templates, and renders sample data alone without a customer', async () => {
    const p = await preview('welcome-hello', { channel: 'email', locale: 'fr-FR', data: { customer: { name: 'Jeanne' } } });
    expect(p.locale).toBe('en');
    expect(p.subject).toBe('Welcome, Jeanne!');
    // A missing variable renders as in production: empty, and the template's own fallback.
    const bare = await preview('welcome-hello', { channel: 'email' });
    expect(bare.subject).toBe('Welcome!');
    expect(bare.html).toContain('Hi there,');
  });

  it('gives an SMS its text and segment count, and a push its title; only email has html', async () => {
    const sms = await preview('reactivation-offer', { channel: 'sms', locale: 'en', data: { customer: { name: 'Ann' }, promoCode: 'BACK-1' } });
    expect(sms).toEqual({ subject: null, html: null, text: 'Ann, we miss you: code BACK-1 gives 15% off your next order for two weeks.', smsSegments: 1, locale: 'en' });
    const ru = await preview('reactivation-offer', { channel: 'sms', locale: 'ru', data: { customer: { name: 'Анна' }, promoCode: 'BACK-1' } });
    // Cyrillic is UCS-2: 70 characters a part, 67 in a multipart message.
    expect(ru.smsSegments).toBe(Math.ceil(ru.text.length / 67));
    expect(ru.smsSegments).toBeGreaterThan(1);
    const push = await preview('reactivation-offer', { channel: 'push', locale: 'en', data: { promoCode: 'BACK-1' } });
    expect(push).toEqual({ subject: '15% off, just for you', html: null, text: 'Code BACK-1 takes 15% off your next order for two weeks.', locale: 'en' });
  });

  it('refuses what it cannot render, naming the field', async () => {
    expect(await refused('/v1/templates/no-such-template/preview', { channel: 'email' }, 404)).toMatchObject({ field: 'name', message: expect.stringContaining('no-such-template') });
    expect(await refused('/v1/templates/welcome-hello/preview', { channel: 'sms' }, 404)).toMatchObject({ field: 'channel', message: expect.stringContaining('no sms version') });
    expect(await refused('/v1/templates/welcome-hello/preview', { channel: 'fax' }, 400)).toMatchObject({ field: 'channel' });
    expect(await refused('/v1/templates/welcome-hello/preview', {}, 400)).toMatchObject({ field: 'channel' });
    expect(await refused('/v1/templates/welcome-hello/preview', { channel: 'email', locale: 'ru_RU' }, 400)).toMatchObject({ field: 'locale' });
    expect(await refused('/v1/templates/welcome-hello/preview', { channel: 'email', data: [] }, 400)).toMatchObject({ field: 'data' });
    expect(await refused('/v1/templates/welcome-hello/preview', { channel: 'email', colour: 'red' }, 400)).toMatchObject({ field: 'colour' });
    expect(await refused('/v1/templates/welcome-hello/preview', { channel: 'email', customerId: 'nobody-here' }, 404)).toMatchObject({ field: 'customerId' });
    expect(await refused('/v1/templates/Welcome_Hello/preview', { channel: 'email' }, 400)).toMatchObject({ field: 'name' });
  });
});

describe('POST /v1/templates/:name/test-send', () => {
  it('sends a copy marked [Test] through the Resend adapter, with a test-send key, and writes no ledger row', async () => {
    const sent = fake.emails.length;
    const { status, json } = await post('/v1/templates/reactivation-offer/test-send', { channel: 'email', to: 'Delivered@resend.dev', locale: 'en', data: { customer: { name: 'Ann' }, promoCode: 'BACK-1' } });
    expect(status, JSON.stringify(json)).toBe(202);
    const email = fake.emails[sent]!;
    expect(json).toEqual({ provider: 'resend', providerMessageId: email.id });
    expect(email.to).toEqual(['delivered@resend.dev']);
    expect(email.subject).toBe('[Test] We have not seen you in a while, Ann');
    expect(email.html).toContain('<strong>BACK-1</strong>');
    expect(email.idempotencyKey).toMatch(/^test-send\/[0-9a-f-]{36}$/);
    expect(await database.db.select().from(messages)).toEqual([]);
  });

  it('refuses what it cannot send, naming the field, and passes on the provider\'s refusal as 502', async () => {
    const path = '/v1/templates/reactivation-offer/test-send';
    expect(await refused(path, { channel: 'email', to: 'not an address' }, 400)).toMatchObject({ field: 'to' });
    expect(await refused(path, { channel: 'email' }, 400)).toMatchObject({ field: 'to' });
    expect(await refused(path, { channel: 'sms', to: '12' }, 400)).toMatchObject({ field: 'to' });
    // SMS has no provider in this API: the outbox would hold the copy for nobody.
    expect(await refused(path, { channel: 'sms', to: '+7 912 555-01-01' }, 400)).toMatchObject({ field: 'channel', message: expect.stringContaining('no provider') });
    expect(await refused('/v1/templates/birthday-greeting/test-send', { channel: 'webhook', to: 'https://shop.example/hook' }, 400)).toMatchObject({ field: 'channel' });
    expect(await refused('/v1/templates/welcome-hello/test-send', { channel: 'push', to: 'token-0123456789' }, 404)).toMatchObject({ field: 'channel' });
    expect(await refused('/v1/templates/nope/test-send', { channel: 'email', to: 'delivered@resend.dev' }, 404)).toMatchObject({ field: 'name' });
    // Sending is the admin's: a read key may preview, not send.
    expect((await refused(path, { channel: 'email', to: 'delivered@resend.dev' }, 403, await readKey())).code).toBeTruthy();
    // The fake Resend, like Resend, refuses example.com recipients (422).
    expect(await refused(path, { channel: 'email', to: 'someone@example.com' }, 502)).toMatchObject({ code: 'provider_error', message: expect.stringContaining('Resend 422') });
    expect(await database.db.select().from(messages)).toEqual([]);
  });
});
