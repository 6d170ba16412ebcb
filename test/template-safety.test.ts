/**
 * Customer data is data, never markup. A hostile name goes through the real send pipeline with the
 * real templates: the email (real Resend adapter, fake Resend) shows it as text, the subject and the
 * SMS (real SMSC adapter, fake SMSC) read it plainly, and no bidi or control character survives.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import { channelsFromEnv } from '../activities/channels';
import { createRenderer, shippedLocales } from '../activities/templates';
import type { Database } from '../db/client';
import type { Channel } from '../workflows/contract';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { FakeSmsc } from './fakes/smsc';
import { seedCustomer, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { resendChannels } from './support/email';
import { attempt, sendRequest } from './support/send-activity';

const LINK = '<a href="https://evil.example/r">Claim refund</a>';
// U+202E turns the rest of a line around ("refund" reads "dnufer"); BEL and the zero-width LRM hide.
const HOSTILE = `\u202E${LINK}\u0007\u200E`;
const HIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C]/;

let database: Database;
let resend: FakeResend;
let smsc: FakeSmsc;

beforeAll(async () => {
  [database, resend, smsc] = await Promise.all([
    createTestDatabase(),
    startFakeResend({ rateLimit: null }),
    FakeSmsc.start({ login: 'cascade', psw: 'pw-123' }),
  ]);
});
afterAll(async () => {
  await resend?.close();
  await smsc?.close();
  await database?.close();
});

function send(channel: Channel, template: string, data: Record<string, unknown> = {}) {
  const channels = { ...channelsFromEnv(smsc.env({ SMSC_SENDER: 'Cascade' }), database.db), email: resendChannels(resend).email };
  const activity = createActivities(testDeps(database.db, { channels })).send;
  return attempt(activity, sendRequest('hostile', channel, data, { template, transactional: false }));
}

describe('customer data in messages', () => {
  it('an HTML link in a name arrives escaped in the email, plain in the subject and the SMS; the unsubscribe link works', async () => {
    const to = 'delivered+hostile@resend.dev';
    await seedCustomer(database.db, { id: 'hostile', name: HOSTILE, email: to, phone: '+79125550101' });

    expect(await send('email', 'welcome-hello')).toMatchObject({ status: 'sent' });
    const [email] = resend.emailsTo(to);
    expect(email!.html).toContain('&lt;a href=');
    expect(email!.html).not.toContain('<a href="https://evil.example');
    expect(email!.html).not.toMatch(HIDDEN);
    expect(email!.html).toMatch(/<a href="http:\/\/127\.0\.0\.1\/unsubscribe\?token=[\w.-]+">Unsubscribe<\/a>/);
    expect(email!.subject).toBe(`Welcome, ${LINK}!`);

    expect(await send('sms', 'reactivation-offer', { promoCode: 'BACK15' })).toMatchObject({ status: 'sent' });
    const [sms] = smsc.messages.filter((m) => m.phone === '79125550101');
    expect(sms!.mes).toBe(`${LINK}, we miss you: code BACK15 gives 15% off your next order for two weeks.`);
  });

  it('every template renders a hostile profile and event without live markup from the data, or hidden characters', async () => {
    const render = createRenderer();
    const dir = fileURLToPath(new URL('../templates', import.meta.url));
    // Every locale's copy: a translation could un-escape what the original escaped.
    const files = shippedLocales(dir).flatMap((locale) =>
      readdirSync(join(dir, locale))
        .filter((f) => /^[a-z0-9][a-z0-9-]*\.(email|sms|push|webhook|telegram)\.liquid$/.test(f))
        .map((f) => `${locale}/${f}`),
    );
    expect(files.length).toBeGreaterThan(40);
    const value = `${HOSTILE} & "quotes"`;
    const data = {
      customer: { name: value, city: value, timeZone: 'Europe/Moscow' },
      event: { orderId: value, total: 100, appointmentAt: '2024-05-01T10:00:00Z', address: value, itemCount: 2 },
      promoCode: value,
      city: value,
      tickets: [1, 2],
      bonus: 500,
      quarter: 'Q2',
      unsubscribeUrl: 'https://cascade.example/unsubscribe?token=a.b',
    };
    for (const file of files) {
      const [locale, name] = file.split('/') as [string, string];
      const [template, channel] = name.split('.') as [string, Channel];
      const { subject, body } = await render(template, channel, data, { locale, timeZone: 'Europe/Moscow' });
      expect(body, file).not.toMatch(HIDDEN);
      expect(subject ?? '', file).not.toMatch(HIDDEN);
      expect(subject ?? '', file).not.toContain('&lt;');
      if (channel === 'email') {
        expect(body, file).not.toContain('<a href="https://evil.example');
        expect(body, file).toMatch(/<a href="https:\/\/cascade\.example\/unsubscribe\?token=a\.b">(Unsubscribe|Отписаться)<\/a>/);
      } else {
        expect(body, file).not.toContain('&lt;');
      }
    }
  });
});
