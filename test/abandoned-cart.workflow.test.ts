import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { eventSignal } from '../workflows/contract';
import { abandonedCart } from '../workflows/journeys/abandoned-cart';
import { seedCustomer, useCascade } from './support/cascade';
import { DAY, HOUR, event, expectAt, ledger, runRow, startJourney } from './support/journeys';
import { recordHistory } from './support/histories';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));

const cart = (cartId: string, props: Record<string, unknown> = {}) => event('cart.updated', { cartId, ...props });

describe('abandoned cart', () => {
  it('sends four letters: an hour after the cart change, then 3 hours, a day and three days after the one before', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'ac1', ordersPlaced: 2 });
    const handle = await startJourney(env, abandonedCart, 'ac1', cart('c1', { itemCount: 2 }));
    expect(handle.workflowId).toBe('abandoned-cart/ac1/c1');
    expect(await handle.result()).toBe('completed');
    const rows = await ledger(database.db, 'ac1');
    expect(rows.map((m) => [m.channel, m.step, m.template, m.status])).toEqual([
      ['email', 'cart-reminder-1', 'cart-reminder-1', 'sent'],
      ['email', 'cart-reminder-2', 'cart-reminder-2', 'sent'],
      ['email', 'cart-reminder-3', 'cart-reminder-reviews', 'sent'],
      ['email', 'cart-reminder-4', 'cart-reminder-3', 'sent'],
    ]);
    [HOUR, 4 * HOUR, 4 * HOUR + DAY, 4 * HOUR + 4 * DAY].forEach((offset, i) => expectAt(rows[i]!.requestedAt, now + offset));
    expect(rows[0]!.body).toContain('(2 items)');
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'completed', endReason: 'completed' });
    await recordHistory(handle, 'abandoned-cart-no-order');
  });

  it('starts the clock over on a new change to the same cart, and ignores changes to other carts', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'ac2', ordersPlaced: 1 });
    const handle = await startJourney(env, abandonedCart, 'ac2', cart('c2'));
    await env.sleep(2 * HOUR);
    await handle.signal(eventSignal, cart('other-cart'));
    await handle.signal(eventSignal, cart('c2', { itemCount: 5 }));
    expect(await handle.result()).toBe('completed');
    const rows = await ledger(database.db, 'ac2');
    // The first letter went an hour in; the change at 2 hours starts the four over.
    expect(rows.map((m) => m.template)).toEqual(['cart-reminder-1', 'cart-reminder-1', 'cart-reminder-2', 'cart-reminder-reviews', 'cart-reminder-3']);
    expectAt(rows[0]!.requestedAt, now + HOUR);
    const changed = now + 2 * HOUR;
    [HOUR, 4 * HOUR, 4 * HOUR + DAY, 4 * HOUR + 4 * DAY].forEach((offset, i) => expectAt(rows[i + 1]!.requestedAt, changed + offset));
    expect(rows[1]!.body).toContain('(5 items)'); // the reminder speaks of the cart as it is now
    expect(rows.slice(1).every((m) => m.idempotencyKey.includes('/r1/'))).toBe(true);
    await recordHistory(handle, 'abandoned-cart-restarted');
  });

  it('ends at an order for this cart, not at an order for another one', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'ac3', ordersPlaced: 1 });
    const handle = await startJourney(env, abandonedCart, 'ac3', cart('c3'));
    await env.sleep(5 * HOUR);
    await handle.signal(eventSignal, event('order.placed', { orderId: 'o-x', cartId: 'another-cart' }));
    await env.sleep(HOUR);
    const order = event('order.placed', { orderId: 'o-3', cartId: 'c3' });
    await handle.signal(eventSignal, order);
    expect(await handle.result()).toBe('exited: order.placed');
    const rows = await ledger(database.db, 'ac3');
    expect(rows.map((m) => m.template)).toEqual(['cart-reminder-1', 'cart-reminder-2']);
    expectAt(rows[0]!.requestedAt, now + HOUR);
    expectAt(rows[1]!.requestedAt, now + 4 * HOUR);
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'exited', endReason: 'exited: order.placed', conversionEventId: order.id });
    await recordHistory(handle, 'abandoned-cart-ordered');
  });

  it('is not for customers who never ordered (first-order-nudge is theirs)', async () => {
    await seedCustomer(database.db, { id: 'ac4' });
    const handle = await startJourney(env, abandonedCart, 'ac4', cart('c4'));
    expect(await handle.result()).toBe('not entered: never ordered (first-order-nudge)');
    expect(await ledger(database.db, 'ac4')).toHaveLength(0);
  });
});
