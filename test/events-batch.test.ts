/**
 * POST /v1/events/batch on real parts (Temporal dev server, Postgres, the worker, the API over HTTP):
 * each item is taken like a POST /v1/events of its own and answered in place, a bad item does not
 * sink the others, an id repeated in the batch answers as a duplicate, and the route's own body
 * limit is larger than the API's default but still a limit.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { events, orders } from '../db/schema';
import { seedCustomer, startTestApi, useCascadeApi } from './support/cascade';
import { eventually } from './support/journeys';

const cascade = useCascadeApi('dev-server');

const post = (body: unknown) => cascade.api.call('/v1/events/batch?wait=routed', { method: 'POST', body: JSON.stringify(body) });
type Result = { index: number; id?: string; status: number; duplicate?: boolean; workflows?: string[]; error?: { code: string; field?: string } };

describe('POST /v1/events/batch', () => {
  it('takes each item on its own: good ones are stored and routed, bad ones refused naming the field', async () => {
    await seedCustomer(cascade.database.db, { id: 'bella', consent: ['email'] });
    await seedCustomer(cascade.database.db, { id: 'boris', consent: ['email'] });
    const res = await post({
      events: [
        { id: 'b-signup-bella', customerId: 'bella', type: 'customer.signed_up' },
        { id: 'b-bad-type', customerId: 'bella', type: 'Not A Type' },
        { id: 'b-nobody', customerId: 'nobody', type: 'customer.signed_up' },
        { id: 'b-forged', customerId: 'bella', type: 'message.opened' },
        { id: 'b-signup-bella', customerId: 'bella', type: 'customer.signed_up' },
        { id: 'b-order-no-id', customerId: 'boris', type: 'order.placed', properties: { total: 5 } },
        { id: 'b-signup-boris', customerId: 'boris', type: 'customer.signed_up' },
        'not an event',
        { id: 'b-signup-bella', customerId: 'boris', type: 'customer.signed_up' },
      ],
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Result[] };
    expect(results.map((r) => [r.index, r.status])).toEqual([[0, 202], [1, 400], [2, 404], [3, 400], [4, 200], [5, 400], [6, 202], [7, 400], [8, 409]]);
    expect(results[0]).toMatchObject({ id: 'b-signup-bella', duplicate: false, workflows: ['welcome/bella'] });
    expect(results[1]!.error).toMatchObject({ code: 'invalid_request', field: 'type' });
    expect(results[2]!.error).toMatchObject({ code: 'not_found', field: 'customerId' });
    expect(results[3]!.error).toMatchObject({ code: 'invalid_request', field: 'type' });
    expect(results[4]).toMatchObject({ id: 'b-signup-bella', duplicate: true, workflows: ['welcome/bella'] });
    expect(results[5]!.error).toMatchObject({ code: 'invalid_request', field: 'properties.orderId' });
    expect(results[6]).toMatchObject({ id: 'b-signup-boris', workflows: ['welcome/boris'] });
    expect(results[8]!.error).toMatchObject({ code: 'conflict', field: 'id' });

    const stored = await cascade.database.db.select({ id: events.id }).from(events).where(inArray(events.customerId, ['bella', 'boris']));
    expect(stored.map((e) => e.id).sort()).toEqual(['b-signup-bella', 'b-signup-boris']);
    expect(await cascade.database.db.select().from(orders).where(inArray(orders.customerId, ['bella', 'boris']))).toEqual([]);
    // The runs the batch started send like any other.
    for (const customer of ['bella', 'boris']) {
      await eventually(async () => {
        const { messages } = (await (await cascade.api.call(`/v1/customers/${customer}/messages`)).json()) as { messages: Array<{ step: string }> };
        return messages.some((m) => m.step === 'welcome-hello') || undefined;
      });
    }
  });

  it("keeps a customer's events in the batch's order: an order placed after the sign-up ends the welcome run it started", async () => {
    await seedCustomer(cascade.database.db, { id: 'vera', consent: ['email'] });
    const res = await post({
      events: [
        { id: 'v-signup', customerId: 'vera', type: 'customer.signed_up' },
        { id: 'v-order', customerId: 'vera', type: 'order.placed', properties: { orderId: 'v-o-1', total: 100 } },
      ],
    });
    const { results } = (await res.json()) as { results: Result[] };
    expect(results.map((r) => r.status)).toEqual([202, 202]);
    // The welcome run may still be starting when the order is routed; it picks the order up itself.
    expect(await cascade.env.client.workflow.getHandle('welcome/vera').result()).toBe('exited: order.placed');
  });

  it('takes a body over the default 256 KB limit and refuses one over its own 2 MB, naming the limit', async () => {
    await seedCustomer(cascade.database.db, { id: 'gleb', consent: [] });
    const many = Array.from({ length: 400 }, (_, i) => ({ id: `g-view-${i}`, customerId: 'gleb', type: 'page.viewed', properties: { note: 'n'.repeat(700) } }));
    expect(JSON.stringify({ events: many }).length).toBeGreaterThan(256 * 1024);
    const big = await post({ events: many });
    expect(big.status).toBe(200);
    const { results } = (await big.json()) as { results: Result[] };
    expect(results).toHaveLength(400);
    expect(results.every((r) => r.status === 202)).toBe(true);

    const tooBig = await post({ events: [{ id: 'g-huge', customerId: 'gleb', type: 'page.viewed', properties: { pad: 'p'.repeat(2 * 1024 * 1024) } }] });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ error: { code: 'body_too_large', message: expect.stringContaining(String(2 * 1024 * 1024)) } });

    const tooMany = await post({ events: Array.from({ length: 1001 }, (_, i) => ({ id: `g-${i}`, customerId: 'gleb', type: 'page.viewed' })) });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { field: string } }).error.field).toBe('events');
    const gleb = await cascade.database.db.select({ id: events.id }).from(events).where(inArray(events.customerId, ['gleb']));
    expect(gleb).toHaveLength(400);
  });
});
