/**
 * Results over time for the dashboard's chart: the funnel counts of the messages asked for on each
 * day (in `timeZone`, default UTC), with their rates. A conversion counts on the day of the message
 * it is attributed to, so each day's conversion rate is that day's messages' own.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { countsBy, sourceOf, type Counts, type ResultsQuery } from './funnel';

export interface DayResults extends Counts {
  /** YYYY-MM-DD in the series' time zone. */
  day: string;
}

export async function resultsByDay(db: Db, query: ResultsQuery & { timeZone?: string }): Promise<DayResults[]> {
  const zone = query.timeZone ?? 'UTC';
  const { rows } = await countsBy(db, sourceOf(query), { day: sql`to_char(m.requested_at at time zone ${zone}, 'YYYY-MM-DD')` });
  return rows.map((r) => ({ day: r.key ?? '', ...r.counts }));
}
