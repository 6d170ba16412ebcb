/**
 * What operators do to a journey while it runs, through the HTTP API on the dev server: pause
 * (entries refused and recorded; held sends: test/paused-sends.test.ts), rollout and test mode for
 * event-triggered journeys, and taking one customer out of a journey.
 */
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { journeyRuns, messages } from '../db/schema';
import { inRollout } from '../workflows/bucket';
import { seedCustomer, useCascadeApi } from './support/cascade';
import { eventually, ledger, runRow } from './support/journeys';

const cascade = useCascadeApi('dev-server');

const call = (path: string, body?: unknown, method = 'POST') =>
  cascade.api.call(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
async function post(id: string, customerId: string, type: string, properties: Record<string, unknown> = {}) {
  const res = await call('/v1/events?wait=routed', { id, customerId, type, properties });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as { workflows: string[]; skipped: Array<{ journey: string; reason: string }> };
}
const runsOf = (customerId: string, journey: string) =>
  cascade.database.db.select().from(journeyRuns).where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.journey, journey)));

describe('pausing a journey', () => {
  it('refuses new entries while paused, recorded as refused: paused, and lets them in again once resumed', async () => {
    await seedCustomer(cascade.database.db, { id: 'pz-1' });
    await seedCustomer(cascade.database.db, { id: 'pz-2' });
    const paused = await call('/v1/journeys/welcome/pause');
    expect(paused.status).toBe(200);
    expect(await paused.json()).toEqual({ journey: 'welcome', paused: true, rolloutPercent: 100, testRecipients: null });

    const refused = await post('su-pz-1', 'pz-1', 'customer.signed_up');
    expect(refused).toMatchObject({ workflows: [], skipped: [{ journey: 'welcome', reason: 'refused: paused' }] });
    expect(await runsOf('pz-1', 'welcome')).toMatchObject([{ status: 'refused', endReason: 'refused: paused', triggerEventId: 'su-pz-1' }]);
    expect(await ledger(cascade.database.db, 'pz-1')).toEqual([]);

    expect((await call('/v1/journeys/welcome/resume')).status).toBe(200);
    expect((await post('su-pz-2', 'pz-2', 'customer.signed_up')).workflows).toEqual(['welcome/pz-2']);
    // The refused sign-up stays refused: posting it again is the same trigger, already handled.
    expect((await post('su-pz-1', 'pz-1', 'customer.signed_up')).workflows).toEqual([]);
  });
});

describe('rollout and test mode of an event-triggered journey', () => {
  it('test mode lets only the listed customers in; null ends it', async () => {
    for (const id of ['tm-in', 'tm-out', 'tm-later']) await seedCustomer(cascade.database.db, { id });
    const set = await call('/v1/journeys/welcome', { testRecipients: ['tm-in'] }, 'PATCH');
    expect(await set.json()).toEqual({ journey: 'welcome', paused: false, rolloutPercent: 100, testRecipients: ['tm-in'] });
    expect((await post('su-tm-out', 'tm-out', 'customer.signed_up')).skipped).toEqual([{ journey: 'welcome', reason: 'refused: test mode (not a test recipient)' }]);
    expect((await post('su-tm-in', 'tm-in', 'customer.signed_up')).workflows).toEqual(['welcome/tm-in']);
    expect((await call('/v1/journeys/welcome', { testRecipients: null }, 'PATCH')).status).toBe(200);
    expect((await post('su-tm-later', 'tm-later', 'customer.signed_up')).workflows).toEqual(['welcome/tm-later']);
  });

  it('a rollout lets in the stable share the hash names, and widening keeps them in', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `ro-${i}`);
    for (const id of ids) await seedCustomer(cascade.database.db, { id });
    expect((await call('/v1/journeys/welcome', { rolloutPercent: 50 }, 'PATCH')).status).toBe(200);
    const entered: string[] = [];
    for (const id of ids) {
      const routed = await post(`su-${id}`, id, 'customer.signed_up');
      if (routed.workflows.length) entered.push(id);
      else expect(routed.skipped).toEqual([{ journey: 'welcome', reason: 'refused: outside the 50% rollout' }]);
    }
    const expected = ids.filter((id) => inRollout('journey:welcome', id, 50));
    expect(entered).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(ids.length);
    expect((await call('/v1/journeys/welcome', { rolloutPercent: 100 }, 'PATCH')).status).toBe(200);
  });

  it('refuses bad settings with the field named', async () => {
    const campaignOnly = await call('/v1/journeys/quarterly-bonus', { rolloutPercent: 10 }, 'PATCH');
    expect(campaignOnly.status).toBe(400);
    expect(await campaignOnly.json()).toMatchObject({ error: { field: 'rolloutPercent' } });
    const empty = await call('/v1/journeys/welcome', {}, 'PATCH');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { field: 'rolloutPercent' } });
    const over = await call('/v1/journeys/welcome', { rolloutPercent: 101 }, 'PATCH');
    expect(await over.json()).toMatchObject({ error: { field: 'rolloutPercent' } });
    const unknown = await call('/v1/journeys/no-such/pause');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { field: 'id' } });
  });
});

describe('taking a customer out of a journey', () => {
  it('ends the running run with the operator’s reason, in the run, its record and the timeline', async () => {
    const db = cascade.database.db;
    await seedCustomer(db, { id: 'ex-1' });
    expect((await post('su-ex-1', 'ex-1', 'customer.signed_up')).workflows).toEqual(['welcome/ex-1']);
    await eventually(async () => ((await ledger(db, 'ex-1')).length ? true : undefined));

    const bad = await call('/v1/customers/ex-1/journeys/welcome/exit', { reason: '' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { field: 'reason' } });

    const res = await call('/v1/customers/ex-1/journeys/welcome/exit', { reason: 'asked by phone to stop' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ journey: 'welcome', customerId: 'ex-1', exited: ['welcome/ex-1'] });
    const reason = 'exited: operator: asked by phone to stop';
    expect(await cascade.env.client.workflow.getHandle('welcome/ex-1').result()).toBe(reason);
    expect(await runRow(db, 'welcome/ex-1')).toMatchObject({ status: 'exited', endReason: reason });
    // Only the first email went: the chain's next ones were never sent.
    expect((await db.select().from(messages).where(eq(messages.customerId, 'ex-1'))).map((m) => m.template)).toEqual(['welcome-hello']);
    const timeline = (await (await cascade.api.call('/v1/customers/ex-1/timeline')).json()) as { items: unknown[] };
    expect(JSON.stringify(timeline.items)).toContain(reason);

    const again = await call('/v1/customers/ex-1/journeys/welcome/exit', { reason: 'twice' });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: { field: 'journey' } });
    const nobody = await call('/v1/customers/nobody/journeys/welcome/exit', { reason: 'x' });
    expect(await nobody.json()).toMatchObject({ error: { field: 'customerId' } });
  });
});
