/**
 * Segments on real Postgres: every predicate kind alone and combined, against members worked out by
 * hand from a five-customer fixture; injection attempts in every string position; and the
 * /v1/segments routes (create/replace, read, count, paging, 400 naming the bad node, 404, 409).
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { campaigns, consents, events, messageEvents, messages, orders, suppressions } from '../db/schema';
import { countMembers, membersPage } from '../segments/members';
import type { Predicate } from '../workflows/predicate';
import { seedCustomer, useCascadeApi } from './support/cascade';

const cascade = useCascadeApi('time-skipping');

const db = () => cascade.database.db;
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
const INJECTION = "x' OR 1=1 --";
const EVERYONE = ['anna', 'boris', 'dina', 'gleb', 'vera'];

/** Every member, walking pages of two: also proves the keyset paging visits each member once. */
async function members(where: Predicate, now?: Date): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await membersPage(db(), where, { after, limit: 2 }, { now });
    ids.push(...page.map((m) => m.id));
    if (page.length < 2) break;
    after = page.at(-1)!.id;
  }
  expect(await countMembers(db(), where, { now }), 'count agrees with the pages').toBe(ids.length);
  return ids;
}

/**
 * anna   Moscow, gold, score 10, car Lada; email+sms consent; 3 online orders (5, 20, 40 days ago:
 *        500+600+700); viewed tyres twice this month; opened an email 10 days ago. Born 1990-03-05.
 * boris  Moscow, silver; email consent but the address hard-bounced; 1 offline order 100 days ago
 *        (2000); viewed phones; was emailed, never opened. Born 1980-02-29.
 * vera   Kazan (New York time), gold with score "10" as text; sms consent but the number is
 *        invalid, no email; 2 offline orders (200 and 70 days ago, 300+400); viewed tyres 40 days ago.
 *        Born 1992-02-27.
 * gleb   no city (Vladivostok time), no attributes, no consent, nothing done. Born 1975-03-01.
 * dina   city is literally the injection text (UTC); key "weird'key"; sms consent for every topic
 *        but not promotions. Born 2000-03-01.
 */
beforeAll(async () => {
  await seedCustomer(db(), {
    id: 'anna', city: 'Moscow', timeZone: 'Europe/Moscow', phone: '+79990000001', birthday: '1990-03-05', consent: ['email', 'sms'],
    attributes: { tier: 'gold', score: 10, car: { brand: 'Lada' }, since: '2020-01-01' }, createdAt: new Date('2024-01-01T00:00:00Z'),
  });
  await seedCustomer(db(), {
    id: 'boris', city: 'Moscow', timeZone: 'Europe/Moscow', email: 'Boris@Example.com', birthday: '1980-02-29', consent: ['email'],
    attributes: { tier: 'silver', score: 5 }, createdAt: new Date('2025-06-01T00:00:00Z'),
  });
  await seedCustomer(db(), {
    id: 'vera', city: 'Kazan', timeZone: 'America/New_York', email: null, phone: '+79990000003', birthday: '1992-02-27', consent: ['sms'],
    attributes: { tier: 'gold', score: '10' },
  });
  await seedCustomer(db(), { id: 'gleb', timeZone: 'Asia/Vladivostok', birthday: '1975-03-01', consent: [] });
  await seedCustomer(db(), { id: 'dina', city: INJECTION, timeZone: 'UTC', phone: '+79990000005', birthday: '2000-03-01', consent: ['sms'], attributes: { "weird'key": 'v' } });
  await db().insert(consents).values({ customerId: 'dina', channel: 'sms', topic: 'promotions', granted: false });
  await db().insert(suppressions).values([
    { channel: 'email', address: 'boris@example.com', reason: 'hard_bounce' },
    { channel: 'sms', address: '+79990000003', reason: 'invalid' },
  ]);
  await db().insert(orders).values([
    { id: 'a1', customerId: 'anna', source: 'online', total: '500', placedAt: daysAgo(5) },
    { id: 'a2', customerId: 'anna', source: 'online', total: '600', placedAt: daysAgo(20) },
    { id: 'a3', customerId: 'anna', source: 'online', total: '700', placedAt: daysAgo(40) },
    { id: 'b1', customerId: 'boris', source: 'offline', total: '2000', placedAt: daysAgo(100) },
    { id: 'v1', customerId: 'vera', source: 'offline', total: '300', placedAt: daysAgo(200) },
    { id: 'v2', customerId: 'vera', source: 'offline', total: '400', placedAt: daysAgo(70) },
  ]);
  const viewed = (id: string, customerId: string, category: string, ago: number) => ({
    id, customerId, type: 'product.viewed', properties: { category }, occurredAt: daysAgo(ago),
  });
  await db().insert(events).values([viewed('e1', 'anna', 'tyres', 3), viewed('e2', 'anna', 'tyres', 10), viewed('e3', 'boris', 'phones', 2), viewed('e4', 'vera', 'tyres', 40)]);
  const emailed = (customerId: string) => ({
    idempotencyKey: `promo/${customerId}`, customerId, workflowId: `promo/${customerId}`, journey: 'promo', step: 'offer', channel: 'email' as const,
    provider: 'outbox', template: 'offer', status: 'sent' as const, requestedAt: daysAgo(12),
  });
  const [annaMail] = await db().insert(messages).values(emailed('anna')).returning();
  await db().insert(messages).values(emailed('boris'));
  await db().insert(messageEvents).values({ messageId: annaMail!.id, type: 'email.opened', occurredAt: daysAgo(10) });
});

