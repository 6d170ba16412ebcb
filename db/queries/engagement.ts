/**
 * "Did the customer look at a message on this channel": an open or a click (a click implies an
 * open) in the provider reports stored against the ledger. Asked by journeys (`j.openedWithin`)
 * and by segments (`engagement`), so both mean the same thing.
 */
import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Channel } from '../../workflows/contract';
import { messageEvents, messages } from '../schema';

/** Provider report types that mean the customer clicked a link in the message. */
export const CLICKS = ['email.clicked', 'clicked', 'message.clicked'];
/** Provider report types that mean the customer looked at the message (a click implies an open). */
export const OPENS = ['email.opened', 'opened', 'message.opened', ...CLICKS];

/**
 * An EXISTS over the customer's opens and clicks on `channel`, at or after `since` and before
 * `until` when given (either a time or SQL, e.g. relative to a send: email health asks per send).
 */
export function openedSql(customerId: SQL | string, channel: Channel, since?: Date | SQL, until?: SQL): SQL {
  const filters = [eq(messages.customerId, customerId), eq(messages.channel, channel), inArray(messageEvents.type, OPENS)];
  if (since) filters.push(gte(messageEvents.occurredAt, since));
  if (until) filters.push(lt(messageEvents.occurredAt, until));
  return sql`exists (select 1 from ${messages} join ${messageEvents} on ${messageEvents.messageId} = ${messages.id} where ${and(...filters)})`;
}
