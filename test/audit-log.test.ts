/**
 * The audit log over HTTP on real parts: every admin action is one row (who, what, when, target,
 * outcome), refused attempts included; a customer is named by a hash, never by the id; the rows
 * are read back with filters and pages, and Postgres refuses to change or delete them.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { customerTarget } from '../audit/declare';
import { auditLog } from '../db/schema';
import { seedCustomer, useCascadeApi } from './support/cascade';

const cascade = useCascadeApi('dev-server');

type Entry = { id: number; at: string; actor: string; action: string; target: string; outcome: string; detail: Record<string, unknown> };

const call = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
  cascade.api.call(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.key ? { headers: { authorization: `Bearer ${init.key}` } } : {}),
  });

async function audit(query: string): Promise<{ entries: Entry[]; next: number | null }> {
  const res = await call(`/v1/audit${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { entries: Entry[]; next: number | null };
}

async function keyWith(scopes: string[]): Promise<{ id: string; key: string }> {
  const res = await call('/v1/api-keys', { body: { name: `audit-${scopes.join('-')}`, scopes } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

describe('the audit log', () => {
  it('records each admin action with who, what, target and outcome, and a refused one as refused', async () => {
    const reader = await keyWith(['read']);
    const created = await audit(`?action=api-key.create&target=api-key:${reader.id}`);
    expect(created.entries).toHaveLength(1);
    expect(created.entries[0]).toMatchObject({ action: 'api-key.create', target: `api-key:${reader.id}`, outcome: 'ok', detail: { scopes: ['read'], status: 201 } });
    expect(created.entries[0]!.actor).toMatch(/^key:/);

    expect((await call('/v1/journeys/welcome/pause', { body: {} })).status).toBe(200);
    expect((await call('/v1/journeys/welcome/resume', { body: {} })).status).toBe(200);
    // A key without the admin scope is turned away, and the attempt is on record under its id.
    expect((await call('/v1/journeys/welcome/pause', { body: {}, key: reader.key })).status).toBe(403);
    expect((await call('/v1/journeys/no-such-journey/pause', { body: {} })).status).toBe(404);

    const journey = await audit('?action=journey.*&target=journey:welcome');
    expect(journey.entries.map((e) => [e.action, e.outcome, e.actor === `key:${reader.id}`])).toEqual([
      ['journey.pause', 'refused', true],
      ['journey.resume', 'ok', false],
      ['journey.pause', 'ok', false],
    ]);
    expect((await audit('?target=journey:no-such-journey')).entries).toMatchObject([{ action: 'journey.pause', outcome: 'refused', detail: { status: 404 } }]);

    // A created thing is the row's target once it has an id; its secret is in the answer only.
    const subscribed = await call('/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['run.ended'] } });
    expect(subscribed.status).toBe(201);
    const { id, secret } = (await subscribed.json()) as { id: string; secret: string };
    const webhook = (await audit('?action=webhook.*')).entries;
    expect(webhook).toMatchObject([{ action: 'webhook.create', target: `webhook:${id}`, outcome: 'ok' }]);
    expect(JSON.stringify(webhook)).not.toContain(secret);
  });

  it('names a customer by a hash of the id, found by filtering on customer:<id>; a consent is audited only when an operator sets it', async () => {
    const db = cascade.database.db;
    await seedCustomer(db, { id: 'audited-anna', email: 'anna@example.com' });
    const ingest = await keyWith(['ingest']);
    expect((await call('/v1/customers/audited-anna/consents', { method: 'PUT', body: { email: true, source: 'checkout-form' }, key: ingest.key })).status).toBe(200);
    expect((await call('/v1/customers/audited-anna/consents', { method: 'PUT', body: { email: false } })).status).toBe(200);
    expect((await call('/v1/events?wait=routed', { body: { id: 'su-audited-anna', customerId: 'audited-anna', type: 'customer.signed_up' } })).status).toBeLessThan(300);
    const exit = await call('/v1/customers/audited-anna/journeys/welcome/exit', { body: { reason: 'asked by phone' } });
    expect(exit.status).toBe(202);

    const rows = (await audit('?target=customer:audited-anna')).entries;
    expect(rows.map((e) => e.action)).toEqual(['journey.exit', 'consent.set']);
    expect(rows.every((e) => e.target === customerTarget('audited-anna'))).toBe(true);
    const stored = await db.execute<{ found: number }>(sql`select count(*)::int as found from audit_log where ${auditLog}::text like '%audited-anna%'`);
    expect(stored[0]!.found).toBe(0);
  });

  it('reads by time window and a page at a time, and refuses a bad filter naming it', async () => {
    const before = new Date().toISOString();
    for (const id of ['page-1', 'page-2', 'page-3']) {
      expect((await call('/v1/segments', { body: { id, name: id, where: { attribute: 'city', eq: 'Kazan' } } })).status).toBeLessThan(300);
    }
    const first = await audit(`?action=segment.save&from=${encodeURIComponent(before)}&limit=2`);
    expect(first.entries.map((e) => e.target)).toEqual(['segment:page-3', 'segment:page-2']);
    const second = await audit(`?action=segment.save&from=${encodeURIComponent(before)}&limit=2&before=${first.next}`);
    expect(second.entries.map((e) => e.target)).toEqual(['segment:page-1']);
    expect(second.next).toBeNull();
    expect((await audit(`?action=segment.save&to=${encodeURIComponent(before)}`)).entries).toEqual([]);

    const bad = await call('/v1/audit?action=DROP%20TABLE');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { field: 'action' } });
    const ingest = await keyWith(['ingest']);
    expect((await call('/v1/audit', { key: ingest.key })).status).toBe(403);
  });

  it('is append-only: Postgres refuses to change, delete or truncate its rows', async () => {
    const db = cascade.database.db;
    const [row] = await db.select().from(auditLog).limit(1);
    expect(row).toBeDefined();
    await expect(db.execute(sql`update audit_log set outcome = 'ok' where id = ${row!.id}`)).rejects.toMatchObject({ cause: { message: expect.stringMatching(/append-only/) } });
    await expect(db.execute(sql`delete from audit_log where id = ${row!.id}`)).rejects.toMatchObject({ cause: { message: expect.stringMatching(/append-only/) } });
    await expect(db.execute(sql`truncate audit_log`)).rejects.toMatchObject({ cause: { message: expect.stringMatching(/append-only/) } });
    const [still] = await db.select().from(auditLog).where(sql`id = ${row!.id}`);
    expect(still).toEqual(row);
  });
});
