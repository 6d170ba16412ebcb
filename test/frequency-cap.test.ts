/**
 * The frequency cap holds across journeys under concurrency: three marketing journeys race to email
 * one customer at the same moment with a cap of one email a day; one wins. A transactional order
 * confirmation still goes.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCaps } from '../contactability/caps';
import type { Database } from '../db/client';
import { firstOrderNudge } from '../workflows/journeys/first-order-nudge';
import { orderConfirmation } from '../workflows/journeys/order-confirmation';
import { reactivation } from '../workflows/journeys/reactivation';
import { welcome } from '../workflows/journeys/welcome';
import { seedCustomer, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { event, eventually, ledger, startJourney } from './support/journeys';
import { devServerEnv, startWorker } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  [env, database] = await Promise.all([devServerEnv(), createTestDatabase()]);
  worker = await startWorker(env, testDeps(database.db, { caps: parseCaps('email:1/1d') }));
});
afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
  await database?.close();
});

it('lets one of three racing marketing emails through a cap of one a day, and the transactional one too', async () => {
  await seedCustomer(database.db, { id: 'capped', consent: ['email'] });
  await Promise.all([
    startJourney(env, welcome, 'capped', event('customer.signed_up')),
    startJourney(env, firstOrderNudge, 'capped', event('cart.abandoned', { cartId: 'k1', city: 'Kazan' })),
    startJourney(env, reactivation, 'capped', event('customer.pre_churn')),
  ]);
  const marketing = await eventually(async () => {
    const rows = (await ledger(database.db, 'capped')).filter((m) => m.channel === 'email');
    return rows.length === 3 && rows.every((m) => m.status !== 'pending') ? rows : undefined;
  });
  expect(marketing.filter((m) => m.status === 'sent')).toHaveLength(1);
  expect(marketing.filter((m) => m.status === 'skipped').map((m) => m.skipReason)).toEqual(['frequency_cap', 'frequency_cap']);

  await (await startJourney(env, orderConfirmation, 'capped', event('order.placed', { orderId: 'A-1' }))).result();
  const confirmation = (await ledger(database.db, 'capped')).filter((m) => m.journey === 'order-confirmation');
  expect(confirmation.map((m) => [m.status, m.transactional])).toEqual([['sent', true]]);
});
