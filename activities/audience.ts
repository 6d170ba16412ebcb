/**
 * What a journey asks about a customer's recent behaviour, answered from the ledger and the
 * provider reports stored against it (message_events, written by the webhooks).
 */
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { messageEvents, messages } from '../db/schema';
import type { Channel } from '../workflows/contract';

/** Provider report types that mean the customer looked at the message (a click implies an open). */
export const OPENS = ['email.opened', 'email.clicked', 'opened', 'clicked', 'message.opened', 'message.clicked'];

export function createAudienceActivities(db: Db) {
  return {
    /** Did the customer open or click a message on this channel at or after `since` (ISO)? */
    async openedSince(req: { customerId: string; channel: Channel; since: string }): Promise<boolean> {
      const [hit] = await db
        .select({ one: sql<number>`1` })
        .from(messageEvents)
        .innerJoin(messages, eq(messages.id, messageEvents.messageId))
        .where(
          and(
            eq(messages.customerId, req.customerId),
            eq(messages.channel, req.channel),
            inArray(messageEvents.type, OPENS),
            gte(messageEvents.occurredAt, new Date(req.since)),
          ),
        )
        .limit(1);
      return hit !== undefined;
    },
  };
}
