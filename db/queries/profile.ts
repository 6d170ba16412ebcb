/** The customer as a journey sees it: profile, reachable channels, order history summary. */
import { and, count, eq, max } from 'drizzle-orm';
import type { Channel, Profile } from '../../workflows/contract';
import type { Db, Tx } from '../client';
import { consents, customers, orders, pushTokens } from '../schema';

/** Undefined when the customer does not exist. `webhookUrl`: the webhook channel's target, if any. */
export async function loadProfile(db: Db, customerId: string, webhookUrl: string | undefined): Promise<Profile | undefined> {
  const [customer] = await db.select().from(customers).where(eq(customers.id, customerId));
  if (!customer) return undefined;
  const [granted, [orderStats], [tokens]] = await Promise.all([
    db
      .select({ channel: consents.channel })
      .from(consents)
      .where(and(eq(consents.customerId, customerId), eq(consents.granted, true))),
    db.select({ n: count(), last: max(orders.placedAt) }).from(orders).where(eq(orders.customerId, customerId)),
    db.select({ n: count() }).from(pushTokens).where(eq(pushTokens.customerId, customerId)),
  ]);
  const hasAddress: Record<Channel, boolean> = {
    email: !!customer.email,
    sms: !!customer.phone,
    push: (tokens?.n ?? 0) > 0,
    webhook: !!webhookUrl,
  };
  return {
    id: customer.id,
    name: customer.name,
    city: customer.city,
    timeZone: customer.timeZone,
    birthday: customer.birthday,
    attributes: customer.attributes,
    reachable: granted.map((g) => g.channel).filter((c) => hasAddress[c]),
    orderCount: orderStats?.n ?? 0,
    lastOrderAt: orderStats?.last ? new Date(orderStats.last).toISOString() : null,
  };
}