describe('profile fields and custom attributes', () => {
  it('eq, in, exists on profile fields', async () => {
    expect(await members({ attribute: 'city', eq: 'Moscow' })).toEqual(['anna', 'boris']);
    expect(await members({ attribute: 'city', in: ['Kazan', 'Moscow'] })).toEqual(['anna', 'boris', 'vera']);
    expect(await members({ attribute: 'city', exists: true })).toEqual(['anna', 'boris', 'dina', 'vera']);
    expect(await members({ attribute: 'city', exists: false })).toEqual(['gleb']);
    expect(await members({ attribute: 'timeZone', eq: 'UTC' })).toEqual(['dina']);
    expect(await members({ attribute: 'birthday', eq: '1980-02-29' })).toEqual(['boris']);
  });

  it('gte and lte on dates and instants', async () => {
    expect(await members({ attribute: 'birthday', gte: '1985-01-01', lte: '1995-12-31' })).toEqual(['anna', 'vera']);
    expect(await members({ attribute: 'createdAt', lte: '2025-01-01' })).toEqual(['anna']);
    expect(await members({ attribute: 'createdAt', gte: '2025-05-31T00:00:00+03:00', lte: '2025-06-02' })).toEqual(['boris']);
  });

  it('attributes.<name> with eq, in, exists, gte, nested keys, and the JSON type kept', async () => {
    expect(await members({ attribute: 'attributes.tier', eq: 'gold' })).toEqual(['anna', 'vera']);
    expect(await members({ attribute: 'attributes.tier', in: ['silver', 'bronze'] })).toEqual(['boris']);
    expect(await members({ attribute: 'attributes.tier', exists: true })).toEqual(['anna', 'boris', 'vera']);
    expect(await members({ attribute: 'attributes.tier', exists: false })).toEqual(['dina', 'gleb']);
    // The number 10 is not the text "10".
    expect(await members({ attribute: 'attributes.score', eq: 10 })).toEqual(['anna']);
    expect(await members({ attribute: 'attributes.score', eq: '10' })).toEqual(['vera']);
    expect(await members({ attribute: 'attributes.score', gte: 6 })).toEqual(['anna']);
    expect(await members({ attribute: 'attributes.score', gte: 1, lte: 5 })).toEqual(['boris']);
    expect(await members({ attribute: 'attributes.car.brand', eq: 'Lada' })).toEqual(['anna']);
    expect(await members({ attribute: 'attributes.since', gte: '2019-06-01' })).toEqual(['anna']);
  });
});

