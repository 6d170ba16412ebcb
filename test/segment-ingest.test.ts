/**
 * Segment-compatible ingest on real parts (Temporal dev server, Postgres, the worker, the API over
 * HTTP), spoken to by the real clients a product system already runs: @segment/analytics-node and
 * RudderStack's Node SDK (gzip and all), pointed at /v1/segment/batch with a Cascade ingest key.
 */
import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, events, journeyRuns, orders } from '../db/schema';
import { loadConfig } from '../lib/config';
import { createUnsubscribeToken } from '../lib/unsubscribe-token';
import { apiOptionsFromConfig, startApi, type ApiHandle } from '../processes/api';
import { TEST_API_KEY, TEST_UNSUBSCRIBE_SECRET, useCascadeApi } from './support/cascade';
import { eventually } from './support/journeys';
import { taskQueue } from './support/temporal';

const cascade = useCascadeApi('dev-server');
const db = () => cascade.database.db;

let ingestKey = '';
let readKey = '';
beforeAll(async () => {
  const create = async (scopes: string[]) => {
    const res = await cascade.api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: `segment-${scopes[0]}`, scopes }) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { key: string }).key;
  };
  ingestKey = await create(['ingest']);
  readKey = await create(['read']);
});

/** analytics-node as a product system configures it, pointed at Cascade; the statuses it was answered with. */
function segmentClient(writeKey: string, url = cascade.api.url) {
  const analytics = new Analytics({ writeKey, host: url, path: '/v1/segment/batch', flushAt: 50, maxRetries: 0 });
  const statuses: number[] = [];
  analytics.on('http_response', (r) => statuses.push(r.status));
  return { analytics, statuses };
}

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const postSegment = (path: string, body: unknown, key = ingestKey) =>
  fetch(`${cascade.api.url}${path}`, { method: 'POST', headers: { authorization: basic(key), 'content-type': 'application/json' }, body: JSON.stringify(body) });

const storedEvents = (ids: string[]) => db().select().from(events).where(inArray(events.id, ids));
const runsOf = (customerId: string) => db().select().from(journeyRuns).where(eq(journeyRuns.customerId, customerId));

