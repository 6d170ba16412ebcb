/**
 * What a signed link (the preference center behind the unsubscribe link) may change on its channel.
 * Withdrawing: anything, from any link, however old; stopping stays one click. Granting: only with a
 * link minted in the last LINK_GRANT_DAYS days, since an archived or forwarded link is not the
 * customer's word today (whoever holds it could subscribe them again), and never where the customer
 * complained (spam): only the shop recording a new consent lifts that (PUT /v1/customers/:id/consents).
 */
import type { Db, Tx } from '../db/client';
import type { customers } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { personalAddress } from './address';
import { suppressionOf } from './suppressions';

export const LINK_GRANT_DAYS = 30;
const DAY_MS = 86_400_000;

export interface LinkGrantRefusal {
  reason: 'undated-link' | 'old-link' | 'complaint';
  /** What the consent history records with the refused grant. */
  note: string;
}

/** Why a link minted at `issuedAt` (null: before links carried it) may not grant on the channel now; null when it may. */
export async function linkGrantRefusal(
  tx: Tx | Db,
  customer: typeof customers.$inferSelect,
  channel: Channel,
  issuedAt: Date | null,
  now: Date,
): Promise<LinkGrantRefusal | null> {
  if (issuedAt === null) {
    return { reason: 'undated-link', note: 'refused: the link carries no date (minted before links did); an old link can withdraw, not grant' };
  }
  if (now.getTime() - issuedAt.getTime() > LINK_GRANT_DAYS * DAY_MS) {
    return {
      reason: 'old-link',
      note: `refused: the link was minted on ${issuedAt.toISOString()}, more than ${LINK_GRANT_DAYS} days ago; an old link can withdraw, not grant`,
    };
  }
  const address = personalAddress(channel, customer);
  const suppression = address ? await suppressionOf(tx, channel, address) : undefined;
  if (suppression?.reason === 'complaint') {
    return {
      reason: 'complaint',
      note: `refused: the address is suppressed (spam complaint on ${suppression.createdAt.toISOString()}); a link never lifts a complaint, only PUT /v1/customers/:id/consents`,
    };
  }
  return null;
}
