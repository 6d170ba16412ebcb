/**
 * The customer's addresses leave the suppression list and the ledger, and only their hashes stay
 * (contactability/erased-addresses.ts): with an objection when the erasure says so, or when the customer had
 * unsubscribed or complained from the address (their own word, which must outlive them).
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { liftedByConsent } from '../contactability/suppressions';
import { normaliseAddress } from '../contactability/address';
import { customers, erasedAddresses, messages, suppressions, telegramChats } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { addressHash } from '../contactability/erased-addresses';

/** Channels whose address is the customer's own (a push token and the shop's webhook URL are not). */
const PERSONAL: Channel[] = ['email', 'sms', 'telegram'];

export async function eraseAddresses(tx: Tx, customerId: string, objection: boolean): Promise<{ addresses: number; suppressions: number }> {
  const [customer] = await tx.select({ email: customers.email, phone: customers.phone }).from(customers).where(eq(customers.id, customerId));
  const [chat] = await tx.select({ chatId: telegramChats.chatId }).from(telegramChats).where(eq(telegramChats.customerId, customerId));
  // Addresses they had before a profile change are in the ledger too.
  const sent = await tx
    .selectDistinct({ channel: messages.channel, recipient: messages.recipient })
    .from(messages)
    .where(and(eq(messages.customerId, customerId), isNotNull(messages.recipient), inArray(messages.channel, PERSONAL)));
  const found: Array<[Channel, string | null | undefined]> = [
    ['email', customer?.email],
    ['sms', customer?.phone],
    ['telegram', chat?.chatId],
    ...sent.map((s): [Channel, string | null] => [s.channel, s.recipient]),
  ];
  const byKey = new Map<string, { channel: Channel; address: string }>();
  for (const [channel, raw] of found) {
    if (!raw?.trim()) continue;
    const address = normaliseAddress(channel, raw);
    byKey.set(`${channel}\u0000${address}`, { channel, address });
  }
  let suppressed = 0;
  for (const { channel, address } of byKey.values()) {
    const [removed] = await tx
      .delete(suppressions)
      .where(and(eq(suppressions.channel, channel), eq(suppressions.address, address)))
      .returning({ reason: suppressions.reason });
    if (removed) suppressed++;
    await tx
      .insert(erasedAddresses)
      .values({ channel, addressHash: addressHash(channel, address), objection: objection || (removed !== undefined && liftedByConsent(removed.reason)) })
      // Erased twice (two customers shared it): an objection stays an objection, and counts from the later erasure.
      .onConflictDoUpdate({
        target: [erasedAddresses.channel, erasedAddresses.addressHash],
        set: { objection: sql`${erasedAddresses.objection} or excluded.objection`, erasedAt: sql`now()` },
      });
  }
  return { addresses: byKey.size, suppressions: suppressed };
}
