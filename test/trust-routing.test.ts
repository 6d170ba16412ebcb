/**
 * Routing that never loses or blocks, tried as a product system would, over HTTP on the dev server:
 * hostile trigger keys are refused up front, a row that can never be routed is dead-lettered without
 * stalling the rest, a customer's cart and order sent at the same moment never leave the cart run
 * alive, runs hear only the events they listen to, a refused entry does not use up `once`, and a run
 * terminated from outside is recorded.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { customers, events, journeyRuns } from '../db/schema';
import { Client, Connection } from '@temporalio/client';
import { reconcileRuns } from '../lifecycle/reconcile-runs';
import { signalRun, startOrSignal } from '../lifecycle/runs';
import { isPermanent } from '../routing/failures';
import { slimEvent } from '../workflows/contract';
import { welcome } from '../workflows/journeys/welcome';
import { routeDue } from '../routing/router';
import { startTestApi, useCascadeApi } from './support/cascade';
import { eventually } from './support/journeys';
import { taskQueue } from './support/temporal';

const cascade = useCascadeApi('dev-server');

const put = (id: string, body: Record<string, unknown>) => cascade.api.call(`/v1/customers/${id}`, { method: 'PUT', body: JSON.stringify(body) });
const post = (body: Record<string, unknown>) => cascade.api.call('/v1/events?wait=routed', { method: 'POST', body: JSON.stringify(body) });
const deps = () => ({ db: cascade.database.db, client: cascade.env.client, taskQueue });
/** A run records itself when it starts; events routed before that reach it as it starts (not in `workflows`). */
const running = (workflowId: string) => eventually(async () => (await runOf(workflowId))?.status === 'running' || undefined);
const runOf = async (workflowId: string) => (await cascade.database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, workflowId)))[0];

async function returningCustomer(id: string) {
  expect((await put(id, { email: `${id}@example.com`, consents: { email: true } })).status).toBe(201);
  // An earlier order, so abandoned-cart (not first-order-nudge) takes their carts.
  expect((await post({ id: `${id}-past`, customerId: id, type: 'order.placed', properties: { orderId: `${id}-past` }, occurredAt: '2026-01-01T10:00:00Z' })).status).toBe(202);
}

