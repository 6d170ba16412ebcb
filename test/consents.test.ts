/**
 * Consent is the customer's word, kept over HTTP on real parts: the signed unsubscribe link, the
 * customer upsert a CRM sends every night, the explicit re-subscription, the audit history, and the
 * real send pipeline (Resend adapter on the fake) deciding whether marketing goes.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import type { Database } from '../db/client';
import { suppressions } from '../db/schema';
import { createUnsubscribeToken } from '../lib/unsubscribe-token';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { TEST_UNSUBSCRIBE_SECRET, seedCustomer, testDeps, useCascadeApi } from './support/cascade';
import { resendChannels } from './support/email';
import { attempt, sendRequest } from './support/send-activity';

let fake: FakeResend;
const cascade = useCascadeApi('time-skipping');
beforeAll(async () => {
  fake = await startFakeResend({ rateLimit: null });
});
afterAll(async () => {
  await fake?.close();
});

const db = () => cascade.database.db;
const json = (body: unknown) => ({ body: JSON.stringify(body) });
const upsert = (id: string, body: unknown) => cascade.api.call(`/v1/customers/${id}`, { method: 'PUT', ...json(body) });
const putConsents = (id: string, body: unknown) => cascade.api.call(`/v1/customers/${id}/consents`, { method: 'PUT', ...json(body) });
// Response bodies are checked by matchers, not by types.
const read = (res: Response) => res.json() as Promise<Record<string, any>>;
const history = async (id: string) => {
  const res = await cascade.api.call(`/v1/customers/${id}/consents/history`);
  expect(res.status).toBe(200);
  return (await read(res)).changes as Array<Record<string, unknown>>;
};
const suppressionsOf = (address: string) => db().select({ reason: suppressions.reason }).from(suppressions).where(eq(suppressions.address, address));

/** A marketing email through the real send pipeline and the real Resend adapter on the fake. */
function marketingEmail(customerId: string) {
  const send = createActivities(testDeps(db(), { channels: resendChannels(fake) })).send;
  return attempt(send, sendRequest(customerId, 'email', { promoCode: 'HELLO10' }, { template: 'welcome-promo', transactional: false }));
}

