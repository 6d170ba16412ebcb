/**
 * A predicate (workflows/predicate.ts) as one drizzle SQL condition on `customers`. Every value
 * from the predicate is a bound parameter, attribute names included (`attributes #> array[$1]`);
 * profile fields come from a fixed table of columns, never from the input's text. Behaviour leaves
 * are correlated subqueries that the indexes on (customer_id, …) answer per customer.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { and, eq, not, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { openedSql } from '../db/queries/engagement';
import { reachableForMarketingSql } from '../contactability/eligibility';
import { customers, events, orders } from '../db/schema';
import {
  ATTRIBUTES_PREFIX,
  isProfileField,
  limitProblem,
  PROFILE_FIELDS,
  type AttributePredicate,
  type Predicate,
  type ProfileField,
  type Range,
  type Scalar,
} from '../workflows/predicate';

export interface CompileOptions {
  /** The moment windows ("within 90 days") and birthdays ("today") are counted from; default now. */
  now?: Date;
}

const COLUMNS: Record<ProfileField, PgColumn> = {
  city: customers.city,
  name: customers.name,
  email: customers.email,
  phone: customers.phone,
  locale: customers.locale,
  timeZone: customers.timeZone,
  birthday: customers.birthday,
  createdAt: customers.createdAt,
};

const DAY_MS = 86_400_000;

export function compilePredicate(where: Predicate, opts: CompileOptions = {}): SQL {
  const problem = limitProblem(where);
  if (problem) throw new Error(`segment predicate too large: ${problem}`);
  return node(where, opts.now ?? new Date());
}

function node(p: Predicate, now: Date): SQL {
  if ('all' in p) return p.all.length ? and(...p.all.map((c) => node(c, now)))! : sql`true`;
  if ('any' in p) return p.any.length ? or(...p.any.map((c) => node(c, now)))! : sql`false`;
  // A NULL (a missing city) is "unknown" in SQL, and `not unknown` is unknown: the complement must hold it.
  if ('not' in p) return not(sql`coalesce(${node(p.not, now)}, false)`);
  if ('attribute' in p) return attribute(p);
  if ('consent' in p) return reachableForMarketingSql(p.consent, p.topic);
  if ('orders' in p) return ordersLeaf(p.orders, now);
  if ('event' in p) return eventLeaf(p.event, now);
  if ('engagement' in p) return engagementLeaf(p.engagement, now);
  if ('birthday' in p) return birthdayLeaf(p.birthday.within, now);
  throw new Error(`unknown predicate node: ${Object.keys(p as object).join(', ')}`);
}

const since = (now: Date, within: string) => new Date(now.getTime() - msToNumber(within)).toISOString();

/** `(aggregate >= gte and aggregate <= lte)` for the bounds given. */
function range(aggregate: SQL, r: Range | undefined): SQL[] {
  if (!r) return [];
  const out: SQL[] = [];
  if (r.gte !== undefined) out.push(sql`${aggregate} >= ${r.gte}::numeric`);
  if (r.lte !== undefined) out.push(sql`${aggregate} <= ${r.lte}::numeric`);
  return out;
}

const includesZero = (r: Range | undefined) => !r || ((r.gte === undefined || r.gte <= 0) && (r.lte === undefined || r.lte >= 0));

/**
 * "At least one order" is a plain EXISTS. Anything counted is a GROUP BY over the orders in the
 * window, wrapped in EXISTS on the customer: at the top of a segment Postgres makes that one hash
 * (semi- or anti-) join, a single index-only pass over the window's orders (placed_at, customer_id)
 * for a million customers; under an `any` or `not` it either hashes the grouped ids once or pushes
 * the customer into the GROUP BY and probes (customer_id, placed_at) per customer, whichever
 * is cheaper. (A bare `id in (…)` has no probing fallback: too large to hash, it rescans per row.)
 */
function ordersLeaf(o: Extract<Predicate, { orders: unknown }>['orders'], now: Date): SQL {
  const filters: SQL[] = [sql`true`];
  if (o.source) filters.push(eq(orders.source, o.source));
  if (o.within) filters.push(sql`${orders.placedAt} >= ${since(now, o.within)}::timestamptz`);
  const conditions = [...range(sql`count(*)`, o.count), ...range(sql`sum(${orders.total})`, o.sum)];
  // No orders at all is not "the last order is older than…".
  if (o.olderThan) conditions.push(sql`max(${orders.placedAt}) < ${since(now, o.olderThan)}::timestamptz`);
  if (!conditions.length) return sql`exists (select 1 from ${orders} where ${orders.customerId} = ${customers.id} and ${and(...filters)})`;
  const counted = sql.identifier('counted');
  const any = (test: SQL) =>
    sql`exists (select 1 from (select ${orders.customerId} as customer_id from ${orders} where ${and(...filters)} group by ${orders.customerId} having ${test}) as ${counted} where ${counted}.customer_id = ${customers.id})`;
  // Without a count range at least one order is meant; a range holding 0 (`count lte 0`) also takes customers with none.
  const zeroMatches = o.count !== undefined && includesZero(o.count) && includesZero(o.sum) && !o.olderThan;
  return zeroMatches ? not(any(sql`not (${and(...conditions)})`)) : any(and(...conditions)!);
}

