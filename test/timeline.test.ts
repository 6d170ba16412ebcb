/**
 * GET /v1/customers/:id/timeline on real parts: what support sees when a customer says "I got
 * nothing": the event, the run it started and what that run waits for (asked of the run), the
 * message and its provider report, the run's end and why, newest first.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { applyReport } from '../reports/apply-report';
import { seedCustomer, startTestApi, useCascadeApi } from './support/cascade';
import { eventually } from './support/journeys';

const cascade = useCascadeApi('dev-server');

type Item = { at: string; kind: string; [k: string]: unknown };
const timeline = async (query = '') => {
  const res = await cascade.api.call(`/v1/customers/tanya/timeline${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Item[] }).items;
};

describe('GET /v1/customers/:id/timeline', () => {
  it('shows the event, the run waiting, the message and its report, then the run ending, newest first', async () => {
    await seedCustomer(cascade.database.db, { id: 'tanya', consent: ['email'] });
    const signup = await cascade.api.call('/v1/events?wait=routed', { method: 'POST', body: JSON.stringify({ id: 't-signup', customerId: 'tanya', type: 'customer.signed_up', properties: { from: 'app' } }) });
    expect(signup.status).toBe(202);
    // The ledger row exists (pending) before the provider answers; wait for the answer.
    const sent = await eventually(async () => (await timeline()).find((i) => i.kind === 'message' && i.step === 'welcome-hello' && i.status !== 'pending'));
    expect(sent).toMatchObject({ channel: 'email', template: 'welcome-hello', status: 'sent', journey: 'welcome', workflowId: 'welcome/tanya' });

    let items = await timeline();
    expect(items.find((i) => i.kind === 'event')).toMatchObject({ id: 't-signup', type: 'customer.signed_up', properties: { from: 'app' }, routing: 'routed', routedTo: ['welcome/tanya'] });
    // A running run says where it is and what it waits for: the next step's timer.
    expect(items.find((i) => i.kind === 'run')).toMatchObject({ phase: 'started', journey: 'welcome', status: 'running', triggerEventId: 't-signup', step: 'welcome-hello', waiting: { for: 'time', until: expect.any(String) } });

    const outcome = await applyReport(
      { db: cascade.database.db, client: cascade.env.client },
      { provider: 'outbox', message: { ledgerId: sent.id as number }, type: 'email.delivered', status: 'delivered', eventId: 'outbox:t-1', occurredAt: new Date(), payload: { note: 'delivered to the inbox' } },
    );
    expect(outcome).toBe('applied');
    const order = await cascade.api.call('/v1/events?wait=routed', { method: 'POST', body: JSON.stringify({ id: 't-order', customerId: 'tanya', type: 'order.placed', properties: { orderId: 't-o-1' } }) });
    expect(order.status).toBe(202);
    expect(await cascade.env.client.workflow.getHandle('welcome/tanya').result()).toBe('exited: order.placed');
    // The order also starts its confirmation run: let it finish, so the timeline holds still.
    expect(await cascade.env.client.workflow.getHandle('order-confirmation/tanya/t-order').result()).toBe('completed');

    items = await eventually(async () => {
      const all = await timeline();
      const ended = all.filter((i) => i.kind === 'run' && i.phase === 'ended').map((i) => i.journey);
      return ended.includes('welcome') && ended.includes('order-confirmation') ? all : undefined;
    });
    const sequence = items.map((i) => `${i.kind}${i.phase ? `:${i.phase}` : ''}${i.journey ? `:${i.journey}` : ''}${i.type && i.kind !== 'run' ? `:${i.type}` : ''}`);
    const welcome = sequence.filter((s) => !s.includes('order-confirmation'));
    expect(welcome).toEqual([
      'run:ended:welcome',
      'event:order.placed',
      'report:email.delivered',
      'message:welcome',
      'run:started:welcome',
      'event:customer.signed_up',
    ]);
    expect(items.find((i) => i.kind === 'run' && i.phase === 'ended' && i.journey === 'welcome')).toMatchObject({ status: 'exited', reason: 'exited: order.placed' });
    expect(items.find((i) => i.kind === 'report')).toMatchObject({ type: 'email.delivered', messageId: sent.id, channel: 'email', detail: { note: 'delivered to the inbox' } });
    const times = items.map((i) => Date.parse(i.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const two = await timeline('?limit=2');
    expect(two).toEqual(items.slice(0, 2));
  });

  it('refuses a bad limit and an unknown customer, naming the field', async () => {
    const bad = await cascade.api.call('/v1/customers/tanya/timeline?limit=0');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('limit');
    const nobody = await cascade.api.call('/v1/customers/nobody/timeline');
    expect(nobody.status).toBe(404);
    expect(((await nobody.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'not_found', field: 'customerId' });
  });
});