describe('an unsubscribe is sticky', () => {
  it('a profile sync cannot lift it; only a re-subscription newer than it can', async () => {
    const to = 'delivered+sticky@resend.dev';
    await seedCustomer(db(), { id: 'sticky', email: to, consent: ['email'] });
    const beforeUnsubscribe = new Date(Date.now() - 60_000).toISOString();

    const unsub = await fetch(`${cascade.api.url}/unsubscribe?token=${createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId: 'sticky', channel: 'email' })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsub.status).toBe(200);

    // The CRM's nightly sync still says yes: the upsert succeeds, the consent stays off.
    const sync = await upsert('sticky', { name: 'Anna', consents: { email: true } });
    expect(sync.status).toBe(200);
    const synced = await read(sync);
    expect(synced.consents).toEqual({ email: false });
    expect(synced.consentsRefused).toEqual([{ channel: 'email', note: expect.stringMatching(/unsubscribe/) }]);
    expect(await marketingEmail('sticky')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^(no_consent|suppressed)$/) });
    expect(fake.emailsTo(to)).toHaveLength(0);
    const [refused] = await history('sticky');
    expect(refused).toMatchObject({ channel: 'email', granted: true, applied: false, source: 'profile-sync', note: expect.stringMatching(/unsubscribe/) });

    // A re-subscription older than the unsubscribe does not undo it.
    const stale = await putConsents('sticky', { email: true, source: 'preference-centre', consentedAt: beforeUnsubscribe });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: { code: 'consent_conflict', field: 'consentedAt', message: expect.stringMatching(/unsubscribe|withdrawn/) } });
    expect(await suppressionsOf(to)).toEqual([{ reason: 'unsubscribe' }]);

    // A newer one, with its source, does: consent on, suppression lifted, marketing goes again.
    const fresh = await putConsents('sticky', { email: true, source: 'preference-centre', consentedAt: new Date().toISOString() });
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ customerId: 'sticky', consents: { email: true } });
    expect(await suppressionsOf(to)).toEqual([]);
    expect(await marketingEmail('sticky')).toMatchObject({ status: 'sent' });
    expect(fake.emailsTo(to)).toHaveLength(1);
  });

  it('a hard bounce is never lifted, by a profile sync or a re-subscription; a new address is not suppressed', async () => {
    const dead = 'bounced+dead@resend.dev';
    await seedCustomer(db(), { id: 'dead', email: dead, consent: [] });
    await db().insert(suppressions).values({ channel: 'email', address: dead, reason: 'hard_bounce' });

    const sync = await upsert('dead', { consents: { email: true } });
    expect(sync.status).toBe(200);
    expect((await read(sync)).consents).toEqual({});

    const resubscribe = await putConsents('dead', { email: true, source: 'checkout-form' });
    expect(resubscribe.status).toBe(200);
    const body = await read(resubscribe);
    expect(body.consents).toEqual({ email: true });
    expect(body.notes).toEqual([{ channel: 'email', note: expect.stringMatching(/hard bounce.*never lifted/i) }]);
    expect(await suppressionsOf(dead)).toEqual([{ reason: 'hard_bounce' }]);
    expect(await marketingEmail('dead')).toMatchObject({ status: 'skipped', reason: 'suppressed' });

    const alive = 'delivered+alive@resend.dev';
    expect((await upsert('dead', { email: alive })).status).toBe(200);
    expect(await marketingEmail('dead')).toMatchObject({ status: 'sent' });
    expect(fake.emailsTo(alive)).toHaveLength(1);
    expect(fake.emailsTo(dead)).toHaveLength(0);
  });

  it('refuses a grant without a source, a consentedAt without an offset or in the future, naming the field', async () => {
    await seedCustomer(db(), { id: 'bad-input', consent: [] });
    const cases: Array<[unknown, string]> = [
      [{ email: true }, 'source'],
      [{ email: true, source: 'form', consentedAt: '2024-05-01T10:00:00' }, 'consentedAt'],
      [{ email: true, source: 'form', consentedAt: new Date(Date.now() + 3600_000).toISOString() }, 'consentedAt'],
    ];
    for (const [body, field] of cases) {
      const res = await putConsents('bad-input', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', field } });
    }
    expect(await history('bad-input')).toEqual([]);
    // A withdrawal needs no source: stopping is always allowed.
    expect((await putConsents('bad-input', { sms: false })).status).toBe(200);
  });
});

describe('GET /v1/customers/:id/consents/history', () => {
  it('lists every change, newest first, with source, actor and time', async () => {
    await seedCustomer(db(), { id: 'audited', email: 'audited@shop.example', consent: [] });
    const form = '2024-05-01T10:00:00+03:00';
    expect((await putConsents('audited', { email: true, sms: true, source: 'checkout-form', consentedAt: form })).status).toBe(200);
    const unsub = await fetch(`${cascade.api.url}/unsubscribe?token=${createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId: 'audited', channel: 'email' })}`, { method: 'POST' });
    expect(unsub.status).toBe(200);
    expect((await upsert('audited', { consents: { email: true, sms: false } })).status).toBe(200);
    expect((await putConsents('audited', { email: true, source: 'crm', consentedAt: form })).status).toBe(409);

    const rows = await history('audited');
    const key = expect.stringMatching(/^key:[0-9a-f]{8}$/);
    const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
    expect(rows.map(({ channel, granted, applied, source, actor }) => ({ channel, granted, applied, source, actor }))).toEqual([
      { channel: 'email', granted: true, applied: false, source: 'crm', actor: key },
      { channel: 'sms', granted: false, applied: true, source: 'profile-sync', actor: key },
      { channel: 'email', granted: true, applied: false, source: 'profile-sync', actor: key },
      { channel: 'email', granted: false, applied: true, source: 'unsubscribe', actor: 'unsubscribe-link' },
      { channel: 'sms', granted: true, applied: true, source: 'checkout-form', actor: key },
      { channel: 'email', granted: true, applied: true, source: 'checkout-form', actor: key },
    ]);
    for (const row of rows) expect(row).toMatchObject({ consentedAt: time, recordedAt: time });
    expect(rows.at(-1)!.consentedAt).toBe(new Date(form).toISOString());
    const recorded = rows.map((r) => Date.parse(r.recordedAt as string));
    expect([...recorded].sort((a, b) => b - a)).toEqual(recorded);

    const unknown = await cascade.api.call('/v1/customers/nobody/consents/history');
    expect(unknown.status).toBe(404);
  });
});
