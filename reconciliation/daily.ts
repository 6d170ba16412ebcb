/**
 * GET /v1/reconciliation: what Cascade holds, day by day, to hold against the shop's own books
 * once a month: new customers (by when Cascade first stored them), and orders and revenue per
 * source (online, offline) and currency. Days are calendar days in the given time zone (UTC by
 * default); every day of the range is listed, empty ones too, so the two tables line up.
 * Revenue is the exact numeric sum, as text ("12345.67"): a float would not match to the kopeck.
 */
import { and, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers, orders } from '../db/schema';

export interface OrderFigures {
  source: string;
  currency: string;
  orders: number;
  revenue: string;
}

export interface ReconciliationDay {
  date: string;
  newCustomers: number;
  orders: OrderFigures[];
}

export async function reconciliation(db: Db, q: { from: string; to: string; timeZone: string }) {
  const start = sql`(${q.from}::date::timestamp at time zone ${q.timeZone})`;
  const end = sql`((${q.to}::date + 1)::timestamp at time zone ${q.timeZone})`;
  const customerDay = sql<string>`(${customers.createdAt} at time zone ${q.timeZone})::date::text`;
  const orderDay = sql<string>`(${orders.placedAt} at time zone ${q.timeZone})::date::text`;
  const inRange = and(gte(orders.placedAt, start), lt(orders.placedAt, end));
  const [signups, daily, totals] = await Promise.all([
    db
      .select({ date: customerDay, n: sql<number>`count(*)::int` })
      .from(customers)
      .where(and(gte(customers.createdAt, start), lt(customers.createdAt, end)))
      // By position: the time zone is a bound parameter, so a repeated expression would not count as the same one.
      .groupBy(sql`1`),
    db
      .select({ date: orderDay, source: orders.source, currency: orders.currency, orders: sql<number>`count(*)::int`, revenue: sql<string>`sum(${orders.total})::text` })
      .from(orders)
      .where(inRange)
      .groupBy(sql`1`, sql`2`, sql`3`)
      .orderBy(sql`1`, sql`2`, sql`3`),
    db
      .select({ source: orders.source, currency: orders.currency, orders: sql<number>`count(*)::int`, revenue: sql<string>`sum(${orders.total})::text` })
      .from(orders)
      .where(inRange)
      .groupBy(orders.source, orders.currency)
      .orderBy(orders.source, orders.currency),
  ]);
  const days = new Map<string, ReconciliationDay>(datesBetween(q.from, q.to).map((date) => [date, { date, newCustomers: 0, orders: [] }]));
  for (const s of signups) days.get(s.date)!.newCustomers = s.n;
  for (const { date, ...figures } of daily) days.get(date)!.orders.push(figures);
  return {
    from: q.from,
    to: q.to,
    timeZone: q.timeZone,
    days: [...days.values()],
    totals: { newCustomers: signups.reduce((n, s) => n + s.n, 0), orders: totals },
  };
}

/** Every calendar date from `from` to `to`, both included (YYYY-MM-DD). */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) dates.push(new Date(t).toISOString().slice(0, 10));
  return dates;
}
