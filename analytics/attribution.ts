/**
 * Conversion by attribution. A goal (the journey's goal event: an order, online or offline, for
 * `order.placed`; otherwise a stored event of that type) converts the LAST message of the journey
 * the customer got before it, no further back than the journey's goal window (`last-touch`); with
 * `last-click`, the last such message the customer had clicked before the goal. One goal converts at
 * most one message (the lateral's LIMIT 1); each journey attributes on its own, so an order after
 * messages of two journeys converts once in each, and never twice in one.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { readRows } from './read';
import { clickTypes, goalOf, notSent, sentInScope, type AnalyticsScope, type Attribution, type JourneysScope } from './scope';

/**
 * The sent messages `where` selects (a condition on the ledger row `m`: sentInScope, sentInJourneys)
 * as a CTE named `sent` (id, customer_id, requested_at, and `extra` columns the caller groups by).
 */
export function sentCte(where: SQL, extra: SQL = sql``): SQL {
  return sql`sent as (select m.id, m.customer_id, m.requested_at ${extra} from messages m where ${where})`;
}

/**
 * The journey's goals placed after `since` and up to `until`, of the customers in `customers` (a
 * subquery of ids) when given: (goal_id, customer_id, at, revenue). Orders carry their total; other
 * goal events a numeric `properties.total` when they have one.
 */
export function goalsSql(journey: string, range: { since: SQL; until?: SQL; customers?: SQL }): SQL | undefined {
  const goal = goalOf(journey);
  if (!goal) return undefined;
  const order = goal.event === 'order.placed';
  const at = order ? sql`o.placed_at` : sql`e.occurred_at`;
  const filters = [sql`${at} > ${range.since}`];
  if (range.until) filters.push(sql`${at} <= ${range.until}`);
  if (range.customers) filters.push(sql`${order ? sql`o` : sql`e`}.customer_id in (${range.customers})`);
  const where = sql.join(filters, sql` and `);
  if (order) return sql`select 'order:' || o.id as goal_id, o.customer_id, o.placed_at as at, o.total as revenue from orders o where ${where}`;
  return sql`select 'event:' || e.id as goal_id, e.customer_id, e.occurred_at as at,
      case when jsonb_typeof(e.properties->'total') = 'number' then (e.properties->>'total')::numeric else 0 end as revenue
    from events e where e.type = ${goal.event} and ${where}`;
}

/**
 * A select of the goals the journey converted that can fall to the scope's messages: (goal_id,
 * customer_id, message_id, at, revenue), one row per goal at most. Which message a goal counts for
 * is decided among all the journey's sent messages, whatever the scope's range or campaign: the
 * caller joins on the scope's messages to keep the goals of its own (a range never moves the
 * credit). Goals are looked for between the scope's first message and its last one's window, each
 * finding its message through messages (customer_id, journey, requested_at). Null when the journey
 * has no goal.
 */
export function attributedSql(scope: AnalyticsScope, attribution: Attribution): SQL | undefined {
  const goal = goalOf(scope.journey);
  const window = sql`make_interval(secs => ${(goal?.withinMs ?? 0) / 1000})`;
  const first = sql`(select min(m.requested_at) from messages m where ${sentInScope(scope)})`;
  const last = sql`(select max(m.requested_at) from messages m where ${sentInScope(scope)}) + ${window}`;
  const goals = goalsSql(scope.journey, { since: first, until: last });
  if (!goal || !goals) return undefined;
  const clicked =
    attribution === 'last-click'
      ? sql`and exists (select 1 from message_events e where e.message_id = m.id and e.type = any(${clickTypes}) and e.occurred_at <= g.at)`
      : sql``;
  return sql`select g.goal_id, g.customer_id, last.id as message_id, g.at, g.revenue
    from (${goals}) g
    cross join lateral (
      select m.id from messages m
      where m.customer_id = g.customer_id and m.journey = ${scope.journey} and m.status <> all(${notSent})
        and m.requested_at < g.at and m.requested_at >= g.at - ${window} ${clicked}
      order by m.requested_at desc, m.id desc limit 1
    ) last`;
}

/**
 * attributedSql of each of several journeys over one range, as one select: each journey attributes
 * its own goals by its own rule, so an order two journeys follow converts once in each. Undefined
 * when none of them has a goal.
 */
export function attributedInJourneys(scope: JourneysScope, attribution: Attribution): SQL | undefined {
  const parts = scope.journeys.flatMap((journey) => attributedSql({ journey, from: scope.from, to: scope.to }, attribution) ?? []);
  return parts.length ? sql.join(parts, sql` union all `) : undefined;
}

/**
 * The converted messages as a CTE named `conv` (message_id, goals, revenue, customer_id) from an
 * attributedSql select; empty when there is none (a journey without a goal converts nothing).
 */
export function convCte(attributed: SQL | undefined): SQL {
  const goals = attributed ?? sql`select null::int as message_id, null::text as customer_id, 0::numeric as revenue where false`;
  return sql`conv as (select a.message_id, count(*) as goals, sum(a.revenue) as revenue, min(a.customer_id) as customer_id from (${goals}) a group by a.message_id)`;
}

export interface Conversion {
  goalId: string;
  customerId: string;
  messageId: number;
  at: Date;
  revenue: number;
}

/** Every goal the scope's messages converted, with the message each one counts for. */
export async function conversionsOf(db: Db, scope: AnalyticsScope, attribution: Attribution): Promise<Conversion[]> {
  const attributed = attributedSql(scope, attribution);
  if (!attributed) return [];
  const rows = await readRows<{ goal_id: string; customer_id: string; message_id: number; at: string | Date; revenue: string }>(
    db,
    sql`with ${sentCte(sentInScope(scope))} select a.* from (${attributed}) a join sent s on s.id = a.message_id order by a.at, a.goal_id`,
  );
  return rows.map((r) => ({ goalId: r.goal_id, customerId: r.customer_id, messageId: Number(r.message_id), at: new Date(r.at), revenue: Number(r.revenue) }));
}
