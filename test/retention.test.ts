/**
 * Retention on the dev server with the real worker, router and API: a month past retention is
 * dropped whole, except what a running run or the router still needs (held apart, and let go once
 * the run ends); message bodies and addresses go while the ledger row stays; a segment that reads
 * further back keeps its events; an id stored last month is still a duplicate this month.
 */
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { events, journeyRuns, messageEvents, messages, retentionMarks } from '../db/schema';
import { loadConfig } from '../lib/config';
import { liveRunsOf } from '../merges/live-runs';
import { listMonths } from '../retention/months';
import { runRetention, type RetentionReport } from '../retention/run';
import { retentionFromConfig } from '../retention/settings';
import { seedCustomer, useCascadeApi } from './support/cascade';
import { eventually } from './support/email';

const cascade = useCascadeApi('dev-server');
const db = () => cascade.database.db;
const DAY = 86_400_000;
const defaults = retentionFromConfig(loadConfig({}));
const post = (path: string, body: unknown) => cascade.api.call(path, { method: 'POST', body: JSON.stringify(body) });

/** A pass of its own: the API's retention job may be in one, and a pass runs one at a time. */
const retention = (settings = defaults): Promise<RetentionReport> => eventually(() => runRetention(db(), settings), 20_000, 'a retention pass');

/** The month partition for `daysAgo`, made as the migration makes the months it finds. */
async function monthOf(kind: 'inert' | 'routed', daysAgo: number): Promise<string> {
  const [row] = await db().execute<{ table: string }>(sql`select cascade_event_partition(${kind}, now() - make_interval(days => ${daysAgo})) as table`);
  return row!.table;
}

const kindOf = async (id: string) => (await db().select({ kind: events.kind }).from(events).where(eq(events.id, id)))[0]?.kind;

