/**
 * What a report is about: one journey's messages, or the messages of one campaign's runs, between
 * `from` and `to` (when the journey asked for the send). Every analytics query starts from this set,
 * so a journey page, a campaign page and a per-variant table count the same messages the same way.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { sql, type SQL } from 'drizzle-orm';
import { journeyById } from '../workflows/registry';
import { CLICKS, OPENS } from '../db/queries/engagement';
import { NOT_SENT } from '../db/schema';

export type Attribution = 'last-touch' | 'last-click';

export interface AnalyticsScope {
  /** The journey (its id in workflows/registry.ts). With campaignId, the campaign's journey. */
  journey: string;
  /** Only the messages of this campaign's runs (journey_runs.campaign_id). */
  campaignId?: string;
  /** Messages the journey asked for at or after `from` and before `to`. */
  from?: Date;
  to?: Date;
}

/** The journey's goal (event and window); a journey without one converts nothing. */
export function goalOf(journey: string): { event: string; withinMs: number } | undefined {
  const goal = journeyById(journey)?.options.goal;
  return goal ? { event: goal.event, withinMs: msToNumber(goal.within) } : undefined;
}

const textArray = (values: readonly string[]) => sql`array[${sql.join(values.map((v) => sql`${v}::text`), sql`, `)}]`;
export const notSent = textArray(NOT_SENT);
export const openTypes = textArray(OPENS);
export const clickTypes = textArray(CLICKS);

/** Several journeys' messages over one range: the cross-journey summary's scope. */
export interface JourneysScope {
  journeys: readonly string[];
  from?: Date;
  to?: Date;
}

function sentInRange(journey: SQL, range: { from?: Date; to?: Date }): SQL[] {
  const filters: SQL[] = [journey, sql`m.status <> all(${notSent})`];
  if (range.from) filters.push(sql`m.requested_at >= ${range.from.toISOString()}::timestamptz`);
  if (range.to) filters.push(sql`m.requested_at < ${range.to.toISOString()}::timestamptz`);
  return filters;
}

/** A condition on the ledger row `m` selecting the scope's messages that left (status past pending). */
export function sentInScope(scope: AnalyticsScope): SQL {
  const filters = sentInRange(sql`m.journey = ${scope.journey}`, scope);
  if (scope.campaignId !== undefined) {
    // Campaign runs are keyed by the campaign (workflows/campaign.ts), so their workflow ids are its own.
    filters.push(sql`exists (select 1 from journey_runs r where r.workflow_id = m.workflow_id and r.campaign_id = ${scope.campaignId})`);
  }
  return sql.join(filters, sql` and `);
}

/** The same condition for the messages of any of several journeys. */
export function sentInJourneys(scope: JourneysScope): SQL {
  return sql.join(sentInRange(sql`m.journey = any(${textArray(scope.journeys)})`, scope), sql` and `);
}

/**
 * The furthest stage a sent message reached. The ledger status only moves forward (reports/
 * apply-report.ts), so it says delivered/opened/clicked by itself, except that a bounce or a
 * complaint overrides an earlier open or click: for those rows (few) the stored reports decide.
 */
export const openedExpr = sql`(m.status in ('opened', 'clicked') or (m.status in ('bounced', 'complained')
  and exists (select 1 from message_events e where e.message_id = m.id and e.type = any(${openTypes}))))`;
export const clickedExpr = sql`(m.status = 'clicked' or (m.status in ('bounced', 'complained')
  and exists (select 1 from message_events e where e.message_id = m.id and e.type = any(${clickTypes}))))`;
/** Delivered: the provider said so, or the customer opened it or complained about it (both need it in the inbox). */
export const deliveredExpr = sql`(m.status in ('delivered', 'opened', 'clicked', 'complained') or ${openedExpr})`;

/** What counts are taken over: the sent messages (a condition on the ledger row `m`) and the goals they converted. */
export interface CountsSource {
  sent: SQL;
  /** attributedSql (or attributedInJourneys) of the same messages; undefined when there is no goal. */
  attributed: SQL | undefined;
}
