/**
 * The SMSC adapter inside the real send pipeline, on a real Postgres, against the fake SMSC over
 * HTTP. Retries are played attempt by attempt in Temporal's activity harness, so each test shows
 * what the worker would do on attempt 2, 3… and what it would tell Temporal about the backoff.
 */
import { ApplicationFailure } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { customers, messages, suppressions } from '../db/schema';
import { FakeSmsc } from './fakes/smsc';
import { seedCustomer } from './support/cascade';
import { createTestDatabase } from './support/database';
import { attempt, sendRequest, sendWith } from './support/send-activity';

let database: Database;
let smsc: FakeSmsc;
let send: ReturnType<typeof sendWith>;
let phoneNo = 0;

beforeAll(async () => {
  [database, smsc] = await Promise.all([createTestDatabase(), FakeSmsc.start({ login: 'cascade', psw: 'pw-123' })]);
  send = sendWith(database.db, smsc.env({ SMSC_SENDER: 'Cascade', SMSC_TIMEOUT_MS: '1000' }));
});
afterAll(async () => {
  await smsc?.close();
  await database?.close();
});

async function customer(id: string, phone = `+7912${String(5550000 + ++phoneNo)}`) {
  await seedCustomer(database.db, { id, name: 'Anna', phone });
  return phone;
}

async function ledgerRow(messageId: number) {
  const [row] = await database.db.select().from(messages).where(eq(messages.id, messageId));
  return row!;
}

async function onlyRow(customerId: string) {
  const rows = await database.db.select().from(messages).where(eq(messages.customerId, customerId));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected the attempt to fail');
    },
    (err: Error) => err,
  );
}

const sentTo = (f: FakeSmsc, phone: string) => f.messages.filter((m) => m.phone === phone.slice(1));
const sendsTo = (f: FakeSmsc, phone: string) => f.sendRequests.filter((r) => r.phones === phone.slice(1));

