/**
 * Segment count on a million customers: `countMembers` for a three-predicate segment (a city, email
 * consent, two orders in 90 days) next to the same count written by hand in SQL, median of 3 each.
 * `seedAudience` fills the database with a realistic base in a few INSERT … SELECT generate_series
 * statements (no rows cross the wire), for this and later benches.
 *
 *   BENCH_ONLY=segments BENCH_SEGMENT_CUSTOMERS=1000000 npm run bench
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { median } from './measure';
import type { Db } from '../db/client';
import { countMembers } from '../segments/members';
import type { Predicate } from '../workflows/predicate';

export interface AudienceSeed {
  customers: number;
  /** Customer ids are `<prefix><n>`, so a seed can sit beside other benches' customers. */
  prefix?: string;
}

/**
 * `customers` rows: a fifth in Moscow (the rest over 16 other cities), ids zero-padded; email consent
 * for 70 %, SMS for 40 %; 1 % of emails hard-bounced; 60 % have 1–5 orders over the last two years
 * (online and offline), the rest none. Spread by hashint4 of the row number, so the traits are independent and the base is the same for the same n.
 */
export async function seedAudience(db: Db, seed: AudienceSeed): Promise<void> {
  const n = seed.customers;
  const prefix = seed.prefix ?? 'aud-';
  const cities = ['Moscow', 'Moscow', 'Moscow', 'Moscow', 'Saint Petersburg', 'Kazan', 'Novosibirsk', 'Yekaterinburg', 'Nizhny Novgorod', 'Samara', 'Omsk', 'Chelyabinsk', 'Rostov-on-Don', 'Ufa', 'Krasnoyarsk', 'Voronezh', 'Perm', 'Volgograd', 'Krasnodar', 'Tyumen'];
  const zones = ['Europe/Moscow', 'Asia/Yekaterinburg', 'Asia/Novosibirsk', 'Europe/Samara', 'Asia/Vladivostok'];
  const textArray = (values: string[]) => sql`array[${sql.join(values.map((v) => sql`${v}::text`), sql`, `)}]`;
  const id = sql`${prefix} || lpad(i::text, 7, '0')`;
  await db.execute(sql`
    insert into customers (id, email, phone, name, city, time_zone, birthday, attributes, created_at)
    select ${id}, ${prefix} || i || '@example.com', '+7999' || lpad(i::text, 7, '0'), 'Customer ' || i,
      (${textArray(cities)})[1 + abs(hashint4(i)) % ${cities.length}],
      (${textArray(zones)})[1 + abs(hashint4(i + 1)) % ${zones.length}],
      date '1960-01-01' + (i * 37) % 15000,
      jsonb_build_object('tier', (array['bronze', 'silver', 'gold'])[1 + i % 3], 'score', i % 100),
      now() - make_interval(days => i % 1500)
    from generate_series(1, ${n}::int) as i`);
  await db.execute(sql`
    insert into consents (customer_id, channel, topic, granted, source)
    select ${id}, 'email', '*', true, 'bench' from generate_series(1, ${n}::int) as i where abs(hashint4(i + 2)) % 10 < 7
    union all
    select ${id}, 'sms', '*', true, 'bench' from generate_series(1, ${n}::int) as i where abs(hashint4(i + 3)) % 10 < 4`);
  await db.execute(sql`
    insert into suppressions (channel, address, reason)
    select 'email', ${prefix} || i || '@example.com', 'hard_bounce' from generate_series(1, ${n}::int) as i where abs(hashint4(i + 4)) % 100 = 0
    on conflict do nothing`);
  await db.execute(sql`
    insert into orders (id, customer_id, source, total, placed_at)
    select ${id} || '-' || k, ${id}, case when (i + k) % 3 = 0 then 'offline' else 'online' end,
      500 + (i * k * 131) % 9500, now() - make_interval(days => abs(hashint4(i * 8 + k)) % 730)
    from generate_series(1, ${n}::int) as i, generate_series(1, 1 + abs(hashint4(i + 5)) % 5) as k
    where abs(hashint4(i + 6)) % 10 < 6`);
  await db.execute(sql`analyze customers, consents, suppressions, orders`);
}

/** The benched segment: three predicates of different kinds. */
export const BENCH_SEGMENT: Predicate = {
  all: [{ attribute: 'city', eq: 'Moscow' }, { consent: 'email' }, { orders: { count: { gte: 2 }, within: '90 days' } }],
};

/** The same question written by hand, the way one would without segments: the floor to compare with. */
async function handWrittenCount(db: Db): Promise<number> {
  const rows = (await db.execute(sql`
    select count(*)::int as n from customers c
    where c.city = 'Moscow'
      and exists (select 1 from consents k where k.customer_id = c.id and k.channel = 'email' and k.topic = '*' and k.granted)
      and c.email <> ''
      and not exists (select 1 from suppressions s where s.channel = 'email' and s.address = lower(trim(c.email)))
      and (select count(*) from orders o where o.customer_id = c.id and o.placed_at >= now() - interval '90 days') >= 2`)) as unknown as Array<{ n: number }>;
  return rows[0]!.n;
}

export async function benchSegments(stack: { db: Db }): Promise<Record<string, number | string>> {
  const customers = Number(process.env.BENCH_SEGMENT_CUSTOMERS ?? 1_000_000);
  const t0 = performance.now();
  await seedAudience(stack.db, { customers });
  const seedMs = Math.round(performance.now() - t0);
  // One untimed pass each, so both are measured with the same warm cache.
  await countMembers(stack.db, BENCH_SEGMENT);
  await handWrittenCount(stack.db);
  const cascade = await median(3, () => countMembers(stack.db, BENCH_SEGMENT));
  const baseline = await median(3, () => handWrittenCount(stack.db));
  if (cascade.value !== baseline.value) throw new Error(`segment count ${cascade.value} differs from the hand-written count ${baseline.value}`);
  return {
    segmentCustomers: customers,
    segmentSeed_ms: seedMs,
    segmentMembers: cascade.value,
    segmentCount1M_ms: cascade.ms,
    segmentCountHandSql_ms: baseline.ms,
    // Cascade's time over the hand-written query's: 1 means no overhead.
    segmentCountVsHandSql_ratio: Math.round((cascade.ms / Math.max(1, baseline.ms)) * 100) / 100,
    segmentCountGoal: cascade.ms < 1000 ? 'met (< 1 s)' : 'missed (>= 1 s)',
  };
}
