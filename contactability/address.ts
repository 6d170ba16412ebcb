/** Where a message to a customer goes on each channel, and the one spelling of an address for the suppression list. */
import { desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { customers, pushTokens } from '../db/schema';
import type { Channel } from '../workflows/contract';

type Customer = typeof customers.$inferSelect;

export function normaliseAddress(channel: Channel, address: string): string {
  return channel === 'email' ? address.trim().toLowerCase() : address.trim();
}

/** `personalAddress` in SQL, on the row of `customers` in the outer query: the same spelling, for audiences. */
export function personalAddressSql(channel: Channel): SQL | null {
  if (channel === 'email') return sql`lower(trim(${customers.email}))`;
  if (channel === 'sms') return sql`trim(${customers.phone})`;
  return null;
}

/**
 * The customer's own address on a channel, the one an unsubscribe or a bounce suppresses. Push
 * tokens and the shared webhook URL are not personal addresses: for those the consent alone decides.
 */
export function personalAddress(channel: Channel, customer: Customer): string | null {
  const address = channel === 'email' ? customer.email : channel === 'sms' ? customer.phone : null;
  return address ? normaliseAddress(channel, address) : null;
}

/** The address a send goes to: the personal one, the newest push token, or the wallet webhook. */
export async function addressFor(tx: Tx, channel: Channel, customer: Customer, webhookUrl: string | undefined): Promise<string | null> {
  switch (channel) {
    case 'email':
      return customer.email;
    case 'sms':
      return customer.phone;
    case 'webhook':
      return webhookUrl ?? null;
    case 'push': {
      const [token] = await tx
        .select({ token: pushTokens.token })
        .from(pushTokens)
        .where(eq(pushTokens.customerId, customer.id))
        .orderBy(desc(pushTokens.createdAt))
        .limit(1);
      return token?.token ?? null;
    }
  }
}
