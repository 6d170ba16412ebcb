/**
 * Acceptance apart from routing, on real parts (Temporal dev server, Postgres, the API over HTTP):
 * an event is answered 202 once stored and its runs start without the caller waiting; a burst stored
 * while no router runs shows as a backlog in /metrics, and two routers sharing it route every event
 * once, each customer's in the order they were posted; a customer whose routing is held up does not
 * hold up the others.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { events } from '../db/schema';
import { startRouter } from '../routing/router';
import { inParallel } from '../lib/in-parallel';
import { seedCustomer, startTestApi, useCascade } from './support/cascade';
import { eventually } from './support/journeys';
import { sampleValue } from './support/prometheus';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
let api: Awaited<ReturnType<typeof startTestApi>>;
useCascade('dev-server', (c) => ({ env, database } = c));
// No router in the API: each test starts the routers it means to have.
beforeAll(async () => void (api = await startTestApi(database.db, env.client, { router: false })));
afterAll(() => api?.stop());
const deps = () => ({ db: database.db, client: env.client, taskQueue });

const post = (call: typeof fetch, body: Record<string, unknown>, query = '') => call(`/v1/events${query}`, { method: 'POST', body: JSON.stringify(body) });

describe('202 once stored, routed by the router', () => {
  it('answers before routing, then the run starts and the event is marked routed', async () => {
    await seedCustomer(database.db, { id: 'a1' });
    const res = await post(api.call, { id: 'a1-signup', customerId: 'a1', type: 'customer.signed_up' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: 'a1-signup', duplicate: false, workflows: [], routing: 'pending' });
    const router = startRouter(deps());
    const [row] = await eventually(async () => {
      const rows = await database.db.select().from(events).where(eq(events.id, 'a1-signup'));
      return rows[0]?.routedAt ? rows : undefined;
    }).finally(() => router.stop());
    expect(row!.routedTo).toEqual(['welcome/a1']);
    expect((await env.client.workflow.getHandle('welcome/a1').describe()).status.name).toBe('RUNNING');
    // The same id again, once routed: 200 with the runs it reached.
    const again = await post(api.call, { id: 'a1-signup', customerId: 'a1', type: 'customer.signed_up' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true, workflows: ['welcome/a1'], routing: 'routed' });
  });

  it('drains a burst stored while no router ran: nothing lost, each customer in posting order, the backlog in /metrics', async () => {
    const customers = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
    const perCustomer = 8;
    for (const id of customers) await seedCustomer(database.db, { id, ordersPlaced: 1 });
      // Each customer's cart changes posted one after another, a customer at a time: a batch of 10 then
    // holds several events of one customer, and a customer's events are split between the routers.
    await inParallel(customers, 1, async (id) => {
      for (let n = 0; n < perCustomer; n++) {
        const res = await post(api.call, { id: `${id}-cart-${n}`, customerId: id, type: 'cart.updated', properties: { cartId: `cart-${id}`, n } });
        expect(res.status).toBe(202);
      }
    });
    const metrics = await (await api.call('/metrics')).text();
    expect(sampleValue(metrics, 'cascade_unrouted_events')).toBe(customers.length * perCustomer);
    expect(sampleValue(metrics, 'cascade_unrouted_event_age_seconds')).toBeGreaterThan(0);

    // Two routers share the backlog, in small batches so that both take part of every customer's events.
    const routers = [startRouter(deps(), { batch: 10 }), startRouter(deps(), { batch: 10 })];
    try {
      await eventually(async () => ((await database.db.select().from(events).where(isNull(events.routedAt))).length === 0 ? true : undefined), 60_000);
    } finally {
      await Promise.all(routers.map((r) => r.stop()));
    }
    const after = await (await api.call('/metrics')).text();
    expect(sampleValue(after, 'cascade_events_routed_total')).toBeGreaterThanOrEqual(customers.length * perCustomer);
    for (const id of customers) {
      const rows = await database.db.select().from(events).where(eq(events.customerId, id)).orderBy(asc(events.seq));
      expect(rows.map((r) => r.deadLetteredAt)).toEqual(rows.map(() => null));
      // The run saw the cart changes in the order they were posted: its history's signals, in order.
      const history = await env.client.workflow.getHandle(`abandoned-cart/${id}/cart-${id}`).fetchHistory();
      const seen = (history.events ?? [])
        .map((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0])
        .filter((p) => p !== undefined)
        .map((p) => defaultPayloadConverter.fromPayload<{ id: string }>(p!).id);
      expect(seen).toEqual(Array.from({ length: perCustomer }, (_, n) => `${id}-cart-${n}`));
    }
  });

  it('routes other customers while one customer\'s routing is held up: no pass waits for its slowest customer', async () => {
    for (const id of ['slow', 'quick-1', 'quick-2', 'quick-3']) await seedCustomer(database.db, { id });
    // Another process holds the slow customer's routing lock (db/queries/customer-lock.ts) and
    // keeps it until the end of the test.
    let release: () => void = () => {};
    const held = new Promise<void>((done) => (release = done));
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((done) => (locked = done));
    const holder = database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(7234, hashtext('slow'))`);
      locked();
      await held;
    });
    await isLocked;
    const router = startRouter(deps());
    try {
      expect((await post(api.call, { id: 'slow-signup', customerId: 'slow', type: 'customer.signed_up' })).status).toBe(202);
      // The router has claimed it and waits on the lock.
      await eventually(async () => ((await database.db.select().from(events).where(eq(events.id, 'slow-signup')))[0]?.nextRoutingAt ? true : undefined));
      for (const id of ['quick-1', 'quick-2', 'quick-3']) {
        expect((await post(api.call, { id: `${id}-signup`, customerId: id, type: 'customer.signed_up' })).status).toBe(202);
      }
      await eventually(async () => {
        const rows = await database.db.select().from(events).where(inArray(events.customerId, ['slow', 'quick-1', 'quick-2', 'quick-3']));
        const routed = rows.filter((r) => r.routedAt).map((r) => r.customerId).sort();
        return routed.join() === 'quick-1,quick-2,quick-3' ? true : undefined;
      });
      release();
      await holder;
      await eventually(async () => ((await database.db.select().from(events).where(eq(events.id, 'slow-signup')))[0]?.routedAt ? true : undefined));
    } finally {
      release();
      await router.stop();
    }
  });
});

