/**
 * Consent changes through the API, one rule for both routes that take them: granting a channel also
 * lifts an earlier unsubscribe of the customer's address on it (never a hard bounce or complaint:
 * those stay until ops remove them).
 */
import { and, eq } from 'drizzle-orm';
import { normaliseAddress } from '../../activities/eligibility';
import type { Channel } from '../../workflows/contract';
import type { Db, Tx } from '../client';
import { consents, customers, suppressions } from '../schema';

export type ConsentChanges = Partial<Record<Channel, boolean>>;

export async function setConsents(tx: Tx, customer: typeof customers.$inferSelect, changes: ConsentChanges): Promise<void> {
  for (const [channel, granted] of Object.entries(changes) as Array<[Channel, boolean]>) {
    await tx
      .insert(consents)
      .values({ customerId: customer.id, channel, granted, source: 'api' })
      .onConflictDoUpdate({ target: [consents.customerId, consents.channel], set: { granted, source: 'api', updatedAt: new Date() } });
    const address = channel === 'email' ? customer.email : channel === 'sms' ? customer.phone : null;
    if (granted && address) {
      await tx
        .delete(suppressions)
        .where(
          and(
            eq(suppressions.channel, channel),
            eq(suppressions.address, normaliseAddress(channel, address)),
            eq(suppressions.reason, 'unsubscribe'),
          ),
        );
    }
  }
}

export async function consentMap(db: Db, customerId: string): Promise<ConsentChanges> {
  const rows = await db.select({ channel: consents.channel, granted: consents.granted }).from(consents).where(eq(consents.customerId, customerId));
  return Object.fromEntries(rows.map((c) => [c.channel, c.granted]));
}
