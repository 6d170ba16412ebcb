/**
 * Nothing accepted is lost between Postgres and Temporal: an event stored while Temporal is
 * unreachable is answered 503, kept, and routed by the sweeper once Temporal answers again.
 */
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { sweepUnrouted } from '../routing/sweeper';
import type { Database } from '../db/client';
import { events, messages } from '../db/schema';
import { seedCustomer, startTestApi, useCascade } from './support/cascade';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('dev-server', (c) => ({ env, database } = c));

it('keeps an event Temporal could not take, and the sweeper routes it later', async () => {
  await seedCustomer(database.db, { id: 'r1' });
  // A client whose Temporal is down: nothing listens on port 1.
  const deadConnection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '500ms' });
  const deadClient = new Client({ connection: deadConnection });
  const api = await startTestApi(database.db, deadClient);
  try {
    const res = await api.call('/v1/events', { method: 'POST', body: JSON.stringify({ id: 'ev-r1', customerId: 'r1', type: 'customer.signed_up' }) });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'routing_unavailable' } });
  } finally {
    await api.stop();
  }
  const [stored] = await database.db.select().from(events).where(eq(events.id, 'ev-r1'));
  expect(stored).toMatchObject({ type: 'customer.signed_up', routedAt: null });

  // Temporal is back: the sweeper (here called directly, as the API process does on a timer) routes it.
  await database.db.update(events).set({ receivedAt: new Date(Date.now() - 60_000), nextRoutingAt: null }).where(eq(events.id, 'ev-r1'));
  expect(await sweepUnrouted({ db: database.db, client: env.client, taskQueue })).toMatchObject({ routed: 1 });
  await env.client.workflow.getHandle('welcome/r1').query('status');
  const [routed] = await database.db.select().from(events).where(eq(events.id, 'ev-r1'));
  expect(routed?.routedTo).toEqual(['welcome/r1']);
  expect(await sweepUnrouted({ db: database.db, client: env.client, taskQueue })).toEqual({ routed: 0, retrying: 0, deadLettered: 0 });

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
