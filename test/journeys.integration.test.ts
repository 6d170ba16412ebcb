/**
 * The journeys behind the HTTP API on the dev server: trigger events start the right runs, later
 * events reach the running ones, and re-entry policies hold (campaigns: test/campaigns.test.ts).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { events, journeyRuns, messages } from '../db/schema';
import { applyReport } from '../reports/apply-report';
import { defaultPayloadConverter } from '@temporalio/common';
import { statusQuery, type JourneyInput } from '../workflows/contract';
import { startTestApi, useCascadeApi } from './support/cascade';
import { HOUR, eventually, zoneWhereItIs } from './support/journeys';

const cascade = useCascadeApi('dev-server');

const noon = zoneWhereItIs(12, Date.now());
async function customer(id: string, body: Record<string, unknown> = {}) {
  const res = await cascade.api.call(`/v1/customers/${id}`, {
    method: 'PUT',
    body: JSON.stringify({ email: `${id}@example.com`, name: id, timeZone: noon, consents: { email: true, sms: true, push: true }, ...body }),
  });
  expect(res.status).toBe(201);
}
async function post(id: string, customerId: string, type: string, properties: Record<string, unknown> = {}) {
  const res = await cascade.api.call('/v1/events?wait=routed', { method: 'POST', body: JSON.stringify({ id, customerId, type, properties }) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return ((await res.json()) as { workflows: string[] }).workflows.sort();
}
/** Events routed before a run records itself reach it when it starts; these tests want it in `workflows`. */
const running = (workflowId: string) =>
  eventually(async () => ((await runsOf(workflowId)).some((r) => r.status === 'running') ? true : undefined));
const runsOf = (workflowId: string) => cascade.database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, workflowId));
const result = (workflowId: string) => cascade.env.client.workflow.getHandle(workflowId).result();
const sentBy = (customerId: string, journey: string) =>
  eventually(async () => {
    const rows = await cascade.database.db.select().from(messages).where(and(eq(messages.customerId, customerId), eq(messages.journey, journey)));
    return rows.length ? rows : undefined;
  });