function eventLeaf(e: Extract<Predicate, { event: unknown }>['event'], now: Date): SQL {
  const filters = [sql`${events.customerId} = ${customers.id}`, eq(events.type, e.type)];
  if (e.within) filters.push(sql`${events.occurredAt} >= ${since(now, e.within)}::timestamptz`);
  if (e.where && Object.keys(e.where).length) filters.push(sql`${events.properties} @> ${JSON.stringify(e.where)}::jsonb`);
  if (!e.count) return sql`exists (select 1 from ${events} where ${and(...filters)})`;
  // Counted per customer on (customer_id, type, occurred_at): events have no index by type alone,
  // and one is not worth its cost on every ingested event. An aggregate without GROUP BY answers
  // one row even over no rows, so a range holding 0 (`count lte 0`) takes customers with none.
  return sql`exists (select 1 from ${events} where ${and(...filters)} having ${and(...range(sql`count(*)`, e.count))})`;
}

function engagementLeaf(e: Extract<Predicate, { engagement: unknown }>['engagement'], now: Date): SQL {
  const opened = openedSql(sql`${customers.id}`, e.channel, e.within ? new Date(now.getTime() - msToNumber(e.within)) : undefined);
  return e.opened ? opened : not(opened);
}

/**
 * Today in the customer's zone, and this year's anniversary: `birthday + interval 'N years'` is
 * how Postgres already lands 29 February on 28 February in a common year. Past this year's, next
 * year's.
 */
function birthdayLeaf(within: string, now: Date): SQL {
  const days = Math.floor(msToNumber(within) / DAY_MS);
  const today = sql`(${now.toISOString()}::timestamptz at time zone ${customers.timeZone})::date`;
  const anniversary = (yearsAhead: number) =>
    sql`(${customers.birthday} + make_interval(years => (extract(year from ${today}) - extract(year from ${customers.birthday}))::int + ${yearsAhead}::int))::date`;
  const next = sql`case when ${anniversary(0)} >= ${today} then ${anniversary(0)} else ${anniversary(1)} end`;
  return sql`(${customers.birthday} is not null and ${next} <= ${today} + ${days}::int)`;
}

function attribute(p: AttributePredicate): SQL {
  if (p.attribute.startsWith(ATTRIBUTES_PREFIX)) return customAttribute(p.attribute.slice(ATTRIBUTES_PREFIX.length).split('.'), p);
  const field = p.attribute;
  if (!isProfileField(field)) throw new Error(`unknown profile field ${p.attribute}`);
  const column = COLUMNS[field];
  const kind = PROFILE_FIELDS[field];
  const cast = kind === 'date' ? sql`::date` : kind === 'instant' ? sql`::timestamptz` : sql`::text`;
  const parts: SQL[] = [];
  if (p.eq !== undefined) parts.push(sql`${column} = ${String(p.eq)}${cast}`);
  if (p.in !== undefined) parts.push(p.in.length ? sql`${column} in (${sql.join(p.in.map((v) => sql`${String(v)}${cast}`), sql`, `)})` : sql`false`);
  if (p.exists !== undefined) parts.push(p.exists ? sql`${column} is not null` : sql`${column} is null`);
  if (p.gte !== undefined) parts.push(sql`${column} >= ${String(p.gte)}${cast}`);
  if (p.lte !== undefined) parts.push(sql`${column} <= ${String(p.lte)}${cast}`);
  return and(...parts)!;
}

/**
 * `attributes.<key>[.<key>…]`: the path is a bound text[]. eq/in are JSON containment (`@>`), which
 * the GIN index on attributes answers and which matches the JSON type exactly.
 */
function customAttribute(path: string[], p: AttributePredicate): SQL {
  const value = sql`(${customers.attributes} #> array[${sql.join(
    path.map((k) => sql`${k}::text`),
    sql`, `,
  )}])`;
  const nest = (v: Scalar) => JSON.stringify(path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), v));
  const contains = (v: Scalar) => sql`${customers.attributes} @> ${nest(v)}::jsonb`;
  const parts: SQL[] = [];
  if (p.eq !== undefined) parts.push(contains(p.eq));
  if (p.in !== undefined) parts.push(p.in.length ? or(...p.in.map(contains))! : sql`false`);
  if (p.exists !== undefined) parts.push(p.exists ? sql`coalesce(jsonb_typeof(${value}), 'null') <> 'null'` : sql`coalesce(jsonb_typeof(${value}), 'null') = 'null'`);
  for (const [op, bound] of [['>=', p.gte], ['<=', p.lte]] as const) {
    if (bound === undefined) continue;
    const operator = sql.raw(op); // one of two fixed operators, never input
    parts.push(
      typeof bound === 'number'
        ? sql`(case when jsonb_typeof(${value}) = 'number' then (${value} #>> '{}')::numeric end) ${operator} ${bound}::numeric`
        : sql`(case when jsonb_typeof(${value}) = 'string' then ${value} #>> '{}' end) ${operator} ${bound}::text`,
    );
  }
  return and(...parts)!;
}
