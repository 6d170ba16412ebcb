/**
 * The API killed while events stream in. The API runs in a process of its own (the real `npm run
 * api` entry, test/support/api-process.ts) on the Temporal dev server and a real Postgres; the
 * worker runs here. A client streams each customer's events in order (sign-up, a page view, three
 * cart changes, another page view, an order), many customers at once, and behaves like a product
 * system: it retries every event it got no answer for (a cut connection, a refused one, a 5xx) with
 * the same id, and sends a customer's next event only after the previous one was accepted. The API
 * is killed with SIGKILL three times mid-stream and started again.
 *
 * What the product team would check afterwards: every event stored once, routed, and seen by its
 * runs in the order it was sent; one welcome run, one cart run and one order confirmation per
 * customer; each message once in the ledger.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { journeyWorkflowId } from '../workflows/contract';
import { apiProcess, type ApiProcess } from './support/api-process';
import { seedCustomer, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually } from './support/email';
import { eventsSeenBy } from './support/run-events';
import { devServerEnv, startWorker, taskQueue } from './support/temporal';

const CUSTOMERS = 40;
const CONCURRENCY = 12;
const KILL_AT = [0.2, 0.45, 0.7];

let env: TestWorkflowEnvironment;
let database: Database & { url: string };
let worker: Awaited<ReturnType<typeof startWorker>>;
let api: ApiProcess;
let pg: postgres.Sql;

beforeAll(async () => {
  [env, database] = await Promise.all([devServerEnv(), createTestDatabase()]);
  worker = await startWorker(env, testDeps(database.db));
  api = await apiProcess({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue });
  pg = postgres(database.url, { max: 2, transform: postgres.camel, onnotice: () => {} });
  await api.start();
});
afterAll(async () => {
  await api?.kill();
  await pg?.end();
  await worker?.stop();
  await env?.teardown();
  await database?.close();
});

interface SentEvent {
  id: string;
  customerId: string;
  type: string;
  properties: Record<string, unknown>;
}

function eventsOf(c: string): SentEvent[] {
  const e = (id: string, type: string, properties: Record<string, unknown> = {}) => ({ id: `${c}-${id}`, customerId: c, type, properties });
  const cart = { cartId: `${c}-cart` };
  return [
    e('signup', 'customer.signed_up'),
    e('page-1', 'page.viewed', { path: '/tyres' }),
    e('cart-1', 'cart.updated', cart),
    e('cart-2', 'cart.updated', cart),
    e('cart-3', 'cart.updated', cart),
    e('page-2', 'page.viewed', { path: '/checkout' }),
    e('order', 'order.placed', { orderId: `${c}-order`, total: 4200 }),
  ];
}

/** The runs a customer's events reach, named by the lifecycle's id rule. */
const runsOf = (c: string) => ({
  welcome: journeyWorkflowId('welcome', c),
  cart: journeyWorkflowId('abandoned-cart', c, `${c}-cart`),
  // Every order is a run of its own, keyed by the event.
  confirmation: journeyWorkflowId('order-confirmation', c, `${c}-order`),
});

/** What the client saw: answers per event, and how often it had to try again. */
const tally = { answered: 0, duplicates: 0, cut: 0, refused: 0, unavailable: 0, retriedIds: new Set<string>() };