describe('consent', () => {
  it('granted and reachable: no suppressed, missing or invalid address', async () => {
    // boris: hard bounce (suppressed as stored, whatever the case of his address); vera: no email.
    expect(await members({ consent: 'email' })).toEqual(['anna']);
    // vera's number was reported invalid.
    expect(await members({ consent: 'sms' })).toEqual(['anna', 'dina']);
  });

  it("a topic's own row overrides the channel's *", async () => {
    expect(await members({ consent: 'sms', topic: 'promotions' })).toEqual(['anna']);
    expect(await members({ consent: 'sms', topic: 'news' })).toEqual(['anna', 'dina']);
  });
});

describe('orders', () => {
  it('any order, count, sum, source, window', async () => {
    expect(await members({ orders: {} })).toEqual(['anna', 'boris', 'vera']);
    expect(await members({ orders: { count: { gte: 2 } } })).toEqual(['anna', 'vera']);
    expect(await members({ orders: { count: { gte: 2 }, within: '90 days' } })).toEqual(['anna']);
    expect(await members({ orders: { count: { gte: 2 }, within: '30 days' } })).toEqual(['anna']);
    expect(await members({ orders: { count: { gte: 3 }, within: '30 days' } })).toEqual([]);
    expect(await members({ orders: { sum: { gte: 1000 } } })).toEqual(['anna', 'boris']);
    expect(await members({ orders: { sum: { gte: 1000 }, within: '30 days' } })).toEqual(['anna']);
    expect(await members({ orders: { source: 'offline' } })).toEqual(['boris', 'vera']);
    expect(await members({ orders: { source: 'offline', sum: { lte: 700 } } })).toEqual(['vera']);
  });

  it('no orders at all is count 0, and never "the last order is older than"', async () => {
    expect(await members({ orders: { count: { lte: 0 } } })).toEqual(['dina', 'gleb']);
    expect(await members({ orders: { olderThan: '60 days' } })).toEqual(['boris', 'vera']);
    // Pre-churn: ordered at least twice, then nothing for 60 days.
    expect(await members({ orders: { count: { gte: 2 }, olderThan: '60 days' } })).toEqual(['vera']);
  });
});

describe('events', () => {
  it('type, properties, count and window', async () => {
    expect(await members({ event: { type: 'product.viewed' } })).toEqual(['anna', 'boris', 'vera']);
    expect(await members({ event: { type: 'product.viewed', where: { category: 'tyres' } } })).toEqual(['anna', 'vera']);
    expect(await members({ event: { type: 'product.viewed', where: { category: 'tyres' }, within: '30 days' } })).toEqual(['anna']);
    expect(await members({ event: { type: 'product.viewed', count: { gte: 2 } } })).toEqual(['anna']);
    // Never looked at tyres: count 0 takes customers with no such event at all.
    expect(await members({ event: { type: 'product.viewed', where: { category: 'tyres' }, count: { lte: 0 } } })).toEqual(['boris', 'dina', 'gleb']);
    expect(await members({ event: { type: 'cart.updated' } })).toEqual([]);
  });
});

describe('engagement', () => {
  it('opened or not, on a channel, within a window', async () => {
    expect(await members({ engagement: { channel: 'email', opened: true, within: '90 days' } })).toEqual(['anna']);
    expect(await members({ engagement: { channel: 'email', opened: false, within: '90 days' } })).toEqual(['boris', 'dina', 'gleb', 'vera']);
    expect(await members({ engagement: { channel: 'email', opened: false, within: '5 days' } })).toEqual(EVERYONE);
    expect(await members({ engagement: { channel: 'sms', opened: true } })).toEqual([]);
  });
});