describe('journeys over the HTTP API', () => {
  it('a first-timer who leaves a cart gets the nudge, a returning customer the cart reminders, never both', async () => {
    await customer('newbie');
    expect(await post('ab-1', 'newbie', 'cart.abandoned', { city: 'Kazan' })).toEqual(['first-order-nudge/newbie']);
    expect((await sentBy('newbie', 'first-order-nudge')).map((m) => m.template)).toEqual(['first-order-game']);

    await customer('regular');
    expect(await post('order-r-1', 'regular', 'order.placed', { orderId: 'R-1' })).toEqual(['order-confirmation/regular/order-r-1']);
    expect(await result('order-confirmation/regular/order-r-1')).toBe('completed');
    expect(await post('cart-r-1', 'regular', 'cart.updated', { cartId: 'c1' })).toEqual(['abandoned-cart/regular/c1']);
    // The cart run does not listen to cart.abandoned; first-order-nudge turns a returning customer away.
    const abandoned = await cascade.api.call('/v1/events?wait=routed', { method: 'POST', body: JSON.stringify({ id: 'ab-r-1', customerId: 'regular', type: 'cart.abandoned', properties: { cartId: 'c1' } }) });
    expect(await abandoned.json()).toMatchObject({ workflows: [], skipped: [{ journey: 'first-order-nudge', reason: 'not entered: has ordered before (abandoned-cart)' }] });
    expect(await runsOf('first-order-nudge/regular')).toHaveLength(0);
  });

  it("a run the router admitted by its enterIf starts from the profile it was admitted on: no second read, no second verdict", async () => {
    await customer('admitted', { city: 'Kazan' });
    expect(await post('ab-a-1', 'admitted', 'cart.abandoned')).toEqual(['first-order-nudge/admitted']);
    await sentBy('admitted', 'first-order-nudge');
    const history = (await cascade.env.client.workflow.getHandle('first-order-nudge/admitted').fetchHistory()).events ?? [];
    const input = defaultPayloadConverter.fromPayload<JourneyInput>(history[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!);
    expect(input.admittedWith).toMatchObject({ id: 'admitted', city: 'Kazan', orderCount: 0, reachable: expect.arrayContaining(['email']) });
    const activities = history.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities).toContain('recordRunStart');
    expect(activities).not.toContain('beginRun');
    expect(activities).not.toContain('loadProfile');
  });

  it('delivers later events to the running run: a cart change restarts it, an order for the cart ends it', async () => {
    const handle = cascade.env.client.workflow.getHandle('abandoned-cart/regular/c1');
    expect(await post('cart-r-2', 'regular', 'cart.updated', { cartId: 'c1', itemCount: 3 })).toEqual(['abandoned-cart/regular/c1']);
    await eventually(async () => ((await handle.query(statusQuery)).step === 'restarted' ? true : undefined));
    const reached = await post('order-r-2', 'regular', 'order.placed', { orderId: 'R-2', cartId: 'c1' });
    expect(reached).toEqual(['abandoned-cart/regular/c1', 'order-confirmation/regular/order-r-2']);
    expect(await handle.result()).toBe('exited: order.placed');
    expect(await runsOf('abandoned-cart/regular/c1')).toMatchObject([{ status: 'exited', endReason: 'exited: order.placed' }]);
  });

  it('a cart change routed again after a crash lost the record of its routing starts no run: the run it reached has exited on a later order', async () => {
    // As if the router had signalled cart-r-2 (a restart) and died before it committed "routed":
    // its claim's lease still runs, so this API's own router leaves the event to the repeated POST.
    await cascade.database.db
      .update(events)
      .set({ routedAt: null, routedTo: null, nextRoutingAt: new Date(Date.now() + 3_600_000) })
      .where(eq(events.id, 'cart-r-2'));
    const again = await cascade.api.call('/v1/events?wait=routed', { method: 'POST', body: JSON.stringify({ id: 'cart-r-2', customerId: 'regular', type: 'cart.updated', properties: { cartId: 'c1', itemCount: 3 } }) });
    expect(await again.json()).toMatchObject({ duplicate: true, routing: 'routed', workflows: [], skipped: [{ journey: 'abandoned-cart', reason: 'an earlier run heard it and has exited since' }] });
    expect(await runsOf('abandoned-cart/regular/c1')).toHaveLength(1);
  });

  it('re-entry: after-exit starts a new run for the same cart once the last one ended', async () => {
    expect(await post('cart-r-3', 'regular', 'cart.updated', { cartId: 'c1' })).toContain('abandoned-cart/regular/c1');
    const runs = await eventually(async () => {
      const rows = await runsOf('abandoned-cart/regular/c1');
      return rows.length === 2 ? rows : undefined;
    });
    expect(runs.map((r) => r.status).sort()).toEqual(['exited', 'running']);
    await cascade.env.client.workflow.getHandle('abandoned-cart/regular/c1').terminate('test done');
  });

  it('re-entry: once means never again; every-trigger means a run per event', async () => {
    await customer('once');
    expect(await post('signup-once-1', 'once', 'customer.signed_up')).toEqual(['welcome/once']);
    await running('welcome/once');
    const reached = await post('order-once-1', 'once', 'order.placed', { orderId: 'O-1' });
    expect(reached).toEqual(['order-confirmation/once/order-once-1', 'welcome/once']);
    expect(await result('welcome/once')).toBe('exited: order.placed');
    // (The confirmation run of O-1 may still be finishing and receive the event; no welcome run does.)
    expect((await post('signup-once-2', 'once', 'customer.signed_up')).filter((w) => w.startsWith('welcome'))).toEqual([]);
    expect(await runsOf('welcome/once')).toHaveLength(1);

    await post('order-once-2', 'once', 'order.placed', { orderId: 'O-2' });
    const confirmations = await eventually(async () => {
      const rows = await sentBy('once', 'order-confirmation');
      return rows.length === 2 ? rows : undefined;
    });
    expect(confirmations.map((m) => m.workflowId).sort()).toEqual(['order-confirmation/once/order-once-1', 'order-confirmation/once/order-once-2']);
  });

  it('birthday: one run per customer and year, however often the daily job sends the reminder', async () => {
    await customer('bday', { birthday: '1990-01-01' });
    expect(await post('bd-2031-a', 'bday', 'birthday.upcoming', { year: 2031 })).toEqual(['birthday/bday/2031']);
    await running('birthday/bday/2031');
    expect(await post('bd-2031-b', 'bday', 'birthday.upcoming', { year: 2031 })).toEqual([]);
    expect(await runsOf('birthday/bday/2031')).toHaveLength(1);
    const handle = cascade.env.client.workflow.getHandle('birthday/bday/2031');
    const status = await eventually(async () => {
      const s = await handle.query(statusQuery);
      return s.waiting.for === 'time' ? s : undefined;
    });
    expect(new Date(status.waiting.until!).getTime()).toBeGreaterThan(Date.now() + 30 * 24 * HOUR);
  });

  it('service reminder: booking starts it, cancelling reaches it and ends it', async () => {
    await customer('car', { phone: '+79123456780' });
    const at = new Date(Date.now() + 5 * 24 * HOUR).toISOString();
    expect(await post('appt-1', 'car', 'appointment.booked', { appointmentId: 'A1', appointmentAt: at })).toEqual(['service-reminder/car/A1']);
    await running('service-reminder/car/A1');
    expect(await post('appt-1-x', 'car', 'appointment.cancelled', { appointmentId: 'A1' })).toEqual(['service-reminder/car/A1']);
    expect(await result('service-reminder/car/A1')).toBe('exited: appointment.cancelled');
  });

  it('reactivation: the offer goes at once, an open reported for it stops the SMS, a store order converts', async () => {
    await customer('quiet', { phone: '+79123456781' });
    await post('order-q-old', 'quiet', 'order.placed', { orderId: 'Q-0' });
    expect((await post('churn-q', 'quiet', 'customer.pre_churn')).filter((w) => w.startsWith('reactivation'))).toEqual(['reactivation/quiet']);
    const email = await eventually(async () => (await sentBy('quiet', 'reactivation')).find((m) => m.step === 'offer-email' && m.status !== 'pending'));
    expect(email).toMatchObject({ step: 'offer-email', status: 'sent' });
    // The open of that email, as a provider reports it (reports/ is where every provider's report goes).
    await applyReport({ db: cascade.database.db, client: cascade.env.client }, {
      provider: email!.provider,
      message: { ledgerId: email!.id },
      type: 'opened',
      status: 'opened',
      eventId: 'open-q',
      occurredAt: new Date(),
      payload: {},
    });
    // No SMS: the run now only waits out the goal window for an order.
    const handle = cascade.env.client.workflow.getHandle('reactivation/quiet');
    const status = await eventually(async () => {
      const s = await handle.query(statusQuery);
      return s.waiting.event === 'order.placed' ? s : undefined;
    });
    expect(status.sent.map((m) => m.step)).toEqual(['offer-email', 'offer-push']);
    expect(await post('order-q-1', 'quiet', 'order.placed', { orderId: 'Q-1', source: 'offline' })).toContain('reactivation/quiet');
    expect(await result('reactivation/quiet')).toBe('completed: converted');
  });

});
