/**
 * A running run of a paused journey holds its sends: nothing is decided or sent while paused, and
 * on resume each held send goes once, at the time it goes. On the time-skipping server, so a run can
 * reach a send hours away; the pause is the operator's row, as the API writes it
 * (test/journey-controls.test.ts drives the routes).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { changeJourneySettings } from '../db/queries/journey-settings';
import { journeyControls } from '../journey-controls/settings';
import { eventSignal, statusQuery } from '../workflows/contract';
import { abandonedCart } from '../workflows/journeys/abandoned-cart';
import { seedCustomer, useCascade } from './support/cascade';
import { HOUR, event, eventually, ledger, runRow, startJourney } from './support/journeys';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));

async function setPaused(paused: boolean) {
  await changeJourneySettings(database.db, 'abandoned-cart', { paused });
  await journeyControls(database.db).refresh();
}

describe('a paused journey’s running runs', () => {
  it('hold their sends while paused and send each once on resume, at the time it goes', async () => {
    const db = database.db;
    await seedCustomer(db, { id: 'held-1', ordersPlaced: 1 });
    const handle = await startJourney(env, abandonedCart, 'held-1', event('cart.updated', { cartId: 'h1' }));
    await setPaused(true);

    // Past the first reminder's time: the run asks, is told to hold, and nothing is decided or sent.
    await env.sleep(4 * HOUR);
    expect(await ledger(db, 'held-1')).toEqual([]);
    const held = await handle.query(statusQuery);
    expect(held.step).toBe('cart-reminder-1 (held: journey paused)');
    expect(held.waiting.for).toBe('time');

    const resumedAt = await env.currentTimeMs();
    await setPaused(false);
    await env.sleep(2 * 60_000); // a held send asks again at least once a minute
    const sent = await eventually(async () => {
      const rows = await ledger(db, 'held-1');
      return rows.length ? rows : undefined;
    });
    expect(sent.map((m) => [m.template, m.status])).toEqual([['cart-reminder-1', 'sent']]);
    expect(sent[0]!.requestedAt.getTime()).toBeGreaterThanOrEqual(resumedAt);
    expect((await handle.query(statusQuery)).step).toBe('cart-reminder-1');

    // The order ends the run as usual; the reminder went once.
    await handle.signal(eventSignal, event('order.placed', { orderId: 'o-h1', cartId: 'h1' }));
    expect(await handle.result()).toBe('exited: order.placed');
    expect((await ledger(db, 'held-1')).map((m) => m.template)).toEqual(['cart-reminder-1']);
    expect(await runRow(db, handle.workflowId)).toMatchObject({ status: 'exited' });
  });

  it('an exit ends a held send’s wait', async () => {
    const db = database.db;
    await seedCustomer(db, { id: 'held-2', ordersPlaced: 1 });
    const handle = await startJourney(env, abandonedCart, 'held-2', event('cart.updated', { cartId: 'h2' }));
    await setPaused(true);
    await env.sleep(4 * HOUR);
    expect((await handle.query(statusQuery)).step).toBe('cart-reminder-1 (held: journey paused)');
    await handle.signal(eventSignal, event('order.placed', { orderId: 'o-h2', cartId: 'h2' }));
    expect(await handle.result()).toBe('exited: order.placed');
    await setPaused(false);
    expect(await ledger(db, 'held-2')).toEqual([]);
  });
});
