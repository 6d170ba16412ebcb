/**
 * Provider storms: while journeys keep sending, the fake Resend and the fake SMSC fail request after
 * request in a rotation of ways (HTTP 500, 429 with Retry-After from Resend, SMSC's error 9, no
 * answer at all, and the worst one: accepted, then no answer), then recover. Through the real
 * adapters, the real send activity, the Temporal dev server and Postgres. Afterwards every customer
 * has each message exactly once, whatever the provider saw in attempts, and the ledger says sent.
 *
 * test/send-failures.test.ts covers one send whose retries run out; test/smsc-crash.test.ts one SMS
 * across a worker crash. This is many sends at once through a storm and its end.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsFromEnv } from '../activities/channels';
import { resendChannel } from '../activities/channels/resend/adapter';
import type { Database } from '../db/client';
import { orderConfirmation } from '../workflows/journeys/order-confirmation';
import { serviceReminder } from '../workflows/journeys/service-reminder';
import { welcome } from '../workflows/journeys/welcome';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { FakeSmsc } from './fakes/smsc';
import { seedCustomer, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually, FROM } from './support/email';
import { event, HOUR, startJourney } from './support/journeys';
import { devServerEnv, startWorker } from './support/temporal';

const CUSTOMERS = 36;
/** Short provider timeouts, so a request that never gets an answer costs seconds, not the defaults' 15-30. */
const TIMEOUT_MS = 1_500;

let env: TestWorkflowEnvironment;
let database: Database & { url: string };
let resend: FakeResend;
let smsc: FakeSmsc;
let worker: Awaited<ReturnType<typeof startWorker>>;
let pg: postgres.Sql;

beforeAll(async () => {
  [env, database, resend, smsc] = await Promise.all([
    devServerEnv(),
    createTestDatabase(),
    startFakeResend({ rateLimit: null }),
    FakeSmsc.start({ login: 'cascade', psw: 'pw' }),
  ]);
  const channels = {
    ...channelsFromEnv(smsc.env({ SMSC_TIMEOUT_MS: String(TIMEOUT_MS) })),
    email: resendChannel({ apiKey: resend.apiKey, from: FROM, baseUrl: resend.url, timeoutMs: TIMEOUT_MS }),
  };
  worker = await startWorker(env, testDeps(database.db, { channels }));
  pg = postgres(database.url, { max: 2, transform: postgres.camel, onnotice: () => {} });
});
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
  await pg?.end();
  await resend?.close();
  await smsc?.close();
  await database?.close();
});

/** Each customer gets a welcome email (marketing), an order confirmation (transactional) and an SMS reminder. */
async function startJourneys(c: string): Promise<void> {
  await seedCustomer(database.db, { id: c, name: 'Anna', email: `delivered+${c}@resend.dev`, phone: phoneOf(c), consent: ['email'] });
  await Promise.all([
    startJourney(env, welcome, c, event('customer.signed_up', {}, `${c}-signup`)),
    startJourney(env, orderConfirmation, c, event('order.placed', { orderId: `${c}-order` }, `${c}-order`)),
    // The reminder is due at once: the appointment is less than a day away.
    startJourney(env, serviceReminder, c, event('appointment.booked', { appointmentId: `${c}-appt`, appointmentAt: new Date(Date.now() + 23 * HOUR).toISOString() }, `${c}-appt`)),
  ]);
}

const phoneOf = (c: string) => `+7916${String(10_000_000 + Number(c.split('-')[1])).slice(1)}`;

