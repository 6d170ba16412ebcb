/**
 * A customer's rights on the dev server, with the real worker, Postgres and the Resend adapter
 * against the fake Resend: the export holds everything of a customer who went through a real journey;
 * the erasure ends their run, leaves Temporal with no execution of them and Postgres with no text or
 * JSON column that names them, keeps the journey's analytics as they were, and an address erased with
 * an objection gets no marketing until its new owner consents after the erasure.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { erasedAddresses, erasures, journeyRuns, messages, orders, pushTokens, telegramChats } from '../db/schema';
import { seedCustomer } from './support/cascade';
import { eventually } from './support/email';
import { useCascadeWithResend, type ResendHarness } from './support/resend-harness';

let env: ResendHarness['env'];
let database: ResendHarness['database'];
let fake: ResendHarness['fake'];
let api: ResendHarness['api'];
let worker: ResendHarness['worker'];

useCascadeWithResend((h) => ({ env, database, fake, api, worker } = h));

const call = (path: string, method = 'GET', body?: unknown) => api.call(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
async function json<T>(res: Response, status: number): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}
type Erasure = { id: string; status: string; removed: Record<string, number> };
const erase = (customerId: string, body: unknown) => call(`/v1/customers/${customerId}`, 'DELETE', body);
async function erasedFully(customerId: string, body: unknown): Promise<Erasure> {
  const asked = await json<Erasure>(await erase(customerId, body), 202);
  return eventually(async () => {
    const e = await json<Erasure>(await call(`/v1/erasures/${asked.id}`), 200);
    return e.status === 'done' ? e : undefined;
  }, 90_000, 'the erasure to finish');
}

/** Every text, varchar and JSON column of every table, and the rows of it that contain `needle` (any case). */
async function scan(needle: string): Promise<string[]> {
  const columns = await database.db.execute<{ table_name: string; column_name: string }>(sql`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema = 'public' and c.data_type in ('text', 'character varying', 'json', 'jsonb', 'ARRAY')`);
  expect(columns.length).toBeGreaterThan(50);
  const hits: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [row] = await database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.identifier(table_name)} where position(${needle.toLowerCase()} in lower(${sql.identifier(column_name)}::text)) > 0`,
    );
    if (row!.n) hits.push(`${table_name}.${column_name} (${row!.n})`);
  }
  return hits;
}

describe('export and erasure of a customer who went through a journey', () => {
  const id = 'cr-anna-7f3q';
  const name = 'Annabel Quistorp';
  const email = 'delivered+anna7f3q@resend.dev';
  const phone = '+79161234567';

  it('exports everything, then erases it all from Postgres and Temporal while the analytics stay', async () => {
    const db = database.db;
    await seedCustomer(db, { id, name, email, phone, city: 'Tver', consent: ['sms'] });
    await db.insert(pushTokens).values({ customerId: id, token: `push-token-of-${id}`, platform: 'android' });
    await db.insert(telegramChats).values({ customerId: id, chatId: '5550001', username: 'annabel_q' });
    await db.insert(orders).values({ id: `${id}-order-1`, customerId: id, source: 'offline', total: '1999.00', placedAt: new Date(Date.now() - 40 * 864e5) });
    await json(await call(`/v1/customers/${id}/consents`, 'PUT', { email: true, source: 'checkout-form' }), 200);
    const routed = await json<{ workflows: string[] }>(await call('/v1/events?wait=routed', 'POST', { id: `su-${id}`, customerId: id, type: 'customer.signed_up', properties: { referrer: name } }), 202);
    expect(routed.workflows).toEqual([`welcome/${id}`]);
    const receipt = { customerId: id, template: 'order-confirmation', channel: 'email', data: { event: { orderId: 'R-1' } }, idempotencyKey: `receipt-${id}`, category: 'transactional' };
    await json(await call('/v1/messages', 'POST', receipt), 202);
    // The welcome email is sent and its delivery report applied; the run sleeps on towards the next one.
    const ledger = () => db.select().from(messages).where(eq(messages.customerId, id)).orderBy(messages.id);
    await eventually(async () => {
      const rows = await ledger();
      return rows.length === 2 && rows.every((m) => m.status === 'delivered') ? rows : undefined;
    }, 30_000, 'both emails delivered');
    expect((await env.client.workflow.getHandle(`welcome/${id}`).describe()).status.name).toBe('RUNNING');

    type Export = { customer: { name: string; email: string; phone: string }; messages: Array<{ template: string; recipient: string; body: string; reports: Array<{ type: string }> }>; [k: string]: unknown };
    const exported = await json<Export>(await call(`/v1/customers/${id}/export`), 200);
    expect(exported.customer).toMatchObject({ id, name, email, phone, city: 'Tver' });
    expect(exported.telegramChat).toMatchObject({ chatId: '5550001' });
    expect(exported.pushTokens).toMatchObject([{ token: `push-token-of-${id}` }]);
    expect(exported.consents).toEqual(expect.arrayContaining([expect.objectContaining({ channel: 'email', granted: true })]));
    expect(exported.consentHistory).toMatchObject([{ channel: 'email', granted: true, source: 'checkout-form' }]);
    expect(exported.events).toMatchObject([{ id: `su-${id}`, type: 'customer.signed_up', properties: { referrer: name } }]);
    expect(exported.orders).toMatchObject([{ id: `${id}-order-1`, total: '1999.00' }]);
    expect(exported.runs).toMatchObject([{ workflowId: `welcome/${id}`, status: 'running' }]);
    const welcomeMail = exported.messages.find((m) => m.template === 'welcome-hello')!;
    expect(welcomeMail).toMatchObject({ recipient: email });
    expect(welcomeMail.body).toContain('Annabel');
    expect(welcomeMail.reports.map((r) => r.type)).toContain('email.delivered');
    expect(exported.messages.map((m) => m.template).sort()).toEqual(['order-confirmation', 'welcome-hello']);

    // The scan finds them where they are before the erasure.
    expect(await scan(email)).toEqual(expect.arrayContaining(['customers.email (1)', 'messages.recipient (2)', 'message_events.payload (4)']));
    expect(await scan(id)).toEqual(expect.arrayContaining(['journey_runs.workflow_id (1)', 'events.id (1)', 'orders.id (1)', 'messages.idempotency_key (2)']));

    const analytics = async () => json<Record<string, unknown>>(await call('/v1/analytics/journeys/welcome'), 200);
    const before = await analytics();

    const noReason = await erase(id, { objection: true });
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ error: { field: 'reason' } });
    const nobody = await erase('nobody-here', { reason: 'asked by email' });
    expect(nobody.status).toBe(404);
    expect(await nobody.json()).toMatchObject({ error: { field: 'customerId' } });

    const done = await erasedFully(id, { reason: 'data subject request #118' });
    expect(done.removed).toMatchObject({ runsEnded: 1, customers: 1, messages: 2, events: 1, orders: 1 });
    // What analytics counts stays under the pseudonym: the run, ended as erased, and its ledger rows without address or body.
    const [{ pseudonym } = { pseudonym: '' }] = await db.select({ pseudonym: erasures.pseudonym }).from(erasures).where(eq(erasures.id, done.id));
    expect(await db.select().from(journeyRuns).where(eq(journeyRuns.customerId, pseudonym))).toMatchObject([
      { journey: 'welcome', workflowId: `welcome/${pseudonym}`, status: 'exited', endReason: 'exited: operator: erased', triggerEventId: expect.stringMatching(new RegExp(`^${pseudonym}/event/\\d+$`)) },
    ]);
    expect((await db.select().from(messages).where(eq(messages.customerId, pseudonym)).orderBy(messages.template)).map((m) => [m.template, m.status, m.recipient, m.body])).toEqual([
      ['order-confirmation', 'delivered', null, null],
      ['welcome-hello', 'delivered', null, null],
    ]);
    // A repeat is the same erasure, done.
    expect(await json<Erasure>(await erase(id, { reason: 'asked again' }), 202)).toMatchObject({ id: done.id, status: 'done' });

    for (const needle of [id, name, 'Quistorp', email, 'anna7f3q', phone, '9161234567', `push-token-of-${id}`, 'annabel_q']) {
      expect(await scan(needle), needle).toEqual([]);
    }
    // Temporal: no execution left by id, none in visibility naming them.
    for (const workflowId of [`welcome/${id}`, `api/receipt-${id}`]) {
      await expect(env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    const visible: string[] = [];
    for await (const w of env.client.workflow.list()) visible.push(JSON.stringify([w.workflowId, w.searchAttributes, w.memo]));
    for (const needle of [id, email, phone, name]) expect(visible.filter((v) => v.includes(needle)), needle).toEqual([]);
    expect(done.removed.temporalExecutions).toBeGreaterThanOrEqual(2);

    // The journey's numbers are what they were: the message still counts, under nobody's name.
    expect(await analytics()).toEqual(before);
    expect((await call(`/v1/customers/${id}/export`)).status).toBe(404);
  });
});

describe('an address erased with an objection', () => {
  const email = 'delivered+objector@resend.dev';
  const send = (customerId: string, key: string) =>
    call('/v1/messages', 'POST', { customerId, template: 'reactivation-offer', channel: 'email', idempotencyKey: key, category: 'marketing' });

  it('gets no marketing without a consent given after the erasure, and gets it once there is one', async () => {
    await seedCustomer(database.db, { id: 'cr-objector', email: 'Delivered+Objector@Resend.dev', consent: ['email'] });
    await erasedFully('cr-objector', { reason: 'objection to marketing', objection: true });
    const [hashed] = await database.db.select().from(erasedAddresses).where(eq(erasedAddresses.addressHash, createHash('sha256').update(email).digest('hex')));
    expect(hashed).toMatchObject({ channel: 'email', objection: true });

    // Back through a CRM sync under a new id, with the opt-in they gave before the erasure.
    await seedCustomer(database.db, { id: 'cr-returning', email, consent: [] });
    await json(await call('/v1/customers/cr-returning/consents', 'PUT', { email: true, source: 'crm-sync', consentedAt: '2024-01-01T00:00:00Z' }), 200);
    const held = await json<{ messages: Array<{ status: string; skipReason: string | null }> }>(await send('cr-returning', 'promo-held'), 202);
    expect(held.messages).toMatchObject([{ status: 'skipped', skipReason: 'suppressed' }]);
    // A profile sync restating the opt-in, dated now, is still not the customer's word.
    await json(await call('/v1/customers/cr-returning', 'PUT', { email, consents: { email: true } }), 200);
    const stillHeld = await json<{ messages: Array<{ status: string; skipReason: string | null }> }>(await send('cr-returning', 'promo-held-2'), 202);
    expect(stillHeld.messages).toMatchObject([{ status: 'skipped', skipReason: 'suppressed' }]);

    await json(await call('/v1/customers/cr-returning/consents', 'PUT', { email: true, source: 'preference-centre' }), 200);
    const sent = await json<{ ids: number[] }>(await send('cr-returning', 'promo-sent'), 202);
    await eventually(async () => ((await database.db.select().from(messages).where(eq(messages.id, sent.ids[0]!)))[0]?.status === 'delivered' ? true : undefined), 30_000);
    expect(fake.emailsTo(email)).toHaveLength(1);
  });
});