describe('retention', () => {
  it('drops months past retention, but keeps what a running run and the router still need, and the ledger rows', async () => {
    await seedCustomer(db(), { id: 'ret-anna', name: 'Anna', consent: ['email'] });
    await seedCustomer(db(), { id: 'ret-boris', name: 'Boris', consent: ['email'] });
    const signUp = await post('/v1/events?wait=routed', { id: 'ret-anna-signup', customerId: 'ret-anna', type: 'customer.signed_up' });
    expect(signUp.status).toBe(202);
    expect(await signUp.json()).toMatchObject({ workflows: ['welcome/ret-anna'] });
    const hello = await eventually(async () => (await db().select().from(messages).where(eq(messages.customerId, 'ret-anna'))).find((m) => m.status === 'sent'), 30_000, 'the welcome email sent');
    expect(hello.body).toContain('Anna');
    await db().insert(messageEvents).values({ messageId: hello.id, type: 'email.delivered', providerEventId: 'ret-delivered', payload: { to: ['ret-anna@example.com'] } });

    // Anna's sign-up 200 days back (past 180) while her welcome run sleeps; her email 40 days back (past 30).
    const oldRouted = await monthOf('routed', 200);
    const oldInert = await monthOf('inert', 40);
    await db().execute(sql`update events set received_at = now() - interval '200 days', occurred_at = now() - interval '200 days' where id = 'ret-anna-signup'`);
    await db().update(messages).set({ requestedAt: new Date(Date.now() - 40 * DAY) }).where(eq(messages.id, hello.id));
    // The API's first pass swept bodies up to 30 days ago, before this email was made older than
    // that; a real message never moves back in time, so the sweep starts over as on a new install.
    await db().delete(retentionMarks);
    const old = new Date(Date.now() - 200 * DAY);
    await db().insert(events).values([
      // Routed to no run: nothing needs it.
      { id: 'ret-boris-routed', customerId: 'ret-boris', type: 'order.placed', occurredAt: old, receivedAt: old, routedAt: old, routedTo: [] },
      // Never routed (put off by backoff): the router still owes it.
      { id: 'ret-boris-owed', customerId: 'ret-boris', type: 'order.placed', occurredAt: old, receivedAt: old, nextRoutingAt: new Date(Date.now() + DAY) },
      { id: 'ret-boris-viewed', kind: 'inert', customerId: 'ret-boris', type: 'product.viewed', occurredAt: new Date(Date.now() - 40 * DAY), receivedAt: new Date(Date.now() - 40 * DAY), routedAt: old, routedTo: [] },
    ]);
    const ledgerBefore = await db().select({ n: sql<number>`count(*)::int` }).from(messages);

    const report = await retention();
    expect(report.dropped).toEqual(expect.arrayContaining([oldRouted, oldInert]));
    expect(report.held).toBe(2);
    const months = (await listMonths(db())).map((m) => m.table);
    expect(months).not.toContain(oldRouted);
    expect(months).not.toContain(oldInert);

    // The running run's trigger and the owed event are held; the rest of their months is gone.
    expect(await kindOf('ret-anna-signup')).toBe('held');
    expect(await kindOf('ret-boris-owed')).toBe('held');
    expect(await kindOf('ret-boris-routed')).toBeUndefined();
    expect(await kindOf('ret-boris-viewed')).toBeUndefined();
    // The run sleeps on, and what finds a customer's live runs by their events (merges, erasure) finds it.
    expect((await cascade.env.client.workflow.getHandle('welcome/ret-anna').describe()).status.name).toBe('RUNNING');
    expect(await db().transaction((tx) => liveRunsOf(tx, cascade.env.client, 'ret-anna'))).toEqual(['welcome/ret-anna']);

    // The email's words and address are gone; the ledger row, its status and its report stay.
    const [after] = await db().select().from(messages).where(eq(messages.id, hello.id));
    expect(after).toMatchObject({ status: 'sent', step: hello.step, body: null, subject: null, recipient: null, idempotencyKey: hello.idempotencyKey });
    expect(await db().select({ n: sql<number>`count(*)::int` }).from(messages)).toEqual(ledgerBefore);
    expect(await db().select({ type: messageEvents.type, payload: messageEvents.payload }).from(messageEvents).where(eq(messageEvents.messageId, hello.id))).toEqual([{ type: 'email.delivered', payload: {} }]);
    const timeline = (await (await cascade.api.call('/v1/customers/ret-anna/messages')).json()) as { messages: Array<{ status: string }> };
    expect(timeline.messages.map((m) => m.status)).toEqual(['sent']);

    // Once her run ends, nothing needs her sign-up: the next pass lets it go.
    expect((await post('/v1/customers/ret-anna/journeys/welcome/exit', { reason: 'retention test' })).status).toBe(202);
    await eventually(async () => (await db().select().from(journeyRuns).where(eq(journeyRuns.customerId, 'ret-anna')))[0]?.status === 'exited', 30_000, 'the run to end');
    expect((await retention()).released).toBe(1);
    expect(await kindOf('ret-anna-signup')).toBeUndefined();
    expect(await kindOf('ret-boris-owed')).toBe('held');
  });

  it('keeps page views as long as a saved segment counts them back', async () => {
    await seedCustomer(db(), { id: 'ret-vera', consent: ['email'] });
    const september = await monthOf('inert', 75);
    const at = new Date(Date.now() - 75 * DAY);
    await db().insert(events).values({ id: 'ret-vera-viewed', kind: 'inert', customerId: 'ret-vera', type: 'product.viewed', occurredAt: at, receivedAt: at, routedAt: at, routedTo: [] });
    const segment = { id: 'ret-viewers', name: 'Viewed tyres this quarter', where: { event: { type: 'product.viewed', within: '90 days' } } };
    expect((await post('/v1/segments', segment)).status).toBe(201);

    expect((await retention()).dropped).not.toContain(september);
    expect(await kindOf('ret-vera-viewed')).toBe('inert');

    expect((await cascade.api.call('/v1/segments/ret-viewers', { method: 'DELETE' })).status).toBe(204);
    expect((await retention()).dropped).toContain(september);
    expect(await kindOf('ret-vera-viewed')).toBeUndefined();
  });

  it('an event id stored last month is still a duplicate this month', async () => {
    await seedCustomer(db(), { id: 'ret-gleb', consent: ['email'] });
    const event = { id: 'ret-gleb-order', customerId: 'ret-gleb', type: 'order.placed', properties: { orderId: 'ret-o1', total: 10 } };
    expect((await post('/v1/events?wait=routed', event)).status).toBe(202);
    await db().execute(sql`update events set received_at = now() - interval '35 days' where id = 'ret-gleb-order'`);
    const again = await post('/v1/events', event);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await db().select({ n: sql<number>`count(*)::int` }).from(events).where(eq(events.id, 'ret-gleb-order'))).toEqual([{ n: 1 }]);
  });
});
