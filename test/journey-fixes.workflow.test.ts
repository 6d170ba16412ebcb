/**
 * Behaviours of the run loop that were wrong, each on the real journeys and the time-skipping server:
 * a cart changed again in the goal window after the last reminder starts the reminders over, an exit
 * stored before the run started ends it before it sends, and a trigger with bad data fails its run
 * (recorded) instead of failing its workflow task for ever.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { eventSignal } from '../workflows/contract';
import { abandonedCart } from '../workflows/journeys/abandoned-cart';
import { birthday } from '../workflows/journeys/birthday';
import { welcome } from '../workflows/journeys/welcome';
import { events } from '../db/schema';
import { seedCustomer, useCascade } from './support/cascade';
import { DAY, HOUR, event, expectAt, ledger, runRow, startJourney, triggerInput } from './support/journeys';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));

describe('the goal window', () => {
  it('a cart change after the last reminder starts the reminders over', async () => {
    await seedCustomer(database.db, { id: 'gw1', ordersPlaced: 1 });
    const handle = await startJourney(env, abandonedCart, 'gw1', event('cart.updated', { cartId: 'g1' }));
    await env.sleep(4 * DAY + 6 * HOUR); // all four letters sent; waiting out the 3-day goal window
    expect((await ledger(database.db, 'gw1')).map((m) => m.template)).toHaveLength(4);
    const changedAt = await env.currentTimeMs();
    await handle.signal(eventSignal, event('cart.updated', { cartId: 'g1', itemCount: 4 }));
    expect(await handle.result()).toBe('completed');
    const rows = await ledger(database.db, 'gw1');
    const four = ['cart-reminder-1', 'cart-reminder-2', 'cart-reminder-reviews', 'cart-reminder-3'];
    expect(rows.map((m) => m.template)).toEqual([...four, ...four]);
    expectAt(rows[4]!.requestedAt, changedAt + HOUR, 10_000);
    expect(rows.slice(4).every((m) => m.idempotencyKey.includes('/r1/'))).toBe(true);
  });
});

describe('events stored before the run started', () => {
  it('an order stored while the welcome run was starting ends it before anything is sent', async () => {
    await seedCustomer(database.db, { id: 'early1' });
    const signup = event('customer.signed_up', {}, 'signup-early1');
    const order = { ...event('order.placed', { orderId: 'o-early1' }, 'order-early1'), occurredAt: new Date(Date.now() + 1000).toISOString() };
    // Both stored (and the order routed) before the run records itself, as when the two race.
    for (const e of [signup, order]) {
      await database.db.insert(events).values({ id: e.id, customerId: 'early1', type: e.type, properties: e.properties, occurredAt: new Date(e.occurredAt), routedAt: new Date(), routedTo: [] });
    }
    const handle = await startJourney(env, welcome, 'early1', signup);
    expect(await handle.result()).toBe('exited: order.placed');
    expect(await ledger(database.db, 'early1')).toHaveLength(0);
  });
});

describe('bad trigger data', () => {
  it('a birthday.upcoming with a year that is not a year fails the run, recorded, not its task for ever', async () => {
    await seedCustomer(database.db, { id: 'by1', birthday: '1990-05-05' });
    // The API refuses such an event (trigger properties); an older or foreign producer may still start one.
    const handle = await env.client.workflow.start(birthday, {
      workflowId: 'birthday/by1/next',
      taskQueue,
      args: [triggerInput('by1', event('birthday.upcoming', { year: 'next' }), 'next')],
    });
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(await runRow(database.db, 'birthday/by1/next')).toMatchObject({ status: 'failed', endReason: expect.stringMatching(/^failed: /) });
  });
});