describe('@segment/analytics-node pointed at Cascade', () => {
  it('identify upserts the customer; tracks are stored under their messageId, mapped, and start the journeys listening', async () => {
    const { analytics, statuses } = segmentClient(ingestKey);
    analytics.identify({
      userId: 'sofia',
      traits: { email: 'Sofia@Example.com', phone: '8 (912) 345-67-80', firstName: 'Sofia', lastName: 'Petrova', address: { city: 'Kazan' }, plan: 'pro', consents: { email: true } },
      context: { timezone: 'Asia/Yekaterinburg', locale: 'ru-RU' },
    });
    analytics.track({ userId: 'sofia', event: 'Signed Up', messageId: 'seg-signup-sofia', timestamp: new Date('2030-01-02T03:04:05Z') });
    analytics.track({ userId: 'sofia', event: 'Product Viewed', messageId: 'seg-view-sofia', properties: { sku: 'tyre-42' } });
    analytics.track({ userId: 'sofia', event: 'Order Completed', messageId: 'seg-order-sofia', properties: { order_id: 'o-sofia-1', total: 990, currency: 'RUB' } });
    analytics.track({ anonymousId: 'visitor-7', event: 'Signed Up', messageId: 'seg-anonymous' });
    await analytics.closeAndFlush();
    expect(statuses).toEqual([200]);

    const [sofia] = await db().select().from(customers).where(eq(customers.id, 'sofia'));
    expect(sofia).toMatchObject({
      email: 'sofia@example.com',
      phone: '+79123456780',
      name: 'Sofia Petrova',
      city: 'Kazan',
      timeZone: 'Asia/Yekaterinburg',
      locale: 'ru-RU',
      attributes: { plan: 'pro', firstName: 'Sofia', lastName: 'Petrova', address: { city: 'Kazan' } },
    });
    const detail = (await (await cascade.api.call('/v1/customers/sofia')).json()) as { consents: Record<string, Record<string, boolean>> };
    expect(detail.consents.email).toEqual({ '*': true });

    const stored = await storedEvents(['seg-signup-sofia', 'seg-view-sofia', 'seg-order-sofia', 'seg-anonymous']);
    expect(Object.fromEntries(stored.map((e) => [e.id, [e.customerId, e.type]]))).toEqual({
      'seg-signup-sofia': ['sofia', 'customer.signed_up'],
      'seg-view-sofia': ['sofia', 'segment.product_viewed'],
      'seg-order-sofia': ['sofia', 'order.placed'],
    });
    expect(stored.find((e) => e.id === 'seg-signup-sofia')!.occurredAt.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(stored.find((e) => e.id === 'seg-view-sofia')!.properties).toEqual({ sku: 'tyre-42' });
    expect(await db().select({ id: orders.id, total: orders.total }).from(orders).where(eq(orders.customerId, 'sofia'))).toEqual([{ id: 'o-sofia-1', total: '990.00' }]);

    // The mapped types start what they start over POST /v1/events: the welcome chain, the order confirmation.
    const runs = await eventually(async () => {
      const rows = await runsOf('sofia');
      return rows.length >= 2 ? rows : undefined;
    });
    expect(runs.map((r) => [r.journey, r.triggerEventId]).sort()).toEqual([
      ['order-confirmation', 'seg-order-sofia'],
      ['welcome', 'seg-signup-sofia'],
    ]);
  });

  it('takes a repeated messageId and stores it once; a later identify keeps traits it leaves out and cannot lift an unsubscribe', async () => {
    const unsubscribe = await fetch(`${cascade.api.url}/unsubscribe?token=${createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId: 'sofia', channel: 'email' })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribe.status).toBe(200);

    const { analytics, statuses } = segmentClient(ingestKey);
    analytics.identify({ userId: 'sofia', traits: { employer: 'Shinservice', consents: { email: true } } });
    analytics.track({ userId: 'sofia', event: 'Signed Up', messageId: 'seg-signup-sofia' });
    analytics.track({ userId: 'sofia', event: 'Signed Up', messageId: 'seg-signup-sofia' });
    await analytics.closeAndFlush();
    expect(statuses).toEqual([200]);

    expect(await storedEvents(['seg-signup-sofia'])).toHaveLength(1);
    expect(await db().select().from(journeyRuns).where(and(eq(journeyRuns.customerId, 'sofia'), eq(journeyRuns.journey, 'welcome')))).toHaveLength(1);
    const [sofia] = await db().select().from(customers).where(eq(customers.id, 'sofia'));
    expect(sofia!.attributes).toMatchObject({ plan: 'pro', employer: 'Shinservice' });
    const detail = (await (await cascade.api.call('/v1/customers/sofia')).json()) as { consents: Record<string, Record<string, boolean>> };
    expect(detail.consents.email).toEqual({ '*': false });
  });

  it('refuses a wrong write key (401) and a key without the ingest scope (403): nothing is stored', async () => {
    for (const [key, status] of [
      ['not-a-cascade-key', 401],
      [readKey, 403],
    ] as const) {
      const { analytics, statuses } = segmentClient(key);
      analytics.identify({ userId: `intruder-${status}`, traits: { email: 'x@example.com' } });
      analytics.track({ userId: 'sofia', event: 'Signed Up', messageId: `seg-intruder-${status}` });
      await analytics.closeAndFlush();
      expect(statuses).toEqual([status]);
      expect(await db().select().from(customers).where(eq(customers.id, `intruder-${status}`))).toEqual([]);
      expect(await storedEvents([`seg-intruder-${status}`])).toEqual([]);
    }
  });
});

describe("RudderStack's Node SDK pointed at Cascade", () => {
  it('sends gzipped batches with the write key as Basic user: identify and track land like Segment calls', async () => {
    const errors: unknown[] = [];
    const rudder = new RudderAnalytics(ingestKey, { dataPlaneUrl: cascade.api.url, path: '/v1/segment/batch', flushAt: 20, retryCount: 0, logLevel: 'error', errorHandler: (e: unknown) => errors.push(e) });
    rudder.identify({ userId: 'rudi', traits: { email: 'rudi@example.com', name: 'Rudi', tier: 'gold' } });
    await rudder.flush();
    // The SDK sends a messageId it is given, though its types leave the field out.
    rudder.track(Object.assign({ userId: 'rudi', event: 'Signed Up', properties: { source: 'app' } }, { messageId: 'rs-signup-rudi' }));
    rudder.track(Object.assign({ anonymousId: 'visitor-9', event: 'Signed Up' }, { messageId: 'rs-anonymous' }));
    await rudder.flush();
    expect(errors).toEqual([]);

    const [rudi] = await db().select().from(customers).where(eq(customers.id, 'rudi'));
    expect(rudi).toMatchObject({ email: 'rudi@example.com', name: 'Rudi', attributes: { tier: 'gold' } });
    const stored = await storedEvents(['rs-signup-rudi', 'rs-anonymous']);
    expect(stored.map((e) => [e.id, e.type, e.properties])).toEqual([['rs-signup-rudi', 'customer.signed_up', { source: 'app' }]]);
    const runs = await eventually(async () => ((await runsOf('rudi')).length ? runsOf('rudi') : undefined));
    expect(runs.map((r) => [r.journey, r.triggerEventId])).toEqual([['welcome', 'rs-signup-rudi']]);
  });
});

describe('bad input', () => {
  it('answers 400 naming the field (batch[i].field in a batch) and writes nothing of a refused batch', async () => {
    const refused = async (path: string, body: unknown, status: number, field: string) => {
      const res = await postSegment(path, body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
    };
    const newcomer = { type: 'identify', userId: 'newcomer', traits: { email: 'newcomer@example.com' } };
    await refused('/v1/segment/batch', { batch: [newcomer, { type: 'track', userId: 'newcomer', messageId: 'bad-1' }] }, 400, 'batch[1].event');
    await refused('/v1/segment/batch', { batch: [newcomer, { type: 'track', userId: 'newcomer', event: 'Order Completed', messageId: 'bad-2', properties: { total: 5 } }] }, 400, 'batch[1].properties.orderId');
    await refused('/v1/segment/batch', { batch: [newcomer, { type: 'track', userId: 'nobody', event: 'Signed Up', messageId: 'bad-3' }] }, 404, 'batch[1].userId');
    await refused('/v1/segment/batch', { batch: [newcomer, { type: 'trak', userId: 'newcomer' }] }, 400, 'batch[1].type');
    await refused('/v1/segment/batch', { batch: [newcomer, { type: 'track', userId: 'sofia', event: 'Product Viewed', messageId: 'seg-signup-sofia' }] }, 409, 'batch[1].messageId');
    await refused('/v1/segment/identify', { userId: 'newcomer', traits: { email: 'not an address' } }, 400, 'traits.email');
    await refused('/v1/segment/identify', { userId: 'newcomer', context: { timezone: 'Mars/Olympus' } }, 400, 'context.timezone');
    await refused('/v1/segment/track', { userId: 'sofia', event: 'Signed Up' }, 400, 'messageId');
    // None of those batches left the identify they began with.
    expect(await db().select().from(customers).where(eq(customers.id, 'newcomer'))).toEqual([]);
    expect(await storedEvents(['bad-1', 'bad-2', 'bad-3'])).toEqual([]);

    const ok = await postSegment('/v1/segment/track', { userId: 'sofia', event: 'Coupon Applied', messageId: 'seg-coupon-sofia' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ success: true });
    expect((await storedEvents(['seg-coupon-sofia']))[0]!.type).toBe('segment.coupon_applied');
  });
});

describe('CASCADE_SEGMENT_EVENT_MAP', () => {
  let mapped: ApiHandle | undefined;
  afterAll(async () => mapped?.stop());

  it('is checked at start with the name it blames, and maps names on top of the defaults', async () => {
    const options = (env: Record<string, string>) => apiOptionsFromConfig(loadConfig(env), {});
    expect(() => options({ CASCADE_SEGMENT_EVENT_MAP: '{"Trial Started":"Trial Started"}' })).toThrow(
      /CASCADE_SEGMENT_EVENT_MAP: "Trial Started": dotted lower-case name like order\.placed/,
    );
    expect(() => options({ CASCADE_SEGMENT_EVENT_MAP: 'order.placed' })).toThrow(/CASCADE_SEGMENT_EVENT_MAP: not JSON/);

    const config = loadConfig({ CASCADE_SEGMENT_EVENT_MAP: '{"Trial Started":"customer.signed_up"}' });
    mapped = await startApi({
      db: db(),
      client: cascade.env.client,
      taskQueue,
      apiKeys: [TEST_API_KEY],
      port: 0,
      router: false,
      segmentEventMap: apiOptionsFromConfig(config, {}).segmentEventMap,
    });
    const { analytics, statuses } = segmentClient(ingestKey, `http://127.0.0.1:${mapped.port}`);
    analytics.track({ userId: 'rudi', event: 'Trial Started', messageId: 'seg-trial-rudi' });
    analytics.track({ userId: 'rudi', event: 'Order Completed', messageId: 'seg-order-rudi', properties: { order_id: 'o-rudi-1' } });
    await analytics.closeAndFlush();
    expect(statuses).toEqual([200]);
    const stored = await storedEvents(['seg-trial-rudi', 'seg-order-rudi']);
    expect(Object.fromEntries(stored.map((e) => [e.id, e.type]))).toEqual({ 'seg-trial-rudi': 'customer.signed_up', 'seg-order-rudi': 'order.placed' });
  });
});
