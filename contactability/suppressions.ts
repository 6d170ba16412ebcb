/** The suppression list: addresses we do not write to, and which of those a customer's consent can lift. */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../db/client';
import { suppressions } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { normaliseAddress } from './address';

export type Suppression = Pick<typeof suppressions.$inferSelect, 'reason' | 'createdAt'>;
export type SuppressionReason = Suppression['reason'];

/**
 * The customer's own word (an unsubscribe, a spam complaint) is undone by their newer word. A hard
 * bounce or an invalid address is a fact about the address: no consent brings it back, a new
 * address is simply not on the list.
 */
export const liftedByConsent = (reason: SuppressionReason): boolean => reason === 'unsubscribe' || reason === 'complaint';

export async function suppressionOf(tx: Tx | Db, channel: Channel, address: string): Promise<Suppression | undefined> {
  const [row] = await tx
    .select({ reason: suppressions.reason, createdAt: suppressions.createdAt })
    .from(suppressions)
    .where(and(eq(suppressions.channel, channel), eq(suppressions.address, normaliseAddress(channel, address))));
  return row;
}

/** Puts an address on the list (normalised); an address already there keeps its first reason. */
export async function suppress(db: Db, channel: Channel, address: string, reason: SuppressionReason): Promise<void> {
  await db.insert(suppressions).values({ channel, address: normaliseAddress(channel, address), reason }).onConflictDoNothing();
}

/**
 * Takes an address off the list when it is there for this reason: the fact behind it changed (a
 * Telegram chat that blocked the bot started it again). Any other reason stays.
 */
export async function unsuppress(db: Db, channel: Channel, address: string, reason: SuppressionReason): Promise<void> {
  await db
    .delete(suppressions)
    .where(and(eq(suppressions.channel, channel), eq(suppressions.address, normaliseAddress(channel, address)), eq(suppressions.reason, reason)));
}

/** Is this address (a SQL expression already normalised, see `personalAddressSql`) on the list? For audiences. */
export function suppressedSql(channel: Channel, address: SQL): SQL {
  return sql`exists (select 1 from ${suppressions} where ${suppressions.channel} = ${channel} and ${suppressions.address} = ${address})`;
}