describe('birthday within N days, in the customer time zone', () => {
  // 22:00 UTC on 27 February 2027 (a common year): already the 28th in Moscow and Vladivostok,
  // still the 27th in New York and UTC.
  const now = new Date('2027-02-27T22:00:00Z');

  it('today means the local day, and 29 February is the 28th in a common year', async () => {
    // boris (29 Feb, Moscow: the 28th has begun) and vera (27 Feb, New York: still the 27th).
    expect(await members({ birthday: { within: '0 days' } }, now)).toEqual(['boris', 'vera']);
    // gleb (1 March) is tomorrow in Vladivostok; dina (1 March) is two days off in UTC.
    expect(await members({ birthday: { within: '1 day' } }, now)).toEqual(['boris', 'gleb', 'vera']);
    expect(await members({ birthday: { within: '2 days' } }, now)).toEqual(['boris', 'dina', 'gleb', 'vera']);
    // anna (5 March) is five days off in Moscow, common year: 28 Feb + 5.
    expect(await members({ birthday: { within: '4 days' } }, now)).toEqual(['boris', 'dina', 'gleb', 'vera']);
    expect(await members({ birthday: { within: '5 days' } }, now)).toEqual(['anna', 'boris', 'dina', 'gleb', 'vera']);
  });

  it('in a leap year 29 February is its own day; a birthday just passed is a year off', async () => {
    const leap = new Date('2028-02-28T12:00:00Z');
    expect(await members({ all: [{ attribute: 'city', eq: 'Moscow' }, { birthday: { within: '0 days' } }] }, leap)).toEqual([]);
    expect(await members({ all: [{ attribute: 'city', eq: 'Moscow' }, { birthday: { within: '1 day' } }] }, leap)).toEqual(['boris']);
    expect(await members({ all: [{ attribute: 'city', eq: 'Moscow' }, { birthday: { within: '30 days' } }] }, new Date('2027-03-06T12:00:00Z'))).toEqual([]);
  });
});

describe('all, any, not, nested', () => {
  it('combines kinds with hand-computed members', async () => {
    expect(await members({ all: [] })).toEqual(EVERYONE);
    expect(await members({ all: [{ attribute: 'city', eq: 'Moscow' }, { consent: 'email' }] })).toEqual(['anna']);
    expect(await members({ any: [{ attribute: 'attributes.tier', eq: 'silver' }, { orders: { source: 'offline' } }] })).toEqual(['boris', 'vera']);
    // gleb has no city: "not in Moscow" includes him (SQL's unknown does not leak into the complement).
    expect(await members({ not: { attribute: 'city', eq: 'Moscow' } })).toEqual(['dina', 'gleb', 'vera']);
    expect(await members({ not: { any: [{ attribute: 'city', eq: 'Moscow' }, { orders: { count: { gte: 2 } } }] } })).toEqual(['dina', 'gleb']);
    expect(
      await members({
        all: [
          { any: [{ attribute: 'city', eq: 'Kazan' }, { attribute: 'attributes.car.brand', eq: 'Lada' }] },
          { not: { engagement: { channel: 'email', opened: true, within: '90 days' } } },
        ],
      }),
    ).toEqual(['vera']);
    expect(await members({ not: { not: { all: [{ consent: 'sms' }, { event: { type: 'product.viewed', within: '30 days' } }] } } })).toEqual(['anna']);
  });
});

// Response bodies are checked by matchers, not by types.
const read = (res: Response) => res.json() as Promise<Record<string, any>>;
const post = (body: unknown) => cascade.api.call('/v1/segments', { method: 'POST', body: JSON.stringify(body) });

/** Saves the segment through the API and asks who is in it; a refused one answers its 400. */
async function viaApi(id: string, where: unknown): Promise<{ status: number; ids?: string[]; field?: string }> {
  const res = await post({ id, name: id, where });
  if (res.status === 400) return { status: 400, field: (await read(res)).error.field };
  expect([200, 201]).toContain(res.status);
  const page = await read(await cascade.api.call(`/v1/segments/${id}/members?limit=1000`));
  return { status: res.status, ids: page.members.map((m: { id: string }) => m.id) };
}