/** POSTs one event until the API answers 2xx, as a product system with an outbox would. */
async function deliver(event: SentEvent): Promise<number> {
  for (;;) {
    let status: number;
    try {
      const res = await fetch(`${api.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      const body = await res.text();
      if (status >= 400 && status < 500) throw new Error(`${event.id}: ${status} ${body}`);
    } catch (err) {
      if ((err as Error).message.startsWith(`${event.id}:`)) throw err;
      const refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      if (refused) tally.refused++;
      else tally.cut++;
      tally.retriedIds.add(event.id);
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    if (status < 300) {
      tally.answered++;
      if (status === 200) tally.duplicates++; // stored by a try whose answer was lost
      return status;
    }
    tally.unavailable++; // 503: stored, not routed in time; the same id again
    tally.retriedIds.add(event.id);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stream(customers: string[]): Promise<void> {
  const queue = [...customers];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        for (const event of eventsOf(c)) await deliver(event);
      }
    }),
  );
}

const restarts: number[] = [];

async function killAndRestart(total: number): Promise<number> {
  let kills = 0;
  for (const share of KILL_AT) {
    await eventually(async () => tally.answered >= share * total, 120_000, `${share * 100}% of events answered`);
    await api.kill();
    kills++;
    const down = Date.now();
    await api.start();
    restarts.push(Date.now() - down);
  }
  return kills;
}

describe('the API killed while events stream in', () => {
  it('loses no accepted event, stores each once, and runs see them once and in order', { timeout: 240_000 }, async () => {
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `chaos-${i}`);
    // A past order, so the abandoned-cart journey admits them (first-time buyers get first-order-nudge).
    for (const id of customers) await seedCustomer(database.db, { id, name: 'Anna', consent: ['email'], ordersPlaced: 1 });
    const sent = customers.flatMap(eventsOf);

    const [, kills] = await Promise.all([stream(customers), killAndRestart(sent.length)]);
    expect(kills).toBe(3);
    // The kills cut requests in flight, not just new connections: otherwise nothing was tested.
    expect(tally.cut).toBeGreaterThan(0);
    console.log(
      `chaos-api: ${sent.length} events, ${kills} kills; ${tally.cut} requests cut, ${tally.refused} refused, ` +
        `${tally.unavailable} answered 503; ${tally.retriedIds.size} events sent more than once, ${tally.duplicates} of them stored by a try that got no answer; restarts took ${restarts.join(', ')} ms`,
    );

    // Stored exactly once each, nothing else stored; every one routed (an accepted answer may come
    // before routing: wait for the router or the sweeper), none dead-lettered.
    await eventually(async () => (await pg`select 1 from events where routed_at is null limit 1`).length === 0, 90_000, 'every event routed');
    const rows = await pg<Array<{ id: string; customerId: string; routedTo: string[] | null; dead: boolean }>>`
      select id, customer_id, routed_to, dead_lettered_at is not null as dead from events order by customer_id, received_at, id`;
    expect(rows.map((r) => r.id).sort()).toEqual(sent.map((e) => e.id).sort());
    expect(rows.filter((r) => r.dead)).toEqual([]);

    // Stored in the order the customer's events were sent (each was accepted before the next left).
    const storedOrder = new Map<string, string[]>();
    for (const r of rows) storedOrder.set(r.customerId, [...(storedOrder.get(r.customerId) ?? []), r.id]);
    for (const c of customers) expect(storedOrder.get(c)).toEqual(eventsOf(c).map((e) => e.id));

    // Each trigger started one run, and each message went out once. (The welcome email may not go
    // out at all: an order that reaches the run first ends it before its first send.)
    await eventually(
      async () => (await pg`select 1 from messages where template = 'order-confirmation' and status = 'sent'`).length === CUSTOMERS,
      90_000,
      'an order confirmation sent to every customer',
    );
    // With each run's end beside its trigger, so a failure here says how the runs ended.
    const runs = await pg<Array<{ workflowId: string; journey: string; n: number; triggers: string[]; ends: string[] }>>`
      select workflow_id, journey, count(*)::int as n, array_agg(trigger_event_id order by started_at) as triggers,
             array_agg(status || ' ' || coalesce(end_reason, '') || ' ' || started_at::text order by started_at) as ends
      from journey_runs group by 1, 2`;
    expect(runs.filter((r) => r.n !== 1)).toEqual([]);
    expect(runs).toHaveLength(3 * CUSTOMERS);
    const byWorkflow = new Map(runs.map((r) => [r.workflowId, r]));
    for (const c of customers) {
      const run = runsOf(c);
      expect(byWorkflow.get(run.welcome)?.triggers).toEqual([`${c}-signup`]);
      expect(byWorkflow.get(run.cart)?.triggers).toEqual([`${c}-cart-1`]);
      expect(byWorkflow.get(run.confirmation)?.triggers).toEqual([`${c}-order`]);
    }
    const messages = await pg<Array<{ customerId: string; template: string; n: number; statuses: string[] }>>`
      select customer_id, template, count(*)::int as n, array_agg(status) as statuses from messages group by 1, 2`;
    expect(messages.filter((m) => m.n !== 1 || m.statuses[0] !== 'sent')).toEqual([]);
    expect(new Set(messages.map((m) => m.template))).toEqual(new Set(['order-confirmation', 'welcome-hello']));

    // The runs took their events in once each, in the order sent, and acted on the order: the
    // welcome and cart runs ended there, the confirmation run completed.
    await eventually(async () => (await pg`select 1 from journey_runs where status = 'running' limit 1`).length === 0, 90_000, 'every run ended');
    const ends = await pg<Array<{ journey: string; endReason: string; n: number }>>`
      select journey, end_reason, count(*)::int as n from journey_runs group by 1, 2 order by 1`;
    expect(ends).toEqual([
      { journey: 'abandoned-cart', endReason: 'exited: order.placed', n: CUSTOMERS },
      { journey: 'order-confirmation', endReason: 'completed', n: CUSTOMERS },
      { journey: 'welcome', endReason: 'exited: order.placed', n: CUSTOMERS },
    ]);
    for (const c of customers) {
      const run = runsOf(c);
      expect(await eventsSeenBy(env.client, run.welcome)).toEqual([`${c}-signup`, `${c}-order`]);
      expect(await eventsSeenBy(env.client, run.cart)).toEqual([`${c}-cart-1`, `${c}-cart-2`, `${c}-cart-3`, `${c}-order`]);
      expect(await eventsSeenBy(env.client, run.confirmation)).toEqual([`${c}-order`]);
    }
    // Page views reach no run.
    const routedTo = new Map(rows.map((r) => [r.id, r.routedTo]));
    for (const c of customers) expect([routedTo.get(`${c}-page-1`) ?? [], routedTo.get(`${c}-page-2`) ?? []]).toEqual([[], []]);
  });
});
