/**
 * End to end on real parts: the Temporal dev server, a Postgres server, the worker and the API
 * in-process, spoken to over HTTP like a product system would.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { customers, events } from '../db/schema';
import { statusQuery } from '../workflows/contract';
import { startTestApi, useCascadeApi } from './support/cascade';
import { eventually } from './support/journeys';

const cascade = useCascadeApi('dev-server');

const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) });
const put = (body: unknown) => ({ method: 'PUT', body: JSON.stringify(body) });

describe('HTTP API on the dev server', () => {
  it('creates then updates a customer, normalising phone and email', async () => {
    const first = await cascade.api.call('/v1/customers/anna', put({ email: 'Anna@Example.com', phone: '8 (912) 345-67-89', name: 'Anna', timeZone: 'Europe/Moscow', consents: { email: true } }));
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ id: 'anna', email: 'anna@example.com', phone: '+79123456789', consents: { email: true } });
    const second = await cascade.api.call('/v1/customers/anna', put({ city: 'Moscow' }));
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ city: 'Moscow', name: 'Anna' });
  });

  it('signs up a customer and the welcome email lands in the outbox once, however often the event is sent', async () => {
    await cascade.api.call('/v1/customers/bob', put({ email: 'bob@example.com', name: 'Bob', consents: { email: true } }));
    const event = { id: 'evt-signup-bob', customerId: 'bob', type: 'customer.signed_up' };
    const first = await cascade.api.call('/v1/events?wait=routed', json(event));
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ workflows: ['welcome/bob'], duplicate: false });

    const outbox = await eventually(async () => {
      const body = (await (await cascade.api.call('/v1/outbox')).json()) as { messages: Array<{ to: string; subject: string; step: string; body: string }> };
      const mine = body.messages.filter((m) => m.to === 'bob@example.com');
      return mine.length ? mine : undefined;
    });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ step: 'welcome-hello' });
    // The welcome chain tests its first subject (variant a: the plain welcome, b: the gift).
    expect(['Welcome, Bob!', 'Bob, a gift for your first order inside']).toContain(outbox[0]!.subject);
    expect(outbox[0]!.body).toMatch(/<a href="http:\/\/127\.0\.0\.1\/unsubscribe\?token=[^"]+">Unsubscribe<\/a>/);

    const again = await cascade.api.call('/v1/events?wait=routed', json(event));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true, workflows: ['welcome/bob'] });
    await new Promise((r) => setTimeout(r, 1000));
    const ledger = (await (await cascade.api.call('/v1/customers/bob/messages')).json()) as { messages: unknown[] };
    expect(ledger.messages).toHaveLength(1);

    const status = await cascade.env.client.workflow.getHandle('welcome/bob').query(statusQuery);
    expect(status).toMatchObject({ journey: 'welcome', step: 'welcome-hello', waiting: { for: 'time' } });
  });

  it('lets ops find runs by customer in Temporal visibility', async () => {
    const found = await eventually(async () => {
      const runs = [];
      for await (const wf of cascade.env.client.workflow.list({ query: `CascadeCustomerId = "bob" AND CascadeJourney = "welcome"` })) runs.push(wf.workflowId);
      return runs.length ? runs : undefined;
    });
    expect(found).toEqual(['welcome/bob']);
  });

  it('delivers a later event to the running journey: an order ends the welcome chain', async () => {
    const res = await cascade.api.call('/v1/events?wait=routed', json({ id: 'evt-order-bob', customerId: 'bob', type: 'order.placed', properties: { orderId: 'o-1', total: 1990 } }));
    expect(res.status).toBe(202);
    // It starts the order confirmation and reaches the running welcome chain.
    const { workflows } = (await res.json()) as { workflows: string[] };
    expect([...workflows].sort()).toEqual(['order-confirmation/bob/evt-order-bob', 'welcome/bob']);
    const result = await cascade.env.client.workflow.getHandle('welcome/bob').result();
    expect(result).toBe('exited: order.placed');
  });

  it('rejects bad input with 400 naming the field and writes nothing', async () => {
    const bad = await cascade.api.call('/v1/customers/carol', put({ email: 'not-an-email', name: 'Carol' }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request', field: 'email' } });
    const phone = await cascade.api.call('/v1/customers/carol', put({ phone: '12' }));
    expect(await phone.json()).toMatchObject({ error: { field: 'phone' } });
    const tz = await cascade.api.call('/v1/customers/carol', put({ timeZone: 'Mars/Olympus' }));
    expect(await tz.json()).toMatchObject({ error: { field: 'timeZone' } });
    expect(await cascade.database.db.select().from(customers).where(eq(customers.id, 'carol'))).toHaveLength(0);

    const noType = await cascade.api.call('/v1/events?wait=routed', json({ id: 'e-x', customerId: 'bob' }));
    expect(noType.status).toBe(400);
    expect(await noType.json()).toMatchObject({ error: { field: 'type' } });
    const badOrder = await cascade.api.call('/v1/events?wait=routed', json({ id: 'e-y', customerId: 'bob', type: 'order.placed', properties: {} }));
    expect(await badOrder.json()).toMatchObject({ error: { field: 'properties.orderId' } });
    const malformed = await cascade.api.call('/v1/events?wait=routed', { method: 'POST', body: '{"id":' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'invalid_json' } });
    expect(await cascade.database.db.select().from(events).where(eq(events.id, 'e-y'))).toHaveLength(0);
  });

  it('refuses a write whose body is not JSON with 415, and stores nothing', async () => {
    const res = await cascade.api.call('/v1/customers/plain', { method: 'PUT', body: 'email=plain@example.com', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: { code: 'unsupported_media_type', field: 'content-type' } });
    expect(await cascade.database.db.select().from(customers).where(eq(customers.id, 'plain'))).toHaveLength(0);
  });

  it('answers 404 for an event about an unknown customer', async () => {
    const res = await cascade.api.call('/v1/events?wait=routed', json({ id: 'e-ghost', customerId: 'ghost', type: 'customer.signed_up' }));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found', field: 'customerId' } });
  });

  it('refuses writes without a valid API key', async () => {
    const none = await fetch(`${cascade.api.url}/v1/customers/x`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(401);
    const wrong = await fetch(`${cascade.api.url}/v1/events?wait=routed`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('refuses SMSC callbacks while no callback secret is set, rather than trusting them unsigned', async () => {
    const res = await fetch(`${cascade.api.url}/webhooks/smsc`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=1&phone=79123456789&status=22&err=0',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'not_configured' } });
  });

  it('reports health of both stores', async () => {
    const res = await fetch(`${cascade.api.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
  });
});