describe('injection attempts', () => {
  it('every string position is a 400 or a literal match, never SQL', async () => {
    const drop = "'; drop table customers; --";
    const attempts: Array<[unknown, string[] | 'refused']> = [
      [{ attribute: 'city', eq: INJECTION }, ['dina']],
      [{ attribute: 'city', in: [INJECTION, drop] }, ['dina']],
      [{ attribute: "attributes.weird'key", eq: 'v' }, ['dina']],
      [{ attribute: `attributes.${drop}`, exists: true }, []],
      [{ attribute: `attributes.tier') or true or ('`, eq: 'x' }, []],
      [{ attribute: `city ${drop}`, eq: 'x' }, 'refused'],
      [{ attribute: 'attributes.score', gte: drop }, 'refused'],
      [{ event: { type: INJECTION } }, []],
      [{ event: { type: 'product.viewed', where: { [drop]: INJECTION } } }, []],
      [{ event: { type: 'product.viewed', where: { category: INJECTION } } }, []],
      // An unknown topic has no row of its own: the channel's * decides, as for a send.
      [{ consent: 'sms', topic: drop }, ['anna', 'dina']],
      [{ consent: drop }, 'refused'],
      [{ orders: { within: `1 day${drop}` } }, 'refused'],
      [{ orders: { source: drop } }, 'refused'],
      [{ engagement: { channel: 'email', opened: true, within: `${drop} 2 days` } }, 'refused'],
    ];
    for (const [i, [where, expected]] of attempts.entries()) {
      const outcome = await viaApi(`injection-${i}`, where);
      if (expected === 'refused') expect(outcome.status, JSON.stringify(where)).toBe(400);
      else expect(outcome.ids, JSON.stringify(where)).toEqual(expected);
    }

    expect((await post({ id: "x'; drop table segments; --", name: 'x', where: { all: [] } })).status).toBe(400);
    const named = await post({ id: 'bobby', name: "Robert'); DROP TABLE customers;--", where: { all: [] } });
    expect(named.status).toBe(201);
    expect((await read(await cascade.api.call('/v1/segments/bobby'))).name).toBe("Robert'); DROP TABLE customers;--");
    const cursor = await cascade.api.call(`/v1/segments/bobby/members?after=${encodeURIComponent(drop)}`);
    expect(cursor.status).toBe(200);

    // Nothing ran: every customer and every table is still there.
    const rows = (await db().execute(sql`select count(*)::int as n from customers`)) as unknown as Array<{ n: number }>;
    expect(rows[0]?.n).toBe(5);
    expect((await read(await cascade.api.call('/v1/segments/bobby/count'))).count).toBe(5);
  });
});

