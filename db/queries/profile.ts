/** The customer as a journey sees it: profile, reachable channels, order history summary. */
import { eq, sql } from 'drizzle-orm';
import type { Channel, Profile } from '../../workflows/contract';
import type { Db, Tx } from '../client';
import { consents, customers, orders, pushTokens } from '../schema';

/** Undefined when the customer does not exist. `webhookUrl`: the webhook channel's target, if any. */
export async function loadProfile(db: Db, customerId: string, webhookUrl: string | undefined): Promise<Profile | undefined> {
  // One round trip: the customer with its granted channels, order summary and push tokens.
  const [row] = await db
    .select({
      customer: customers,
      granted: sql<Channel[]>`coalesce((select array_agg(${consents.channel}::text) from ${consents} where ${consents.customerId} = ${customerId} and ${consents.granted}), '{}')`,
      orderCount: sql<number>`(select count(*) from ${orders} where ${orders.customerId} = ${customerId})`.mapWith(Number),
      lastOrderAt: sql<string | null>`(select max(${orders.placedAt}) from ${orders} where ${orders.customerId} = ${customerId})`,
      pushTokens: sql<number>`(select count(*) from ${pushTokens} where ${pushTokens.customerId} = ${customerId})`.mapWith(Number),
    })
    .from(customers)
    .where(eq(customers.id, customerId));
  if (!row) return undefined;
  const { customer } = row;
  const hasAddress: Record<Channel, boolean> = {
    email: !!customer.email,
    sms: !!customer.phone,
    push: row.pushTokens > 0,
    webhook: !!webhookUrl,
  };
  return {
    id: customer.id,
    name: customer.name,
    city: customer.city,
    timeZone: customer.timeZone,
    birthday: customer.birthday,
    attributes: customer.attributes,
    reachable: row.granted.filter((c) => hasAddress[c]),
    orderCount: row.orderCount,
    lastOrderAt: row.lastOrderAt ? new Date(row.lastOrderAt).toISOString() : null,
  };
}