describe('SMS through SMSC', () => {
  it('sends one SMS in the documented form, with our ledger id as SMSC id, and records it', async () => {
    const phone = await customer('s-ok');
    const result = await attempt(send, sendRequest('s-ok', 'sms', { code: '1234' }));
    expect(result).toMatchObject({ status: 'sent', channel: 'sms' });
    const messageId = (result as { messageId: number }).messageId;
    expect(sendsTo(smsc, phone)).toEqual([
      { login: 'cascade', psw: 'pw-123', id: String(messageId), phones: phone.slice(1), mes: 'Hi Anna, your code is 1234.', sender: 'Cascade', fmt: '3', charset: 'utf-8' },
    ]);
    expect(sentTo(smsc, phone)).toHaveLength(1);
    expect(await ledgerRow(messageId)).toMatchObject({ status: 'sent', provider: 'smsc', providerMessageId: String(messageId) });
  });

  // Attempt 1 again: a local activity run anew after its worker died, or a send moving on from its
  // local tries to its regular activity. The ledger, not the attempt number, says it was tried.
  it.each([['hang', 2], ['drop', 2], ['drop', 1]] as const)(
    'SMSC accepted but the answer was lost (%s), and the next try is attempt %i: it asks status.php and does not send again',
    async (mode, next) => {
      const id = `s-lost-${mode}-${next}`;
      const phone = await customer(id);
      const req = sendRequest(id, 'sms', { code: '42' });
      smsc.holdNextAccepts(mode);
      const first = await failure(attempt(send, req, 1));
      expect(first.name).toBe('SmscUnreachableError');
      expect((await onlyRow(id)).status).toBe('pending');
      expect(sentTo(smsc, phone)).toHaveLength(1);

      const statusChecksBefore = smsc.statusRequests.length;
      const second = await attempt(send, req, next);
      expect(second).toMatchObject({ status: 'sent' });
      expect(smsc.statusRequests.length).toBe(statusChecksBefore + 1);
      expect(smsc.statusRequests.at(-1)).toMatchObject({ id: String((await onlyRow(id)).id), phone: phone.slice(1) });
      expect(sendsTo(smsc, phone)).toHaveLength(1);
      expect(sentTo(smsc, phone)).toHaveLength(1);
      expect((await onlyRow(id)).status).toBe('sent');
    },
  );

  it('SMSC still says "not found" just after accepting: error 9 holds the resend back, the next retry finds it', async () => {
    let clock = Date.now();
    const lagging = await FakeSmsc.start({ login: 'cascade', psw: 'pw-123', statusLagMs: 5_000, now: () => clock });
    try {
      const sendLagging = sendWith(database.db, lagging.env({ SMSC_TIMEOUT_MS: '1000' }));
      const phone = await customer('s-lag');
      const req = sendRequest('s-lag', 'sms', { code: '7' });
      lagging.holdNextAccepts('hang');
      await failure(attempt(sendLagging, req, 1));

      clock += 2_000; // the retry comes 2 s later; SMSC does not show the message yet
      const second = await failure(attempt(sendLagging, req, 2));
      expect(second).toBeInstanceOf(ApplicationFailure);
      expect(second.message).toMatch(/error 9/);
      expect((second as ApplicationFailure).nonRetryable).toBe(false);
      expect(Number((second as ApplicationFailure).nextRetryDelay)).toBeGreaterThanOrEqual(60_000);
      expect(lagging.sendRequests).toHaveLength(2);

      clock += 65_000;
      expect(await attempt(sendLagging, req, 3)).toMatchObject({ status: 'sent' });
      expect(lagging.sendRequests).toHaveLength(2);
      expect(sentTo(lagging, phone)).toHaveLength(1);
    } finally {
      await lagging.close();
    }
  });

  it.each([
    [9, 60_000],
    [4, 30_000],
  ])('error %i: retried after a backoff of at least %i ms, delivered once', async (code, floor) => {
    const id = `s-backoff-${code}`;
    const phone = await customer(id);
    const req = sendRequest(id, 'sms', { code: '1' });
    smsc.failNextSends(code);
    const first = (await failure(attempt(send, req, 1))) as ApplicationFailure;
    expect(first).toBeInstanceOf(ApplicationFailure);
    expect(first.type).toBe('TransientSendError');
    expect(first.nonRetryable).toBe(false);
    expect(Number(first.nextRetryDelay)).toBeGreaterThanOrEqual(floor);
    expect(sentTo(smsc, phone)).toHaveLength(0);

    expect(await attempt(send, req, 2)).toMatchObject({ status: 'sent' });
    expect(sentTo(smsc, phone)).toHaveLength(1);
    expect((await onlyRow(id)).status).toBe('sent');
  });

  it.each([7, 8])('error %i: the journey sees skipped invalid_contact, the number is suppressed, the next send skipped', async (code) => {
    const id = `s-invalid-${code}`;
    const phone = await customer(id);
    smsc.failPhone(phone, code);
    const result = await attempt(send, sendRequest(id, 'sms', { code: '1' }));
    expect(result).toMatchObject({ status: 'skipped', reason: 'invalid_contact' });
    expect((await onlyRow(id))).toMatchObject({ status: 'skipped', skipReason: 'invalid_contact', error: expect.stringContaining(`error ${code}`) });
    const suppressed = await database.db.select().from(suppressions).where(and(eq(suppressions.channel, 'sms'), eq(suppressions.address, phone)));
    expect(suppressed).toMatchObject([{ reason: 'invalid' }]);

    const requestsBefore = sendsTo(smsc, phone).length;
    expect(await attempt(send, sendRequest(id, 'sms', { code: '2' }))).toMatchObject({ status: 'skipped', reason: 'suppressed' });
    expect(sendsTo(smsc, phone)).toHaveLength(requestsBefore);
  });

  it('error 2 (bad login): fails for good with a clear reason in the ledger', async () => {
    const phone = await customer('s-auth');
    const badLogin = sendWith(database.db, { ...smsc.env(), SMSC_PASSWORD: 'wrong' });
    const err = (await failure(attempt(badLogin, sendRequest('s-auth', 'sms', { code: '1' })))) as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe('smsc: SMSC send.php error 2: authorise error [provider:auth]');
    expect(await onlyRow('s-auth')).toMatchObject({ status: 'failed', error: 'SMSC send.php error 2: authorise error [provider:auth]' });
    expect(sentTo(smsc, phone)).toHaveLength(0);
  });

  it('a stored phone that is not a valid number is an invalid contact, and SMSC is never called', async () => {
    await seedCustomer(database.db, { id: 's-badphone', phone: '+7000' });
    const before = smsc.sendRequests.length;
    expect(await attempt(send, sendRequest('s-badphone', 'sms'))).toMatchObject({ status: 'skipped', reason: 'invalid_contact' });
    expect(smsc.sendRequests).toHaveLength(before);
    const [row] = await database.db.select().from(customers).where(eq(customers.id, 's-badphone'));
    expect(row?.phone).toBe('+7000');
  });

  it('works with an API key instead of login and password', async () => {
    const keyed = await FakeSmsc.start({ apikey: 'key-xyz' });
    try {
      const phone = await customer('s-apikey');
      expect(await attempt(sendWith(database.db, keyed.env()), sendRequest('s-apikey', 'sms'))).toMatchObject({ status: 'sent' });
      expect(keyed.sendRequests[0]).toMatchObject({ apikey: 'key-xyz', phones: phone.slice(1) });
      expect(keyed.sendRequests[0]).not.toHaveProperty('login');
    } finally {
      await keyed.close();
    }
  });
});
