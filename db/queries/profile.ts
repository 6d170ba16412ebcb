/** The customer as a journey sees it: profile, reachable channels, order history summary. */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Channel, Profile } from '../../workflows/contract';
import type { Db } from '../client';
import { customers, orders } from '../schema';

/**
 * Undefined when the customer does not exist. `reachable` is the contactability rule's column
 * (contactability/eligibility.ts, `reachableChannelsSql`), read in the same round trip.
 */
export async function loadProfile(db: Db, customerId: string, reachable: SQL<Channel[]>): Promise<Profile | undefined> {
  const [row] = await db.select(profileFields(customerId, reachable)).from(customers).where(eq(customers.id, customerId));
  return row ? toProfile(row) : undefined;
}

/** The columns a profile is read from, to select from `customers` (alone, or joined into another statement). */
export function profileFields(customerId: string, reachable: SQL<Channel[]>) {
  return {
    customer: customers,
    reachable,
    orderCount: sql<number>`(select count(*) from ${orders} where ${orders.customerId} = ${customerId})`.mapWith(Number),
    lastOrderAt: sql<string | null>`(select max(${orders.placedAt}) from ${orders} where ${orders.customerId} = ${customerId})`,
  };
}

export function toProfile(row: { customer: typeof customers.$inferSelect; reachable: Channel[]; orderCount: number; lastOrderAt: string | null }): Profile {
  const { customer } = row;
  return {
    id: customer.id,
    name: customer.name,
    city: customer.city,
    timeZone: customer.timeZone,
    birthday: customer.birthday,
    attributes: customer.attributes,
    reachable: row.reachable,
    orderCount: row.orderCount,
    lastOrderAt: row.lastOrderAt ? new Date(row.lastOrderAt).toISOString() : null,
  };
}
