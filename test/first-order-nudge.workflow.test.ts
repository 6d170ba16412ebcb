import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { eventSignal } from '../workflows/contract';
import { firstOrderNudge } from '../workflows/journeys/first-order-nudge';
import { seedCustomer, useCascade } from './support/cascade';
import { DAY, HOUR, event, expectAt, ledger, runRow, startJourney } from './support/journeys';
import { recordHistory } from './support/histories';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));

const codeIn = (body: string | null) => /FIRST-[A-Z0-9]{6}/.exec(body ?? '')?.[0];

describe('first-order nudge', () => {
  it('sends the ticket game, then after 2 days the same code with picks for the browsed city', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'n1', name: 'Irina', city: 'Moscow' });
    const handle = await startJourney(env, firstOrderNudge, 'n1', event('cart.abandoned', { city: 'Kazan' }));
    expect(await handle.result()).toBe('completed');

    const rows = await ledger(database.db, 'n1');
    expect(rows.map((m) => [m.channel, m.template, m.status])).toEqual([
      ['email', 'first-order-game', 'sent'],
      ['email', 'first-order-city-picks', 'sent'],
    ]);
    expectAt(rows[0]!.requestedAt, now);
    expectAt(rows[1]!.requestedAt, now + 2 * DAY);
    expect(rows[0]!.body!.match(/<summary>Ticket \d<\/summary>/g)).toHaveLength(4);
    expect(codeIn(rows[0]!.body)).toBeDefined();
    expect(codeIn(rows[1]!.body)).toBe(codeIn(rows[0]!.body));
    expect(rows[1]!.subject).toContain('picks for Kazan');
    expect(rows[1]!.body).toContain('Popular in Kazan');
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'completed', endReason: 'completed' });
    await recordHistory(handle, 'first-order-nudge-no-order');
  });

  it("falls back to the profile's city when the event names none", async () => {
    await seedCustomer(database.db, { id: 'n2', city: 'Saint Petersburg' });
    const handle = await startJourney(env, firstOrderNudge, 'n2', event('cart.abandoned'));
    await handle.result();
    const rows = await ledger(database.db, 'n2');
    expect(rows[1]!.body).toContain('Popular in Saint Petersburg');
  });

  it('stops after the game when the first order comes within 2 days, and counts the conversion', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'n3' });
    const handle = await startJourney(env, firstOrderNudge, 'n3', event('cart.abandoned'));
    await env.sleep(30 * HOUR);
    const order = event('order.placed', { orderId: 'o-n3' });
    await handle.signal(eventSignal, order);
    expect(await handle.result()).toBe('exited: order.placed');
    const rows = await ledger(database.db, 'n3');
    expect(rows.map((m) => m.template)).toEqual(['first-order-game']);
    expectAt(rows[0]!.requestedAt, now);
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'exited', endReason: 'exited: order.placed', conversionEventId: order.id });
    await recordHistory(handle, 'first-order-nudge-ordered');
  });

  it('leaves customers who have ordered (theirs is abandoned-cart) and those without email alone', async () => {
    await seedCustomer(database.db, { id: 'n4', ordersPlaced: 1 });
    const ordered = await startJourney(env, firstOrderNudge, 'n4', event('cart.abandoned'));
    expect(await ordered.result()).toBe('not entered: has ordered before (abandoned-cart)');
    await seedCustomer(database.db, { id: 'n5', email: null });
    const noEmail = await startJourney(env, firstOrderNudge, 'n5', event('cart.abandoned'));
    expect(await noEmail.result()).toBe('not entered: no email we may write to');
    expect([...(await ledger(database.db, 'n4')), ...(await ledger(database.db, 'n5'))]).toHaveLength(0);
  });
});
