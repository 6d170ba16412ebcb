/**
 * Retention: how long each kind of data is kept (the settings, and longer where a saved segment
 * reads further back), which months of events are stored, how many rows are held past their month,
 * and whether the retention job keeps up: next month made ahead, nothing past retention left.
 */
import { count, eq } from 'drizzle-orm';
import { events } from '../../db/schema';
import { loadConfig } from '../../lib/config';
import { listMonths, type Month } from '../../retention/months';
import { expiryCutoffs } from '../../retention/expire-events';
import { segmentWindows } from '../../retention/segment-windows';
import { describeDays, retentionFromConfig } from '../../retention/settings';
import { pass, warn, type CheckFn } from '../check';

const NAME = 'retention';

const monthOf = (d: Date) => d.toISOString().slice(0, 7);
const span = (months: Month[]) => (months.length ? `${monthOf(months[0]!.from)}…${monthOf(months.at(-1)!.from)}` : 'none');

export const retentionCheck: CheckFn = async (ctx) => {
  const settings = retentionFromConfig(loadConfig(ctx.env));
  const kept = `inert events ${describeDays(settings.inertEventDays)}, routed events ${describeDays(settings.routedEventDays)}, message bodies ${describeDays(settings.messageBodyDays)}`;
  if (!ctx.db) return [pass(NAME, `${kept} (no database to look at)`)];
  const now = new Date();
  let read;
  try {
    read = await Promise.all([listMonths(ctx.db), segmentWindows(ctx.db), ctx.db.select({ n: count() }).from(events).where(eq(events.kind, 'held'))]);
  } catch {
    // The postgres check says why (unreachable, not migrated): one failure, not two.
    return [warn(NAME, `${kept}; the stored months could not be read`, 'see the postgres check')];
  }
  const [months, windows, [held]] = read;
  const stretched = windows.days > Math.min(settings.inertEventDays ?? Infinity, settings.routedEventDays ?? Infinity) ? `; a saved segment reads ${windows.days} days back, so events are kept at least that long` : '';
  const byKind = (kind: Month['kind']) => months.filter((m) => m.kind === kind);
  const detail = `${kept}${stretched}; months stored: routed ${span(byKind('routed'))}, inert ${span(byKind('inert'))}; ${held!.n} held past their month`;
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const missing = (['inert', 'routed'] as const).filter((kind) => !months.some((m) => m.kind === kind && m.from.getTime() === next.getTime()));
  if (missing.length) return [warn(NAME, `${detail}; next month's ${missing.join(' and ')} partition not made yet`, 'run an API process: its retention job makes the coming months hourly')];
  const before = expiryCutoffs(settings, windows, now);
  // An hour's grace: the job runs hourly.
  const overdue = months.filter((m) => before[m.kind] && m.to.getTime() < before[m.kind]!.getTime() - 3_600_000);
  if (overdue.length) return [warn(NAME, `${detail}; ${overdue.map((m) => m.table).join(', ')} past retention and not dropped`, 'run an API process (its retention job drops expired months hourly), and see its log for "retention failed"')];
  if (windows.unbounded.length) {
    return [warn(NAME, `${detail}; segments ${windows.unbounded.join(', ')} count events with no window, and read only what retention keeps`, 'give their event conditions a window ("within": "90 days")')];
  }
  return [pass(NAME, detail)];
};
