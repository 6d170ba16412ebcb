/** Loads the customer as a journey sees it: profile, reachable channels, order history summary. */
import { ApplicationFailure } from '@temporalio/activity';
import { and, count, eq, max } from 'drizzle-orm';
import type { Db } from '../db/client';
import { consents, customers, orders, pushTokens } from '../db/schema';
import type { Channel, Profile } from '../workflows/contract';

export function createLoadProfile(db: Db, webhookUrl: string | undefined) {
  return async function loadProfile(customerId: string): Promise<Profile> {
    const [customer] = await db.select().from(customers).where(eq(customers.id, customerId));
    if (!customer) throw ApplicationFailure.nonRetryable(`Customer ${customerId} does not exist`, 'CustomerNotFound');
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
  };
}
