/**
 * Locales and SMS cost through the real send pipeline on a real Postgres: the customer API stores a
 * BCP 47 locale (and refuses a bad one naming `locale`), the send activity picks the template in the
 * customer's language (outbox channel), and counts what an SMS costs on its ledger row, refusing
 * one over the maximum before SMSC (real adapter, fake SMSC over HTTP) ever hears of it.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRenderer } from '../activities/templates';
import { smsCost } from '../activities/templates/sms-segments';
import type { Database } from '../db/client';
import { messages } from '../db/schema';
import { FakeSmsc } from './fakes/smsc';
import { seedCustomer, useCascadeApi } from './support/cascade';
import { attempt, sendRequest, sendWith } from './support/send-activity';

let smsc: FakeSmsc;
const cascade = useCascadeApi('time-skipping');

beforeAll(async () => {
  smsc = await FakeSmsc.start({ login: 'cascade', psw: 'pw-123' });
});
afterAll(async () => {
  await smsc?.close();
});

// The shipped templates and the shipped default (CASCADE_DEFAULT_LOCALE unset: ru).
const render = createRenderer();
const row = async (idempotencyKey: string) => (await cascade.database.db.select().from(messages).where(eq(messages.idempotencyKey, idempotencyKey)))[0]!;

describe('a customer locale', () => {
  it('is stored canonical from PUT /v1/customers, and a tag that is not BCP 47 is a 400 naming locale', async () => {
    const put = (id: string, body: object) => cascade.api.call(`/v1/customers/${id}`, { method: 'PUT', body: JSON.stringify({ timeZone: 'Europe/Moscow', ...body }) });
    const created = await put('loc-api', { locale: 'ru-ru', email: 'loc-api@example.com' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ locale: 'ru-RU' });
    for (const locale of ['ru_RU', 'русский', 'x', '', 'en-', 42]) {
      const res = await put('loc-api', { locale });
      expect({ locale, status: res.status }).toEqual({ locale, status: 400 });
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe('locale');
    }
    const cleared = await put('loc-api', { locale: null });
    expect(await cleared.json()).toMatchObject({ locale: null });
  });

  it('picks the welcome email in the customer language: ru, ru-RU (via ru) and no locale in Russian, en in English', async () => {
    const send = sendWith(cascade.database.db, {}, { render });
    const cases = [
      { id: 'loc-ru', locale: 'ru', subject: 'Добро пожаловать, Анна!', greeting: 'Здравствуйте, Анна!', footer: 'Отписаться' },
      { id: 'loc-ru-ru', locale: 'ru-RU', subject: 'Добро пожаловать, Анна!', greeting: 'Здравствуйте, Анна!', footer: 'Отписаться' },
      { id: 'loc-none', locale: null, subject: 'Добро пожаловать, Анна!', greeting: 'Здравствуйте, Анна!', footer: 'Отписаться' },
      { id: 'loc-en', locale: 'en', subject: 'Welcome, Анна!', greeting: 'Hi Анна,', footer: 'Unsubscribe' },
    ];
    for (const c of cases) {
      await seedCustomer(cascade.database.db, { id: c.id, name: 'Анна', locale: c.locale });
      const req = sendRequest(c.id, 'email', { promoCode: 'WELCOME-ZX56CV' }, { template: 'welcome-hello', journey: 'welcome', transactional: false });
      expect(await attempt(send, req)).toMatchObject({ status: 'sent' });
      const sent = await row(req.idempotencyKey);
      expect({ id: c.id, status: sent.status, provider: sent.provider, subject: sent.subject }).toEqual({ id: c.id, status: 'sent', provider: 'outbox', subject: c.subject });
      expect(sent.body).toContain(c.greeting);
      expect(sent.body).toMatch(new RegExp(`<a href="http://127\\.0\\.0\\.1/unsubscribe\\?token=[\\w.-]+">${c.footer}</a>`));
      expect(sent.smsSegments).toBeNull();
    }
  });
});

describe('what an SMS costs', () => {
  const sms = () => sendWith(cascade.database.db, smsc.env({ SMSC_SENDER: 'Cascade' }), { render });
  const sentTo = (phone: string) => smsc.messages.filter((m) => m.phone === phone.slice(1));

  it('is recorded on the ledger row: 2 UCS-2 parts in Russian, 1 GSM-7 part for the same offer in English', async () => {
    await seedCustomer(cascade.database.db, { id: 'sms-ru', name: 'Анна', phone: '+79125550201', locale: 'ru' });
    await seedCustomer(cascade.database.db, { id: 'sms-en', name: 'Anna', phone: '+79125550202', locale: 'en' });
    const ru = sendRequest('sms-ru', 'sms', { promoCode: 'BACK-QW34ER' }, { template: 'reactivation-offer' });
    const en = sendRequest('sms-en', 'sms', { promoCode: 'BACK-QW34ER' }, { template: 'reactivation-offer' });
    expect(await attempt(sms(), ru)).toMatchObject({ status: 'sent' });
    expect(await attempt(sms(), en)).toMatchObject({ status: 'sent' });

    const [ruText] = sentTo('+79125550201');
    expect(ruText!.mes).toBe('Анна, мы соскучились! Промокод BACK-QW34ER: скидка 15% на следующий заказ, действует 2 недели.');
    expect(await row(ru.idempotencyKey)).toMatchObject({ status: 'sent', smsSegments: 2 });
    expect(smsCost(ruText!.mes)).toMatchObject({ encoding: 'ucs2', segments: 2 });
    const [enText] = sentTo('+79125550202');
    expect(enText!.mes).toMatch(/^Anna, we miss you/);
    expect(await row(en.idempotencyKey)).toMatchObject({ status: 'sent', smsSegments: 1 });

    const listed = await (await cascade.api.call('/v1/customers/sms-ru/messages')).json();
    expect(listed).toMatchObject({ messages: [{ template: 'reactivation-offer', status: 'sent', smsSegments: 2 }] });
  });

  it('over the maximum (CASCADE_SMS_MAX_SEGMENTS, 3) is skipped with too_many_segments, never reaching SMSC, with its text and count kept', async () => {
    const phone = '+79125550203';
    await seedCustomer(cascade.database.db, { id: 'sms-long', name: 'Олег', phone, locale: 'ru' });
    // A long address makes the reminder 4 UCS-2 parts (over 201 code units).
    const address = 'Московская область, городской округ Красногорск, посёлок Отрадное, Пятницкое шоссе, 6-й километр, владение 2, строение 1';
    const req = sendRequest('sms-long', 'sms', { event: { appointmentAt: '2024-05-01T10:00:00Z', address } }, { template: 'service-reminder' });
    expect(await attempt(sms(), req)).toEqual({ status: 'skipped', channel: 'sms', reason: 'too_many_segments', step: req.step });
    const skipped = await row(req.idempotencyKey);
    expect(skipped).toMatchObject({ status: 'skipped', skipReason: 'too_many_segments', smsSegments: 4 });
    expect(skipped.body).toContain(address);
    expect(skipped.body).toContain('1 мая в 13:00');
    expect(sentTo(phone)).toEqual([]);
    // The same attempt again (a retry) gives the same answer and still sends nothing.
    expect(await attempt(sms(), req, 2)).toMatchObject({ status: 'skipped', reason: 'too_many_segments' });
    expect(sentTo(phone)).toEqual([]);

    // Without the address it fits: same template, same customer, sent.
    const short = sendRequest('sms-long', 'sms', { event: { appointmentAt: '2024-05-01T10:00:00Z' } }, { template: 'service-reminder' });
    expect(await attempt(sms(), short)).toMatchObject({ status: 'sent' });
    expect(await row(short.idempotencyKey)).toMatchObject({ status: 'sent', smsSegments: 2 });
    expect(sentTo(phone)).toHaveLength(1);
  });

  it('a template header max_segments is stricter than the global maximum', async () => {
    const phone = '+79125550204';
    await seedCustomer(cascade.database.db, { id: 'sms-capped', name: 'Анна', phone, locale: 'ru' });
    // tyre-season-offer says max_segments: 2; the global maximum 5 does not lift it.
    const send = sendWith(cascade.database.db, smsc.env({ SMSC_SENDER: 'Cascade' }), { render: createRenderer(undefined, { smsMaxSegments: 5 }) });
    const req = sendRequest('sms-capped', 'sms', {}, { template: 'tyre-season-offer' });
    expect(await attempt(send, req)).toMatchObject({ status: 'sent' });
    expect(await row(req.idempotencyKey)).toMatchObject({ smsSegments: 2 });
    // A global maximum of 1 with no header: the 2-part reactivation offer is refused.
    const strict = sendWith(cascade.database.db, smsc.env({ SMSC_SENDER: 'Cascade' }), { render: createRenderer(undefined, { smsMaxSegments: 1 }) });
    const offer = sendRequest('sms-capped', 'sms', { promoCode: 'BACK-QW34ER' }, { template: 'reactivation-offer' });
    expect(await attempt(strict, offer)).toMatchObject({ status: 'skipped', reason: 'too_many_segments' });
    expect(await row(offer.idempotencyKey)).toMatchObject({ skipReason: 'too_many_segments', smsSegments: 2 });
    expect(sentTo(phone)).toHaveLength(1);
  });
});
