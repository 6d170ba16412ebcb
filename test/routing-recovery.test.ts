/**
 * Nothing accepted is lost between Postgres and Temporal: while Temporal is unreachable an event is
 * still stored and answered 202 (or 503 to a caller who waits for routing), and the router routes it
 * once Temporal answers again.
 */
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { routeDue } from '../routing/router';
import type { Database } from '../db/client';
import { events, messages } from '../db/schema';
import { seedCustomer, startTestApi, useCascade } from './support/cascade';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('dev-server', (c) => ({ env, database } = c));

it('keeps an event Temporal could not take, and the router routes it later', async () => {
  await seedCustomer(database.db, { id: 'r1' });
  // A client whose Temporal is down: nothing listens on port 1.
  const deadConnection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '500ms' });
  const deadClient = new Client({ connection: deadConnection });
  const api = await startTestApi(database.db, deadClient);
  try {
    const accepted = await api.call('/v1/events', { method: 'POST', body: JSON.stringify({ id: 'ev-r1', customerId: 'r1', type: 'customer.signed_up' }) });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ id: 'ev-r1', routing: 'pending', workflows: [] });
    // A caller who waits for routing hears that it did not happen, and that the event is kept.
    const waited = await api.call('/v1/events?wait=routed', { method: 'POST', body: JSON.stringify({ id: 'ev-r1-cart', customerId: 'r1', type: 'cart.updated', properties: { cartId: 'k1' } }) });
    expect(waited.status).toBe(503);
    expect(await waited.json()).toMatchObject({ error: { code: 'routing_unavailable' } });
    // An event no journey hears needs no Temporal: stored as routed, in the same statement.
    const page = await api.call('/v1/events?wait=routed', { method: 'POST', body: JSON.stringify({ id: 'ev-r1-page', customerId: 'r1', type: 'page.viewed' }) });
    expect(page.status).toBe(202);
    expect(await page.json()).toMatchObject({ id: 'ev-r1-page', routing: 'routed', workflows: [] });
  } finally {
    await api.stop();
  }
  const stored = await database.db.select().from(events).where(eq(events.customerId, 'r1')).orderBy(events.seq);
  expect(stored.map((e) => [e.id, e.routedAt === null])).toEqual([['ev-r1', true], ['ev-r1-cart', true], ['ev-r1-page', false]]);
  expect(stored[0]!.routingAttempts).toBeGreaterThan(0);

  // Temporal is back: a router (here one pass, called directly, as the API's router loop does) routes
  // both, in the order they came, once their backoff is over.
  await database.db.update(events).set({ nextRoutingAt: null }).where(eq(events.customerId, 'r1'));
  expect(await routeDue({ db: database.db, client: env.client, taskQueue })).toMatchObject({ routed: 2 });
  await env.client.workflow.getHandle('welcome/r1').query('status');
  const [routed] = await database.db.select().from(events).where(eq(events.id, 'ev-r1'));
  expect(routed?.routedTo).toEqual(['welcome/r1']);
  expect(await routeDue({ db: database.db, client: env.client, taskQueue })).toEqual({ routed: 0, retrying: 0, deadLettered: 0, claimed: 0 });

  for (let i = 0; i < 100; i++) {
    const sent = await database.db.select().from(messages).where(eq(messages.customerId, 'r1'));
    if (sent.length) {
      expect(sent.map((m) => m.step)).toEqual(['welcome-hello']);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the welcome email never went out');
});
