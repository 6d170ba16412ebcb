/**
 * Order histories no shopper makes: more than MAX_ORDERS_PER_DAY orders for one customer on one
 * (UTC) day. Usually a till's shared "walk-in" card or an import that repeated rows under new ids;
 * journeys would take such a customer for the best one the shop has.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { orders } from '../db/schema';
import { SAMPLES, type Finding } from './finding';

export const MAX_ORDERS_PER_DAY = 50;

export interface BusyDay {
  customerId: string;
  day: string;
  orders: number;
}

export async function implausibleOrderDays(db: Db): Promise<Finding<BusyDay>> {
  const day = sql`(${orders.placedAt} at time zone 'UTC')::date`;
  const rows = await db
    .select({
      customerId: orders.customerId,
      day: sql<string>`${day}::text`,
      orders: sql<number>`count(*)::int`,
      total: sql<number>`(count(*) over ())::int`,
    })
    .from(orders)
    .groupBy(orders.customerId, day)
    .having(sql`count(*) > ${MAX_ORDERS_PER_DAY}`)
    .orderBy(sql`count(*) desc`, orders.customerId, day)
    .limit(SAMPLES);
  return { count: rows[0]?.total ?? 0, samples: rows.map(({ total: _t, ...r }) => r) };
}
