/**
 * What a journey asks about a customer's recent behaviour, answered from the ledger and the
 * provider reports stored against it (message_events, written by the webhooks).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { openedSql } from '../db/queries/engagement';
import type { Channel } from '../workflows/contract';

export function createAudienceActivities(db: Db) {
  return {
    /** Did the customer open or click a message on this channel at or after `since` (ISO)? */
    async openedSince(req: { customerId: string; channel: Channel; since: string }): Promise<boolean> {
      const [row] = await db.execute<{ opened: boolean }>(sql`select ${openedSql(req.customerId, req.channel, new Date(req.since))} as opened`);
      return row?.opened === true;
    },
  };
}