describe('a provider storm', () => {
  it('delays messages but sends each exactly once, even those accepted without an answer', { timeout: 240_000 }, async () => {
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `storm-${i}`);
    const [before, during, after] = [customers.slice(0, 12), customers.slice(12, 24), customers.slice(24)];

    await Promise.all(before.map(startJourneys));
    await eventually(async () => resend.emails.length >= 4 && smsc.messages.length >= 2, 60_000, 'sends before the storm');

    // The storm: most requests fail, some pass, so journeys keep getting messages out meanwhile.
    resend.storm([500, 'accept-then-hang', 429, 'pass', 'hang', 'accept-then-drop', 'network', 429, 'pass', 500, 'accept-then-hang']);
    smsc.storm(['accept-then-hang', 'http-500', 'hang', 'pass', 'http-503', 'accept-then-hang', 'error-9', 'pass']);
    await Promise.all(during.map(startJourneys));
    await eventually(async () => resend.stormed >= 40 && smsc.stormed >= 20, 90_000, 'a storm of 40 Resend and 20 SMSC failures');
    resend.recover();
    smsc.recover();
    await Promise.all(after.map(startJourneys));

    // Every message leaves: the ledger says sent for all of them.
    const expected = { email: 2 * CUSTOMERS, sms: CUSTOMERS };
    await eventually(
      async () => (await pg`select 1 from messages where status = 'sent'`).length === expected.email + expected.sms,
      150_000,
      'every message sent',
    );
    const ledger = await pg<Array<{ id: number; idempotencyKey: string; channel: string; status: string; customerId: string; providerMessageId: string }>>`
      select id, idempotency_key, channel, status, customer_id, provider_message_id from messages`;
    expect(ledger.filter((m) => m.status !== 'sent')).toEqual([]);
    expect(ledger.filter((m) => m.channel === 'email')).toHaveLength(expected.email);
    expect(ledger.filter((m) => m.channel === 'sms')).toHaveLength(expected.sms);

    // Resend: one email per ledger row (by Idempotency-Key), to that customer, carrying the id the ledger holds.
    const emails = new Map<string, typeof resend.emails>();
    for (const e of resend.emails) emails.set(e.idempotencyKey ?? '', [...(emails.get(e.idempotencyKey ?? '') ?? []), e]);
    for (const m of ledger.filter((r) => r.channel === 'email')) {
      const got = emails.get(m.idempotencyKey) ?? [];
      expect(got, m.idempotencyKey).toHaveLength(1);
      expect(got[0]!.to).toEqual([`delivered+${m.customerId}@resend.dev`]);
      expect(got[0]!.id).toBe(m.providerMessageId);
    }
    expect(resend.emails).toHaveLength(expected.email);

    // SMSC: one message per ledger row (by our id), to that customer's phone.
    for (const m of ledger.filter((r) => r.channel === 'sms')) {
      expect(smsc.messages.filter((s) => s.id === m.id), String(m.id)).toEqual([expect.objectContaining({ phone: phoneOf(m.customerId).slice(1) })]);
    }
    expect(smsc.messages).toHaveLength(expected.sms);

    // The storm did what it claims: messages accepted without an answer were asked again, and still went once.
    expect(resend.unanswered.length).toBeGreaterThan(0);
    for (const e of resend.unanswered) {
      expect(resend.requests.filter((r) => r.idempotencyKey === e.idempotencyKey).length).toBeGreaterThan(1);
    }
    expect(smsc.unanswered.length).toBeGreaterThan(0);
    for (const s of smsc.unanswered) {
      expect(smsc.statusRequests.some((r) => r.id === String(s.id))).toBe(true);
    }
    const attempts = (key: string) => resend.requests.filter((r) => r.idempotencyKey === key).length;
    console.log(
      `chaos-providers: ${resend.emails.length} emails from ${resend.requests.length} Resend requests ` +
        `(${resend.stormed} stormed, ${resend.unanswered.length} accepted unanswered, up to ${Math.max(...ledger.map((m) => attempts(m.idempotencyKey)))} tries for one); ` +
        `${smsc.messages.length} SMS from ${smsc.sendRequests.length} sends and ${smsc.statusRequests.length} status checks ` +
        `(${smsc.stormed} stormed, ${smsc.unanswered.length} accepted unanswered)`,
    );
  });
});
