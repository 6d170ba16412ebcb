/**
 * What a dashboard page shows, asked of the analytics module (the one owner of every number): the
 * results and their daily series for the page's journey or campaign and filters, its experiments
 * (variants and holdout, over the runs started in the period), and the email-health warning every
 * page carries.
 */
import { emailHealth } from '../analytics/email-health';
import { experimentResults } from '../analytics/experiments';
import { journeyResults, type JourneyResults, type ResultsQuery } from '../analytics/funnel';
import { resultsByDay } from '../analytics/series';
import type { Db } from '../db/client';
import type { Markup } from './html';
import { experimentsSection } from './pages/experiments';
import { healthBanner } from './pages/health';
import type { DayRates } from './pages/results';
import type { DashboardFilters } from '../schemas/dashboard';

const DAY = 86_400_000;

export async function warningOf(db: Db): Promise<Markup | null> {
  return healthBanner(await emailHealth(db));
}

/** The analytics query of a page: its `to` is the last day shown, so the bound is the next midnight (UTC). */
export function resultsQueryOf(scope: { journey: string; campaignId?: string }, f: DashboardFilters): ResultsQuery {
  return {
    ...scope,
    attribution: f.attribution,
    ...(f.from ? { from: new Date(f.from) } : {}),
    ...(f.to ? { to: new Date(Date.parse(f.to) + DAY) } : {}),
  };
}

export async function resultsData(
  db: Db,
  scope: { journey: string; campaignId?: string },
  filters: DashboardFilters,
): Promise<{ results: JourneyResults; series: DayRates[]; warning: Markup | null; experiments: Markup }> {
  const query = resultsQueryOf(scope, filters);
  const { attribution: _runsHaveNoAttribution, ...runs } = query;
  const [results, days, warning, experiments] = await Promise.all([
    journeyResults(db, query),
    resultsByDay(db, query),
    warningOf(db),
    experimentResults(db, runs),
  ]);
  // The chart needs each day's rates only: the page carries no more than it draws.
  const series = days.map(({ day, rates }) => ({ day, rates: { delivery: rates.delivery, open: rates.open, click: rates.click, conversion: rates.conversion } }));
  return { results, series, warning, experiments: experimentsSection(experiments) };
}
