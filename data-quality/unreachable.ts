/**
 * "Events for unknown customers" cannot exist here: events and orders reference customers (a
 * foreign key), and POST /v1/events refuses an unknown customer with 404. What does exist, and is
 * what the question is after, is activity on customers we know nothing about: events or orders
 * for a customer with no email, no phone and no push token, a stub created only so the events had
 * somewhere to go. Journeys can never reach them; the fix is to load their profiles.
 */
import { and, exists, isNull, notExists, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers, events, orders, pushTokens } from '../db/schema';
import { SAMPLES, type Finding } from './finding';

export interface UnreachableCustomer {
  customerId: string;
  events: number;
  orders: number;
}

export async function activityWithoutContact(db: Db): Promise<Finding<UnreachableCustomer>> {
  const rows = await db
    .select({
      customerId: customers.id,
      // Qualified by hand: in a select list drizzle leaves column names bare, which the subquery would read as its own.
      events: sql<number>`(select count(*)::int from ${events} e where e.customer_id = ${customers}.id)`,
      orders: sql<number>`(select count(*)::int from ${orders} o where o.customer_id = ${customers}.id)`,
      total: sql<number>`(count(*) over ())::int`,
    })
    .from(customers)
    .where(
      and(
        isNull(customers.email),
        isNull(customers.phone),
        notExists(db.select({ one: sql`1` }).from(pushTokens).where(sql`${pushTokens.customerId} = ${customers.id}`)),
        or(
          exists(db.select({ one: sql`1` }).from(events).where(sql`${events.customerId} = ${customers.id}`)),
          exists(db.select({ one: sql`1` }).from(orders).where(sql`${orders.customerId} = ${customers.id}`)),
        ),
      ),
    )
    .orderBy(customers.id)
    .limit(SAMPLES);
  return { count: rows[0]?.total ?? 0, samples: rows.map(({ total: _t, ...r }) => r) };
}
