/**
 * A journey whose delivery, open or click rate over the last day fell below a share of its rate over
 * the 4 weeks before (a template that lands in spam, a broken link, a provider that stopped
 * reporting). Delivered, opened and clicked mean what the journey's results page means
 * (analytics/scope.ts), each a fraction of the messages sent. The last day's opens and clicks are
 * those reported so far; the share leaves room for the few still to come. Enough messages on both
 * sides, or a rate is noise.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { readRows } from '../../analytics/read';
import { clickedExpr, deliveredExpr, notSent, openedExpr } from '../../analytics/scope';
import type { AlertRule, Finding } from './finding';

const DAY = 86_400_000;
const TRAILING_DAYS = 28;
const RATES: Record<'delivery' | 'open' | 'click', SQL> = { delivery: deliveredExpr, open: openedExpr, click: clickedExpr };
type Rate = keyof typeof RATES;

type Side = { sent: number } & Record<Rate, number>;

async function sidesByJourney(db: Db, now: number): Promise<{ journey: string; lastDay: Side; before: Side }[]> {
  const recent = sql`m.requested_at >= ${new Date(now - DAY).toISOString()}::timestamptz`;
  const rates = Object.keys(RATES) as Rate[];
  const columns = sql.join(
    rates.map((rate) => sql`, count(*) filter (where ${recent} and ${RATES[rate]}) as ${sql.identifier(`day_${rate}`)},
      count(*) filter (where not (${recent}) and ${RATES[rate]}) as ${sql.identifier(`before_${rate}`)}`),
    sql``,
  );
  const rows = await readRows<Record<string, string | number>>(
    db,
    sql`select m.journey, count(*) filter (where ${recent}) as day_sent, count(*) filter (where not (${recent})) as before_sent ${columns}
      from messages m
      where m.requested_at >= ${new Date(now - (TRAILING_DAYS + 1) * DAY).toISOString()}::timestamptz
        and m.requested_at < ${new Date(now).toISOString()}::timestamptz and m.status <> all(${notSent})
      group by m.journey`,
  );
  const side = (r: Record<string, string | number>, prefix: string): Side =>
    Object.fromEntries(['sent', ...rates].map((k) => [k, Number(r[`${prefix}_${k}`])])) as Side;
  return rows.map((r) => ({ journey: String(r.journey), lastDay: side(r, 'day'), before: side(r, 'before') }));
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export const rateDropped: AlertRule = async (db, { now, options }) => {
  const rule = options.rateDrop;
  if (!rule) return [];
  const findings: Finding[] = [];
  for (const { journey, lastDay, before } of await sidesByJourney(db, now.getTime())) {
    if (lastDay.sent < rule.minMessages || before.sent < rule.minMessages) continue;
    for (const rate of Object.keys(RATES) as Rate[]) {
      const [day, trailing] = [lastDay[rate] / lastDay.sent, before[rate] / before.sent];
      if (!(day < rule.share * trailing)) continue;
      findings.push({
        cause: `rate-dropped:${journey}:${rate}`,
        severity: 'warning',
        summary: `${journey} ${rate} rate fell to ${pct(day)} over the last day, from ${pct(trailing)} over the ${TRAILING_DAYS} days before (alert below ${Math.round(rule.share * 100)}% of it)`,
        detail: { journey, rate, lastDay: { sent: lastDay.sent, rate: day }, trailing4Weeks: { sent: before.sent, rate: trailing }, threshold: rule.share },
        windowMs: Math.max(DAY, options.windowMs),
      });
    }
  }
  return findings;
};
