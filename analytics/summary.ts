/**
 * Every journey side by side over one range: each one's headline counts and its openers split, as
 * on its own results page, plus their total. Two grouped statements whatever the number of
 * journeys: the funnel counts grouped by journey (funnel.ts countsSql) and the openers split
 * (openers.ts), each over the messages of all journeys at once with every journey's goals
 * attributed by its own rule.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { API_JOURNEY } from '../workflows/api-message-contract';
import { allJourneys } from '../workflows/registry';
import { attributedInJourneys } from './attribution';
import { countsBy, countsOf, ZERO, type Counts, type Row } from './funnel';
import { byOpenedPerJourney, NO_OPENERS, type ByOpened, type OpenedGroup } from './openers';
import { sentInJourneys, type Attribution } from './scope';


export interface SummaryQuery {
  from?: Date;
  to?: Date;
  attribution: Attribution;
}

export type SummaryRow = Counts & { byOpened: ByOpened };

export interface Summary {
  attribution: Attribution;
  journeys: (SummaryRow & { journey: string })[];
  /**
   * The sum of the journeys' rows, rates recomputed from the sums: a customer two journeys reached
   * counts in each, and so does an order two journeys each converted, as on their own pages.
   */
  total: SummaryRow;
}

const addGroups = (a: OpenedGroup, b: OpenedGroup): OpenedGroup => ({
  customers: a.customers + b.customers, converted: a.converted + b.converted, revenue: Math.round((a.revenue + b.revenue) * 100) / 100,
});

function totalOf(rows: SummaryRow[]): SummaryRow {
  const sums = { ...ZERO } as Record<keyof Row, number>;
  for (const r of rows) for (const k of Object.keys(ZERO) as (keyof Row)[]) sums[k] += r[k];
  return {
    ...countsOf(sums),
    byOpened: rows.reduce<ByOpened>(
      (acc, r) => ({ opened: addGroups(acc.opened, r.byOpened.opened), notOpened: addGroups(acc.notOpened, r.byOpened.notOpened) }),
      NO_OPENERS,
    ),
  };
}

export async function journeysSummary(db: Db, query: SummaryQuery): Promise<Summary> {
  const scope = { journeys: [...allJourneys.map((j) => j.options.id), API_JOURNEY], from: query.from, to: query.to };
  const source = { sent: sentInJourneys(scope), attributed: attributedInJourneys(scope, query.attribution) };
  const [{ rows }, split] = await Promise.all([countsBy(db, source, { journey: sql`m.journey` }), byOpenedPerJourney(db, source)]);
  const counted = new Map(rows.map((r) => [r.key, r.counts]));
  const journeys = scope.journeys.map((journey) => ({
    journey,
    ...(counted.get(journey) ?? countsOf(ZERO)),
    byOpened: split.get(journey) ?? NO_OPENERS,
  }));
  return { attribution: query.attribution, journeys, total: totalOf(journeys) };
}
