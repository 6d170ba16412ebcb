/** PLACEHOLDER until the analytics module is merged. */
import type { Db } from '../db/client';
import type { Markup } from './html';
import type { DayRates, Filters, Results } from './pages/results';

export async function warningOf(_db: Db): Promise<Markup | null> {
  return null;
}

export async function resultsData(_db: Db, _q: { journey: string; campaignId?: string; filters: Filters }): Promise<{ results: Results; series: DayRates[]; warning: Markup | null; experiments: Markup | null }> {
  const zero = { sent: 0, delivered: 0, opened: 0, clicked: 0, bounced: 0, complained: 0, unsubscribed: 0, converted: 0, revenue: 0 };
  return { results: { ...zero, rates: { delivery: 0, open: 0, click: 0, conversion: 0 }, steps: [], channels: [] }, series: [{ day: '2026-11-01', rates: { delivery: 1, open: 0.5, click: 0.2, conversion: 0.1 } }], warning: null, experiments: null };
}
