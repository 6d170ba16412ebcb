/**
 * Which sent messages an unsubscribe came from. The unsubscribe link's token names the customer,
 * channel and topic, not the message (lib/unsubscribe-token.ts), so a withdrawal from the link or the
 * preference center (consent_changes: granted false, applied, source `unsubscribe` or
 * `preference-center`) counts for the last message the customer got on that channel under that
 * topic (any topic for an every-topic withdrawal), from any journey, in the 30 days before it. The
 * report counts it when that message is one of its `sent` messages.
 */
import { sql, type SQL } from 'drizzle-orm';
import { NOT_SENT } from '../db/schema';

export const UNSUBSCRIBE_LOOKBACK_DAYS = 30;
export const UNSUBSCRIBE_SOURCES = ['unsubscribe', 'preference-center'] as const;

const list = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);

/**
 * A select of (message_id) for each withdrawal since the first of the messages `sent` selects (a
 * condition on the ledger row `m`, e.g. sentInScope); the caller joins on those messages.
 */
export function unsubscribedSql(sent: SQL): SQL {
  return sql`select last.id as message_id
    from consent_changes cc
    cross join lateral (
      select m.id from messages m
      where m.customer_id = cc.customer_id and m.channel = cc.channel
        and m.requested_at < cc.recorded_at and m.requested_at >= cc.recorded_at - make_interval(days => ${UNSUBSCRIBE_LOOKBACK_DAYS})
        and m.status not in (${list(NOT_SENT)}) and not m.transactional
        and (cc.topic = '*' or m.topic = cc.topic)
      order by m.requested_at desc, m.id desc limit 1
    ) last
    where cc.granted = false and cc.applied and cc.source in (${list(UNSUBSCRIBE_SOURCES)})
      and cc.recorded_at > (select min(m.requested_at) from messages m where ${sent})`;
}
