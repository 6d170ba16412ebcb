import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { pushTokens } from '../db/schema';
import { localDateTime, parseLocalTime } from '../workflows/dsl/local-time';
import type { Channel } from '../workflows/contract';
import { birthday } from '../workflows/journeys/birthday';
import { seedCustomer, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { DAY, event, expectAt, ledger, startJourney, zoneWhereItIs } from './support/journeys';
import { recordHistory } from './support/histories';
import { startWorker, timeSkippingEnv } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  [env, database] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
  // The wallet app is reached through the webhook channel (the outbox here, as without credentials).
  worker = await startWorker(env, testDeps(database.db, { webhookUrl: 'https://wallet.example.com/hooks/cascade' }));
});
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
  await database?.close();
});

const TEN = parseLocalTime('10:00');
/** The local date in `timeZone` at `ms`, as YYYY-MM-DD. */
const localDate = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(ms));

/** A customer whose birthday is `inDays` days from now on their calendar (born 1990). */
async function customer(id: string, inDays: number, timeZone: string, consent: Channel[], withToken = true) {
  const now = await env.currentTimeMs();
  const day = localDate(now + inDays * DAY, timeZone);
  await seedCustomer(database.db, { id, name: 'Vera', phone: '+7912000' + id.replace(/\D/g, '').padStart(4, '0'), timeZone, birthday: `1990-${day.slice(5)}`, consent });
  if (withToken) await database.db.insert(pushTokens).values({ token: `token-${id}-0123456789`, customerId: id });
  return { now, day, year: day.slice(0, 4), greetAt: localDateTime(day, TEN, timeZone) };
}

const upcoming = (year: string) => event('birthday.upcoming', { year });

describe('birthday greeting', () => {
  it('greets by push at 10:00 on the birthday in the customer zone', async () => {
    const c = await customer('b1', 3, 'Asia/Vladivostok', ['push', 'email', 'webhook', 'sms']);
    const handle = await startJourney(env, birthday, 'b1', upcoming(c.year));
    expect(handle.workflowId).toBe(`birthday/b1/${c.year}`);
    expect(await handle.result()).toBe('completed');
    const rows = await ledger(database.db, 'b1');
    expect(rows.map((m) => [m.channel, m.step, m.status])).toEqual([['push', 'birthday-greeting:push', 'sent']]);
    expectAt(rows[0]!.requestedAt, c.greetAt);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Vladivostok', hour: '2-digit', minute: '2-digit' }).format(rows[0]!.requestedAt)).toBe('10:00');
    expect(rows[0]!.subject).toBe('Happy birthday, Vera!');
    await recordHistory(handle, 'birthday-push');
  });

  it('falls through to email when push is unreachable, without waiting on quiet hours', async () => {
    const c = await customer('b2', 2, 'Europe/Moscow', ['email', 'sms'], false);
    const handle = await startJourney(env, birthday, 'b2', upcoming(c.year));
    await handle.result();
    const rows = await ledger(database.db, 'b2');
    expect(rows.map((m) => [m.channel, m.status, m.skipReason])).toEqual([
      ['push', 'skipped', 'no_consent'],
      ['email', 'sent', null],
    ]);
    rows.forEach((m) => expectAt(m.requestedAt, c.greetAt));
    await recordHistory(handle, 'birthday-email');
  });

  it('reaches the wallet app, then SMS, when those are all that is left', async () => {
    const wallet = await customer('b3', 1, 'Europe/Moscow', ['webhook', 'sms'], false);
    await (await startJourney(env, birthday, 'b3', upcoming(wallet.year))).result();
    expect((await ledger(database.db, 'b3')).map((m) => [m.channel, m.status])).toEqual([
      ['push', 'skipped'],
      ['email', 'skipped'],
      ['webhook', 'sent'],
    ]);
    const sms = await customer('b4', 1, 'Europe/Moscow', ['sms'], false);
    await (await startJourney(env, birthday, 'b4', upcoming(sms.year))).result();
    expect((await ledger(database.db, 'b4')).map((m) => [m.channel, m.status])).toEqual([
      ['push', 'skipped'],
      ['email', 'skipped'],
      ['webhook', 'skipped'],
      ['sms', 'sent'],
    ]);
  });

  it('greets at once when the reminder comes on the day after 10:00, and not at all a day late', async () => {
    const zone = zoneWhereItIs(15, await env.currentTimeMs());
    const today = await customer('b5', 0, zone, ['email'], false);
    expect(await (await startJourney(env, birthday, 'b5', upcoming(today.year))).result()).toBe('completed');
    // Its first row is the push it could not send (no consent): the greeting is the email after it.
    const rows = await ledger(database.db, 'b5');
    expect(rows.map((m) => [m.channel, m.status])).toEqual([['push', 'skipped'], ['email', 'sent']]);
    rows.forEach((m) => expectAt(m.requestedAt, today.now, 30_000));
    const yesterday = await customer('b6', -1, zone, ['email'], false);
    expect(await (await startJourney(env, birthday, 'b6', upcoming(yesterday.year))).result()).toBe('completed: the birthday has passed');
    expect(await ledger(database.db, 'b6')).toHaveLength(0);
  });

  it('needs a birthday on file', async () => {
    await seedCustomer(database.db, { id: 'b7' });
    const handle = await startJourney(env, birthday, 'b7', upcoming('2030'));
    expect(await handle.result()).toBe('not entered: no birthday on file');
  });
});