describe('routing that never loses or blocks', () => {
  it('refuses a hostile trigger key with a 400 naming it, and stores nothing', async () => {
    await returningCustomer('h1');
    const res = await post({ id: 'cart-h1', customerId: 'h1', type: 'cart.updated', properties: { cartId: 'x'.repeat(2000) } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', field: 'properties.cartId' } });
    const missing = await post({ id: 'cart-h1b', customerId: 'h1', type: 'cart.updated', properties: {} });
    expect(await missing.json()).toMatchObject({ error: { field: 'properties.cartId' } });
    const badYear = await post({ id: 'bday-h1', customerId: 'h1', type: 'birthday.upcoming', properties: { year: 'next' } });
    expect(badYear.status).toBe(400);
    expect(await badYear.json()).toMatchObject({ error: { field: 'properties.year' } });
    const forged = await post({ id: 'forged-h1', customerId: 'h1', type: 'message.opened', properties: {} });
    expect(await forged.json()).toMatchObject({ error: { field: 'type' } });
    expect(await cascade.database.db.select().from(events).where(eq(events.customerId, 'h1'))).toHaveLength(1);
  });

  it('dead-letters an event Temporal can never take, and the router goes on routing the others', async () => {
    // A customer id so long that its workflow id passes Temporal's limit (written by an older version).
    const longId = `c${'l'.repeat(2100)}`;
    await cascade.database.db.insert(customers).values({ id: longId, email: 'long@example.com' });
    const old = new Date(Date.now() - 60_000);
    await cascade.database.db.insert(events).values({ id: 'poison', customerId: longId, type: 'customer.signed_up', occurredAt: old, receivedAt: old });
    await put('after-poison', { email: 'after@example.com', consents: { email: true } });
    await cascade.database.db.insert(events).values({ id: 'good', customerId: 'after-poison', type: 'customer.signed_up', occurredAt: old, receivedAt: new Date(old.getTime() + 1) });

    // The test API runs its own router too, so this pass may share the two rows with
    // it: what counts is where they end up.
    await routeDue(deps());
    const [poison] = await eventually(async () => {
      const rows = await cascade.database.db.select().from(events).where(eq(events.id, 'poison'));
      return rows[0]?.deadLetteredAt ? rows : undefined;
    });
    expect(poison).toMatchObject({ routedAt: null, deadLetteredAt: expect.any(Date), routingError: expect.stringMatching(/workflow id \d+ characters/) });
    const [good] = await eventually(async () => {
      const rows = await cascade.database.db.select().from(events).where(eq(events.id, 'good'));
      return rows[0]?.routedAt ? rows : undefined;
    });
    expect(good?.routedTo).toEqual(['welcome/after-poison']);
    // Dead letters are not tried again.
    expect(await routeDue(deps())).toEqual({ routed: 0, retrying: 0, deadLettered: 0, claimed: 0 });
  });

  it('tells a request Temporal refuses as invalid (permanent) from an outage (retryable)', async () => {
    const tooLong = await startOrSignal(deps(), welcome, { customerId: 'x', workflowId: `welcome/${'x'.repeat(2100)}`, key: undefined, trigger: slimEvent({ id: 'e', type: 'customer.signed_up', properties: {}, occurredAt: new Date() }) }).catch((e: unknown) => e);
    expect(isPermanent(tooLong)).toBe(true);
    const dead = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '300ms' }) });
    const down = await dead.withDeadline(Date.now() + 1_000, () => signalRun({ client: dead }, 'welcome/x', slimEvent({ id: 'e2', type: 'order.placed', properties: {}, occurredAt: new Date() }))).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(Error);
    expect(isPermanent(down)).toBe(false);
  });

  it('a cart and its order sent at the same moment never leave the cart run alive', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `race${i}`);
    for (const id of ids) await returningCustomer(id);
    await Promise.all(
      ids.map((id) =>
        Promise.all([
          post({ id: `cart-${id}`, customerId: id, type: 'cart.updated', properties: { cartId: `c-${id}` } }),
          post({ id: `order-${id}`, customerId: id, type: 'order.placed', properties: { orderId: `o-${id}`, cartId: `c-${id}` } }),
        ]),
      ),
    );
    for (const id of ids) {
      const workflowId = `abandoned-cart/${id}/c-${id}`;
      // Whichever was routed first, the run ends at the order for its cart and sends nothing.
      expect(await cascade.env.client.workflow.getHandle(workflowId).result()).toBe('exited: order.placed');
      expect(await runOf(workflowId)).toMatchObject({ status: 'exited' });
    }
  });

  it('signals a run only the events its journey listens to', async () => {
    expect((await put('l1', { email: 'l1@example.com', consents: { email: true } })).status).toBe(201);
    expect(await (await post({ id: 'signup-l1', customerId: 'l1', type: 'customer.signed_up' })).json()).toMatchObject({ workflows: ['welcome/l1'] });
    await running('welcome/l1');
    const viewed = await post({ id: 'view-l1', customerId: 'l1', type: 'product.viewed', properties: { sku: 'tyre-1' } });
    expect(await viewed.json()).toMatchObject({ workflows: [] });
    const order = await post({ id: 'order-l1', customerId: 'l1', type: 'order.placed', properties: { orderId: 'o-l1' } });
    expect(((await order.json()) as { workflows: string[] }).workflows).toContain('welcome/l1');
  });

  it('an entry refused for want of consent does not use up a once-only journey', async () => {
    expect((await put('once1', { email: 'once1@example.com' })).status).toBe(201);
    const refused = await post({ id: 'ab-once1-1', customerId: 'once1', type: 'cart.abandoned' });
    expect(refused.status).toBe(202);
    expect(await refused.json()).toMatchObject({ workflows: [], skipped: [{ journey: 'first-order-nudge', reason: 'not entered: no email we may write to' }] });
    await put('once1', { consents: { email: true } });
    const admitted = await post({ id: 'ab-once1-2', customerId: 'once1', type: 'cart.abandoned' });
    expect(await admitted.json()).toMatchObject({ workflows: ['first-order-nudge/once1'] });
    await running('first-order-nudge/once1');
    const again = await post({ id: 'ab-once1-3', customerId: 'once1', type: 'cart.abandoned' });
    expect(await again.json()).toMatchObject({ workflows: [], skipped: [{ journey: 'first-order-nudge', reason: 'already entered once' }] });
  });

  it('goes round every running run, a batch a pass, so a run ended outside is found behind any number that still sleep', async () => {
    for (const id of ['rot1', 'rot2', 'rot3']) {
      expect((await put(id, { email: `${id}@example.com`, consents: { email: true } })).status).toBe(201);
      await post({ id: `signup-${id}`, customerId: id, type: 'customer.signed_up' });
      await running(`welcome/${id}`);
    }
    // The newest is ended from outside; the two before it keep sleeping.
    await cascade.env.client.workflow.getHandle('welcome/rot3').terminate('ops stopped it');
    const sleeping = await cascade.database.db.select({ runId: journeyRuns.runId }).from(journeyRuns).where(eq(journeyRuns.status, 'running'));
    let after: string | undefined;
    let passes = 0;
    do {
      ({ next: after } = await reconcileRuns(deps(), { olderThanMs: 0, batch: 1, ...(after ? { after } : {}) }));
      passes++;
    } while (after !== undefined && passes <= sleeping.length);
    expect(passes).toBeLessThanOrEqual(sleeping.length + 1);
    expect(await runOf('welcome/rot3')).toMatchObject({ status: 'terminated' });
    expect(await runOf('welcome/rot1')).toMatchObject({ status: 'running' });
    for (const id of ['rot1', 'rot2']) await cascade.env.client.workflow.getHandle(`welcome/${id}`).terminate('test done');
  });

  it('records a run terminated from outside, and stops telling it about events', async () => {
    expect((await put('term1', { email: 'term1@example.com', consents: { email: true } })).status).toBe(201);
    await post({ id: 'signup-term1', customerId: 'term1', type: 'customer.signed_up' });
    await running('welcome/term1');
    await cascade.env.client.workflow.getHandle('welcome/term1').terminate('ops stopped it');
    expect((await reconcileRuns(deps(), { olderThanMs: 0, batch: 100 })).closed).toBeGreaterThanOrEqual(1);
    expect(await runOf('welcome/term1')).toMatchObject({ status: 'terminated', endReason: expect.stringMatching(/terminated/) });
    const order = await post({ id: 'order-term1', customerId: 'term1', type: 'order.placed', properties: { orderId: 'o-term1' } });
    expect(((await order.json()) as { workflows: string[] }).workflows).not.toContain('welcome/term1');
  });
});
