/**
 * Cleaning a base over HTTP on real parts (Postgres, the API, Temporal with a worker): the
 * data-quality findings on a hand-made base, merging a duplicate (everything moves, the stricter
 * consent wins, a live run refuses the merge) and reverting it, and the daily reconciliation with
 * hand-computed revenue.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { unsubscribe } from '../contactability/unsubscribe';
import type { Database } from '../db/client';
import { recordRunEnd, recordRunStart } from '../db/queries/runs';
import { consents, customerMerges, customers, events, journeyRuns, messages, orders, pushTokens } from '../db/schema';
import { seedCustomer, useCascadeApi } from './support/cascade';

const cascade = useCascadeApi('dev-server');

const db = () => cascade.database.db;
// Response bodies are checked by matchers, not by types.
type Answer = Record<string, any>;
const call = async (path: string, init?: { method?: string; body?: unknown }) => {
  const res = await cascade.api.call(path, { method: init?.method ?? 'GET', ...(init?.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  return { status: res.status, body: (await res.json()) as Answer };
};
const order = (id: string, customerId: string, placedAt: string, total: string, source: 'online' | 'offline' = 'online', currency = 'RUB') =>
  db().insert(orders).values({ id, customerId, placedAt: new Date(placedAt), total, source, currency });
const consentRows = (id: string) =>
  db().select({ channel: consents.channel, topic: consents.topic, granted: consents.granted, source: consents.source }).from(consents).where(eq(consents.customerId, id)).orderBy(consents.channel, consents.topic);
const ownerOf = async <T extends { customerId: unknown }>(rows: Promise<T[]>) => (await rows).map((r) => r.customerId);

describe('GET /v1/data-quality', () => {
  it('finds duplicates, invalid contacts, implausible order days and activity without contact', async () => {
    // Rows as an older system or a hand-written script left them: straight into the table, past the API's rules.
    await db().insert(customers).values([
      { id: 'dq-a1', email: 'Dup@Example.com', createdAt: new Date('2024-01-01T00:00:00Z') },
      { id: 'dq-a2', email: ' dup@example.com ', createdAt: new Date('2024-02-01T00:00:00Z') },
      { id: 'dq-p1', phone: '+79160000001' },
      { id: 'dq-p2', phone: '+79160000001' },
      { id: 'dq-bad-email', email: 'not-an-email' },
      { id: 'dq-bad-phone', phone: '12345' },
      { id: 'dq-raw-phone', phone: '8 916 000-00-02' },
      { id: 'dq-busy', email: 'busy@example.com' },
      { id: 'dq-ok', email: 'ok@example.com' },
      { id: 'dq-stub' },
      { id: 'dq-stub2' },
      { id: 'dq-token-only' },
    ]);
    await db().insert(pushTokens).values({ token: 'token-dq-only-1', customerId: 'dq-token-only' });
    for (let i = 0; i < 51; i++) await order(`busy-${i}`, 'dq-busy', `2025-05-05T${String(i % 24).padStart(2, '0')}:00:00Z`, '10');
    for (let i = 0; i < 50; i++) await order(`ok-${i}`, 'dq-ok', `2025-05-05T${String(i % 24).padStart(2, '0')}:30:00Z`, '10');
    expect((await call('/v1/events', { method: 'POST', body: { id: 'dq-view-1', customerId: 'dq-stub', type: 'product.viewed' } })).status).toBe(202);
    expect((await call('/v1/events', { method: 'POST', body: { id: 'dq-view-2', customerId: 'dq-token-only', type: 'product.viewed' } })).status).toBe(202);
    await order('stub2-1', 'dq-stub2', '2025-05-06T10:00:00Z', '99');

    const { status, body } = await call('/v1/data-quality');
    expect(status).toBe(200);
    expect(body.duplicateEmails).toEqual({ count: 1, samples: [{ value: 'dup@example.com', customers: 2, customerIds: ['dq-a1', 'dq-a2'] }] });
    expect(body.duplicatePhones).toEqual({ count: 1, samples: [{ value: '+79160000001', customers: 2, customerIds: ['dq-p1', 'dq-p2'] }] });
    // Judged by the API's own rules: the padded address is refused as sent, the uppercase one is fine.
    expect(body.invalidEmails.count).toBe(2);
    expect(body.invalidEmails.samples.map((s: Answer) => s.customerId).sort()).toEqual(['dq-a2', 'dq-bad-email']);
    expect(body.invalidPhones.count).toBe(2);
    expect(body.invalidPhones.samples).toEqual(
      expect.arrayContaining([
        { customerId: 'dq-bad-phone', value: '12345', problem: 'not a valid phone number' },
        { customerId: 'dq-raw-phone', value: '8 916 000-00-02', problem: 'not stored in E.164 (+79160000002)' },
      ]),
    );
    expect(body.implausibleOrderDays).toEqual({ count: 1, threshold: 50, samples: [{ customerId: 'dq-busy', day: '2025-05-05', orders: 51 }] });
    expect(body.activityWithoutContact).toEqual({
      count: 2,
      samples: [
        { customerId: 'dq-stub', events: 1, orders: 0 },
        { customerId: 'dq-stub2', events: 0, orders: 1 },
      ],
    });
  });
});

describe('POST /v1/customers/:id/merge and its revert', () => {
  let mergeId: number;

  it('moves events, orders, consents, tokens, the ledger and ended runs; fills empty fields; the stricter consent wins', async () => {
    await seedCustomer(db(), { id: 'm-keep', email: 'keep@example.com', city: 'Tver', attributes: { tier: 'gold' }, consent: ['email', 'sms'] });
    await seedCustomer(db(), { id: 'm-dup', email: 'masha@example.com', phone: '+79160000009', name: 'Masha', city: 'Kazan', attributes: { tier: 'silver', pet: 'cat' }, consent: ['email', 'sms', 'push'] });
    await unsubscribe(db(), { customerId: 'm-dup', channel: 'email' });
    await unsubscribe(db(), { customerId: 'm-dup', channel: 'sms', topic: 'promotions', source: 'preference-center' });
    await db().insert(pushTokens).values({ token: 'token-mdup-0001', customerId: 'm-dup' });
    expect((await call('/v1/events', { method: 'POST', body: { id: 'm-view-1', customerId: 'm-dup', type: 'product.viewed' } })).status).toBe(202);
    await order('m-order-1', 'm-dup', '2025-04-01T10:00:00Z', '500');
    await db().insert(messages).values({ idempotencyKey: 'm-ledger-1', customerId: 'm-dup', workflowId: 'welcome/m-dup', journey: 'welcome', step: 'hello', channel: 'email', provider: 'outbox', template: 'welcome-hello', status: 'sent', requestedAt: new Date() });
    await db().transaction((tx) => recordRunStart(tx, { runId: 'm-run-1', workflowId: 'welcome/m-dup', journey: 'welcome', customerId: 'm-dup' }));
    await recordRunEnd(db(), { workflowId: 'welcome/m-dup', status: 'completed', reason: 'done' });

    const { status, body } = await call('/v1/customers/m-keep/merge', { method: 'POST', body: { from: 'm-dup' } });
    expect(status).toBe(200);
    mergeId = body.mergeId;
    expect(body).toMatchObject({ survivor: 'm-keep', merged: 'm-dup', moved: { events: 1, orders: 1, messages: 1, journeyRuns: 1, pushTokens: 1 } });
    expect(body.filled.sort()).toEqual(['attributes.pet', 'name', 'phone']);

    expect((await call('/v1/customers/m-dup')).status).toBe(404);
    expect(await ownerOf(db().select({ customerId: events.customerId }).from(events).where(eq(events.id, 'm-view-1')))).toEqual(['m-keep']);
    expect(await ownerOf(db().select({ customerId: orders.customerId }).from(orders).where(eq(orders.id, 'm-order-1')))).toEqual(['m-keep']);
    expect(await ownerOf(db().select({ customerId: messages.customerId }).from(messages).where(eq(messages.idempotencyKey, 'm-ledger-1')))).toEqual(['m-keep']);
    expect(await ownerOf(db().select({ customerId: journeyRuns.customerId }).from(journeyRuns).where(eq(journeyRuns.runId, 'm-run-1')))).toEqual(['m-keep']);
    expect(await ownerOf(db().select({ customerId: pushTokens.customerId }).from(pushTokens).where(eq(pushTokens.token, 'token-mdup-0001')))).toEqual(['m-keep']);
    expect(await db().select().from(customers).where(eq(customers.id, 'm-keep'))).toEqual([
      expect.objectContaining({ email: 'keep@example.com', phone: '+79160000009', name: 'Masha', city: 'Tver', attributes: { tier: 'gold', pet: 'cat' } }),
    ]);
    // The duplicate's withdrawals bind the survivor; its push grant, which the survivor lacked, moved over.
    expect(await consentRows('m-keep')).toEqual([
      { channel: 'email', topic: '*', granted: false, source: 'unsubscribe' },
      { channel: 'push', topic: '*', granted: true, source: 'api' },
      { channel: 'sms', topic: '*', granted: true, source: 'api' },
      { channel: 'sms', topic: 'promotions', granted: false, source: 'preference-center' },
    ]);
    // ...and stay sticky: the next profile sync cannot grant email again.
    const sync = await call('/v1/customers/m-keep', { method: 'PUT', body: { consents: { email: true } } });
    expect(sync.body.consentsRefused).toEqual([{ channel: 'email', note: expect.stringMatching(/withdrew by unsubscribe/) }]);
    const [record] = await db().select().from(customerMerges).where(eq(customerMerges.id, mergeId));
    expect(record).toMatchObject({ sourceId: 'm-dup', targetId: 'm-keep', actor: expect.stringMatching(/^key:/), revertedAt: null, snapshot: { customer: { id: 'm-dup', name: 'Masha' } } });
  });

  it('revert brings the duplicate back with its rows, and empties what the merge filled', async () => {
    const { status, body } = await call(`/v1/customer-merges/${mergeId}/revert`, { method: 'POST' });
    expect(status).toBe(200);
    expect(body).toEqual({ mergeId, restored: 'm-dup', survivor: 'm-keep' });
    expect(await db().select().from(customers).where(eq(customers.id, 'm-dup'))).toEqual([
      expect.objectContaining({ email: 'masha@example.com', phone: '+79160000009', name: 'Masha', city: 'Kazan', attributes: { tier: 'silver', pet: 'cat' } }),
    ]);
    expect(await db().select().from(customers).where(eq(customers.id, 'm-keep'))).toEqual([
      expect.objectContaining({ phone: null, name: null, city: 'Tver', attributes: { tier: 'gold' } }),
    ]);
    for (const rows of [
      db().select({ customerId: events.customerId }).from(events).where(eq(events.id, 'm-view-1')),
      db().select({ customerId: orders.customerId }).from(orders).where(eq(orders.id, 'm-order-1')),
      db().select({ customerId: messages.customerId }).from(messages).where(eq(messages.idempotencyKey, 'm-ledger-1')),
      db().select({ customerId: journeyRuns.customerId }).from(journeyRuns).where(eq(journeyRuns.runId, 'm-run-1')),
      db().select({ customerId: pushTokens.customerId }).from(pushTokens).where(eq(pushTokens.token, 'token-mdup-0001')),
    ]) {
      expect(await ownerOf(rows)).toEqual(['m-dup']);
    }
    expect(await consentRows('m-dup')).toEqual([
      { channel: 'email', topic: '*', granted: false, source: 'unsubscribe' },
      { channel: 'push', topic: '*', granted: true, source: 'api' },
      { channel: 'sms', topic: '*', granted: true, source: 'api' },
      { channel: 'sms', topic: 'promotions', granted: false, source: 'preference-center' },
    ]);
    // The push grant went back; the withdrawals the survivor took on stay (only the customer lifts a withdrawal).
    expect(await consentRows('m-keep')).toEqual([
      { channel: 'email', topic: '*', granted: false, source: 'unsubscribe' },
      { channel: 'sms', topic: '*', granted: true, source: 'api' },
      { channel: 'sms', topic: 'promotions', granted: false, source: 'preference-center' },
    ]);
    const again = await call(`/v1/customer-merges/${mergeId}/revert`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error.field).toBe('mergeId');
  });

  it('refuses a duplicate with a running journey run (409 on from), and bad requests name their field', async () => {
    await seedCustomer(db(), { id: 'm-live' });
    const signup = await call('/v1/events?wait=routed', { method: 'POST', body: { id: 'm-live-signup', customerId: 'm-live', type: 'customer.signed_up' } });
    expect(signup.status).toBe(202);
    expect(signup.body.workflows).toHaveLength(1);
    const live = await call('/v1/customers/m-keep/merge', { method: 'POST', body: { from: 'm-live' } });
    expect(live.status).toBe(409);
    expect(live.body.error).toMatchObject({ field: 'from', message: expect.stringMatching(/running journey run/) });
    expect(await db().select({ id: customers.id }).from(customers).where(eq(customers.id, 'm-live'))).toHaveLength(1);

    const cases: Array<[string, unknown, number, string]> = [
      ['/v1/customers/m-keep/merge', { from: 'm-keep' }, 400, 'from'],
      ['/v1/customers/m-keep/merge', { from: 'nobody' }, 404, 'from'],
      ['/v1/customers/nobody/merge', { from: 'm-dup' }, 404, 'customerId'],
      ['/v1/customers/m-keep/merge', {}, 400, 'from'],
      ['/v1/customers/m-keep/merge', { from: "x'; drop table customers; --" }, 400, 'from'],
      ['/v1/customer-merges/999999/revert', undefined, 404, 'mergeId'],
      ['/v1/customer-merges/abc/revert', undefined, 400, 'mergeId'],
    ];
    for (const [path, body, status, field] of cases) {
      const res = await call(path, { method: 'POST', body });
      expect([path, res.status, res.body.error?.field]).toEqual([path, status, field]);
    }
  });
});

describe('GET /v1/reconciliation', () => {
  it('counts customers, orders and revenue per day, source and currency, in UTC or a given time zone', async () => {
    await seedCustomer(db(), { id: 'rc-1', createdAt: new Date('2025-06-01T10:00:00Z') });
    await seedCustomer(db(), { id: 'rc-2', createdAt: new Date('2025-06-01T23:30:00Z') });
    await seedCustomer(db(), { id: 'rc-3', createdAt: new Date('2025-06-03T00:00:00Z') });
    await order('rc-o1', 'rc-1', '2025-06-01T10:00:00Z', '100.10');
    await order('rc-o2', 'rc-1', '2025-06-01T12:00:00Z', '200.20');
    await order('rc-o3', 'rc-2', '2025-06-01T22:30:00Z', '50.00', 'offline');
    await order('rc-o4', 'rc-2', '2025-06-02T09:00:00Z', '10.00', 'online', 'EUR');
    await order('rc-o5', 'rc-3', '2025-06-03T09:00:00Z', '1.00');

    const utc = await call('/v1/reconciliation?from=2025-06-01&to=2025-06-02');
    expect(utc.status).toBe(200);
    expect(utc.body).toEqual({
      from: '2025-06-01',
      to: '2025-06-02',
      timeZone: 'UTC',
      days: [
        {
          date: '2025-06-01',
          newCustomers: 2,
          orders: [
            { source: 'offline', currency: 'RUB', orders: 1, revenue: '50.00' },
            { source: 'online', currency: 'RUB', orders: 2, revenue: '300.30' },
          ],
        },
        { date: '2025-06-02', newCustomers: 0, orders: [{ source: 'online', currency: 'EUR', orders: 1, revenue: '10.00' }] },
      ],
      totals: {
        newCustomers: 2,
        orders: [
          { source: 'offline', currency: 'RUB', orders: 1, revenue: '50.00' },
          { source: 'online', currency: 'EUR', orders: 1, revenue: '10.00' },
          { source: 'online', currency: 'RUB', orders: 2, revenue: '300.30' },
        ],
      },
    });

    // In Moscow (UTC+3) the 22:30 UTC order and the 23:30 UTC sign-up fall on the 2nd.
    const moscow = await call('/v1/reconciliation?from=2025-06-01&to=2025-06-02&timeZone=Europe/Moscow');
    expect(moscow.body.days).toEqual([
      { date: '2025-06-01', newCustomers: 1, orders: [{ source: 'online', currency: 'RUB', orders: 2, revenue: '300.30' }] },
      {
        date: '2025-06-02',
        newCustomers: 1,
        orders: [
          { source: 'offline', currency: 'RUB', orders: 1, revenue: '50.00' },
          { source: 'online', currency: 'EUR', orders: 1, revenue: '10.00' },
        ],
      },
    ]);
  });

  it('wants a valid range: 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['to=2025-06-02', 'from'],
      ['from=2025-06-02&to=2025-06-01', 'to'],
      ['from=2025-01-01&to=2026-01-03', 'to'],
      ['from=2025-06-01&to=2025-06-02&timeZone=Mars/Olympus', 'timeZone'],
      ["from=2025-06-01&to=2025-06-02&timeZone=UTC'%3B%20drop%20table%20orders%3B--", 'timeZone'],
      ['from=2025-06-01&to=2025-06-02&extra=1', 'extra'],
    ];
    for (const [query, field] of cases) {
      const res = await call(`/v1/reconciliation?${query}`);
      expect([query, res.status, res.body.error?.field]).toEqual([query, 400, field]);
    }
  });
});