describe('/v1/segments', () => {
  const moscow = { attribute: 'city', eq: 'Moscow' };

  it('creates (201), replaces (200), reads, lists and counts', async () => {
    const created = await post({ id: 'moscow', name: 'Moscow', where: moscow });
    expect(created.status).toBe(201);
    expect(await read(created)).toMatchObject({ id: 'moscow', name: 'Moscow', where: moscow });
    expect((await read(await cascade.api.call('/v1/segments/moscow/count'))).count).toBe(2);

    const replaced = await post({ id: 'moscow', name: 'Moscow, e-mail', where: { all: [moscow, { consent: 'email' }] } });
    expect(replaced.status).toBe(200);
    expect(await read(await cascade.api.call('/v1/segments/moscow'))).toMatchObject({ name: 'Moscow, e-mail', where: { all: [moscow, { consent: 'email' }] } });
    expect((await read(await cascade.api.call('/v1/segments/moscow/count'))).count).toBe(1);
    const list = await read(await cascade.api.call('/v1/segments'));
    expect(list.segments.map((s: { id: string }) => s.id)).toContain('moscow');
  });

  it('pages members with limit and the next cursor, with their profiles', async () => {
    await post({ id: 'everyone', name: 'Everyone', where: { all: [] } });
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const res = await cascade.api.call(`/v1/segments/everyone/members?limit=2${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      const page = await read(res);
      seen.push(...page.members.map((m: { id: string }) => m.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(EVERYONE);
    const first = await read(await cascade.api.call('/v1/segments/everyone/members?limit=1'));
    expect(first.members[0]).toMatchObject({ id: 'anna', email: 'anna@example.com', phone: '+79990000001', city: 'Moscow', timeZone: 'Europe/Moscow' });
    expect(first.next).toBe('anna');
    for (const limit of ['0', '1001', 'x']) {
      const bad = await cascade.api.call(`/v1/segments/everyone/members?limit=${limit}`);
      expect(bad.status).toBe(400);
      expect((await read(bad)).error.field).toBe('limit');
    }
  });

  it('answers 400 naming the bad node, and stores nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ all: [moscow, { orders: { count: { gte: -1 } } }] }, 'where.all.1.orders.count.gte'],
      [{ any: [{ not: { attribute: 'city', equals: 'Moscow' } }] }, 'where.any.0.not.equals'],
      [{ attribute: 'city', eq: 'Moscow', consent: 'sms' }, 'where'],
      [{ all: [{}] }, 'where.all.0'],
      [{ attribute: 'shoeSize', eq: 42 }, 'where.attribute'],
      // Names every object has through its prototype are no profile field.
      [{ attribute: 'constructor', exists: true }, 'where.attribute'],
      [{ attribute: 'toString', exists: false }, 'where.attribute'],
      [{ attribute: '__proto__', exists: true }, 'where.attribute'],
      [{ attribute: 'hasOwnProperty', eq: 'x' }, 'where.attribute'],
      [{ attribute: 'city', gte: 'A' }, 'where.gte'],
      [{ attribute: 'city', eq: 'Moscow', in: ['Kazan'] }, 'where.in'],
      [{ attribute: 'birthday', gte: '1990-13-01' }, 'where.gte'],
      [{ attribute: 'createdAt', eq: '2025-01-01' }, 'where.eq'],
      [{ orders: { within: 'soon' } }, 'where.orders.within'],
      [{ orders: { within: '90' } }, 'where.orders.within'],
      [{ event: { type: 'x', where: { a: { nested: 1 } } } }, 'where.event.where.a'],
      [{ engagement: { channel: 'pigeon', opened: true } }, 'where.engagement.channel'],
      [{ birthday: { within: '-1 day' } }, 'where.birthday.within'],
      [{ consent: 'sms', eq: 'x' }, 'where.eq'],
      [{ all: Array.from({ length: 201 }, () => moscow) }, 'where.all'],
      // 1 + 100 × (not + leaf) = 201 nodes, over the 200 a tree may have.
      [{ all: Array.from({ length: 100 }, () => ({ not: moscow })) }, 'where'],
    ];
    for (const [where, field] of cases) {
      const res = await post({ id: 'bad', name: 'Bad', where });
      expect(res.status, JSON.stringify(where)).toBe(400);
      expect((await read(res)).error.field, JSON.stringify(where)).toBe(field);
    }
    expect((await post({ id: 'bad', name: '', where: moscow })).status).toBe(400);
    expect((await cascade.api.call('/v1/segments/bad')).status).toBe(404);
  });

  it('404 for an unknown segment, 409 deleting one a campaign uses, 204 otherwise', async () => {
    for (const path of ['/v1/segments/nope', '/v1/segments/nope/count', '/v1/segments/nope/members']) {
      const res = await cascade.api.call(path);
      expect(res.status, path).toBe(404);
      expect((await read(res)).error.field).toBe('id');
    }
    expect((await cascade.api.call('/v1/segments/nope', { method: 'DELETE' })).status).toBe(404);

    await post({ id: 'in-use', name: 'In use', where: moscow });
    await db().insert(campaigns).values({ id: 'spring', journey: 'tyre-season', segmentId: 'in-use', status: 'scheduled' });
    const refused = await cascade.api.call('/v1/segments/in-use', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await read(refused)).error).toMatchObject({ code: 'conflict', field: 'id' });
    expect((await cascade.api.call('/v1/segments/in-use')).status).toBe(200);

    await post({ id: 'unused', name: 'Unused', where: moscow });
    expect((await cascade.api.call('/v1/segments/unused', { method: 'DELETE' })).status).toBe(204);
    expect((await cascade.api.call('/v1/segments/unused')).status).toBe(404);
  });

  it('writing needs admin, reading needs read', async () => {
    const created = await read(await cascade.api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'reader', scopes: ['read'] }) }));
    const asReader = (path: string, init: RequestInit = {}) => cascade.api.call(path, { ...init, headers: { authorization: `Bearer ${created.key}` } });
    expect((await asReader('/v1/segments/moscow/count')).status).toBe(200);
    expect((await asReader('/v1/segments', { method: 'POST', body: JSON.stringify({ id: 'r', name: 'r', where: moscow }) })).status).toBe(403);
    expect((await asReader('/v1/segments/moscow', { method: 'DELETE' })).status).toBe(403);
  });
});
