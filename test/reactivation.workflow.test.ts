import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { pushTokens } from '../db/schema';
import { eventSignal } from '../workflows/contract';
import type { Channel } from '../workflows/contract';
import { reactivation } from '../workflows/journeys/reactivation';
import { seedCustomer, useCascade } from './support/cascade';
import { DAY, HOUR, event, expectAt, ledger, runRow, startJourney, zoneWhereItIs } from './support/journeys';
import { recordHistory } from './support/histories';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));

/** A regular who has gone quiet, at `localHour` on their clock now. */
async function regular(id: string, localHour: number) {
  const now = await env.currentTimeMs();
  await seedCustomer(database.db, { id, name: 'Pavel', phone: '+7912345' + id.replace(/\D/g, '').padStart(4, '0'), ordersPlaced: 3, timeZone: zoneWhereItIs(localHour, now) });
  await database.db.insert(pushTokens).values({ token: `token-${id}-0123456789`, customerId: id });
  return now;
}

const opened = (step: string, channel: Channel, journey = 'reactivation') =>
  event('message.opened', { messageId: 1, channel, step, journey, template: 'x' });

describe('reactivation cascade', () => {
  it('offers by email and push at once, and by SMS after 2 days without a reaction or an order', async () => {
    const now = await regular('r1', 12);
    const handle = await startJourney(env, reactivation, 'r1', event('customer.pre_churn'));
    await env.sleep(3 * HOUR);
    // An open of some other journey's email is not a reaction to this offer.
    await handle.signal(eventSignal, opened('welcome-hello', 'email', 'welcome'));
    expect(await handle.result()).toBe('completed');
    const rows = await ledger(database.db, 'r1');
    expect(rows.map((m) => [m.step, m.channel, m.status])).toEqual([
      ['offer-email', 'email', 'sent'],
      ['offer-push', 'push', 'sent'],
      ['offer-sms', 'sms', 'sent'],
    ]);
    expectAt(rows[0]!.requestedAt, now);
    expectAt(rows[1]!.requestedAt, now);
    expectAt(rows[2]!.requestedAt, now + 2 * DAY);
    const code = /BACK-[A-Z0-9]{6}/.exec(rows[0]!.body!)?.[0];
    expect(code).toBeDefined();
    expect(rows.every((m) => m.body!.includes(code!))).toBe(true);
    await recordHistory(handle, 'reactivation-no-reaction');
  });

  it('sends no SMS when the email is opened or the push clicked', async () => {
    await regular('r2', 12);
    const viaEmail = await startJourney(env, reactivation, 'r2', event('customer.pre_churn'));
    await env.sleep(5 * HOUR);
    await viaEmail.signal(eventSignal, opened('offer-email', 'email'));
    expect(await viaEmail.result()).toBe('completed: reacted: message.opened');
    expect((await ledger(database.db, 'r2')).map((m) => m.step)).toEqual(['offer-email', 'offer-push']);
    await recordHistory(viaEmail, 'reactivation-opened');

    await regular('r3', 12);
    const viaPush = await startJourney(env, reactivation, 'r3', event('customer.pre_churn'));
    await env.sleep(40 * HOUR);
    await viaPush.signal(eventSignal, event('message.clicked', { messageId: 2, channel: 'push', step: 'offer-push', journey: 'reactivation' }));
    expect(await viaPush.result()).toBe('completed: reacted: message.clicked');
    expect((await ledger(database.db, 'r3')).map((m) => m.step)).toEqual(['offer-email', 'offer-push']);
  });

  it('ends at an order from a store, with no SMS after it', async () => {
    await regular('r4', 12);
    const handle = await startJourney(env, reactivation, 'r4', event('customer.pre_churn'));
    await env.sleep(20 * HOUR);
    const order = event('order.placed', { orderId: 'store-1', source: 'offline' });
    await handle.signal(eventSignal, order);
    expect(await handle.result()).toBe('exited: order.placed');
    expect((await ledger(database.db, 'r4')).map((m) => m.step)).toEqual(['offer-email', 'offer-push']);
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'exited', endReason: 'exited: order.placed', conversionEventId: order.id });
    await recordHistory(handle, 'reactivation-offline-order');
  });

  it('keeps push and SMS out of the night: at 23:00 the push waits for 09:00, the SMS 2 days after it', async () => {
    const now = await regular('r5', 23);
    const handle = await startJourney(env, reactivation, 'r5', event('customer.pre_churn'));
    await handle.result();
    const rows = await ledger(database.db, 'r5');
    expect(rows.map((m) => m.step)).toEqual(['offer-email', 'offer-push', 'offer-sms']);
    const nine = now + 10 * HOUR - (now % HOUR); // 23:mm local now, so 09:00 is 10 hours after the hour
    expectAt(rows[0]!.requestedAt, now);
    expectAt(rows[1]!.requestedAt, nine);
    expectAt(rows[2]!.requestedAt, nine + 2 * DAY);
  });

  it('does not start for a customer who ordered after the pre-churn check', async () => {
    await regular('r6', 12);
    const trigger = { ...event('customer.pre_churn'), occurredAt: new Date(Date.now() - 60 * DAY).toISOString() };
    const handle = await startJourney(env, reactivation, 'r6', trigger);
    expect(await handle.result()).toBe('not entered: ordered since the pre-churn check');
    expect(await ledger(database.db, 'r6')).toHaveLength(0);
  });
});
