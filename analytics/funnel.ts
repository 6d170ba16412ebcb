/**
 * A journey's or a campaign's results: the funnel counts (sent → delivered → opened → clicked →
 * converted, and bounces, complaints, unsubscribes), revenue and rates, in total, per step and per
 * channel, from one SQL query over the ledger, its reports, orders and consent changes; and the
 * customers who opened against those who did not (analytics/openers.ts), from a second one.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { attributedSql, convCte, sentCte } from './attribution';
import { byOpenedPerJourney, NO_OPENERS, type ByOpened } from './openers';
import { readRows } from './read';
import { clickedExpr, deliveredExpr, openedExpr, sentInScope, type AnalyticsScope, type Attribution, type CountsSource } from './scope';
import { unsubscribedSql } from './unsubscribes';

export interface Counts {
  /** Messages that left (any status but pending, skipped, failed). */
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  /** Sent messages an unsubscribe was attributed to (analytics/unsubscribes.ts). */
  unsubscribed: number;
  /** Customers with at least one goal attributed to these messages: once per customer. */
  converted: number;
  /** Goals (orders) attributed to these messages: one goal counts for one message at most. */
  conversions: number;
  /** The attributed goals' totals. */
  revenue: number;
  /** Customers the sent messages went to. */
  recipients: number;
  rates: Rates;
}

export interface Rates {
  /** Each a fraction of `sent`… */
  delivery: number;
  open: number;
  click: number;
  conversion: number;
  bounce: number;
  complaint: number;
  unsubscribe: number;
  /** …except these: clicked of opened, converted customers of recipients. */
  clickOfOpened: number;
  customerConversion: number;
}

export interface JourneyResults extends Counts {
  journey: string;
  campaignId?: string;
  attribution: Attribution;
  byOpened: ByOpened;
  steps: (Counts & { step: string })[];
  channels: (Counts & { channel: string })[];
}

export type ResultsQuery = AnalyticsScope & { attribution: Attribution };

const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

export type Row = Record<'sent' | 'delivered' | 'opened' | 'clicked' | 'bounced' | 'complained' | 'unsubscribed' | 'converted' | 'conversions' | 'recipients', string | number> & {
  revenue: string | number;
};

export const ZERO: Row = { sent: 0, delivered: 0, opened: 0, clicked: 0, bounced: 0, complained: 0, unsubscribed: 0, converted: 0, conversions: 0, recipients: 0, revenue: 0 };

export function countsOf(r: Row): Counts {
  const n = (v: string | number) => Number(v);
  const c = {
    sent: n(r.sent), delivered: n(r.delivered), opened: n(r.opened), clicked: n(r.clicked), bounced: n(r.bounced),
    complained: n(r.complained), unsubscribed: n(r.unsubscribed), converted: n(r.converted), conversions: n(r.conversions),
    revenue: Math.round(Number(r.revenue) * 100) / 100, recipients: n(r.recipients),
  };
  return {
    ...c,
    rates: {
      delivery: share(c.delivered, c.sent), open: share(c.opened, c.sent), click: share(c.clicked, c.sent),
      conversion: share(c.converted, c.sent), bounce: share(c.bounced, c.sent), complaint: share(c.complained, c.sent),
      unsubscribe: share(c.unsubscribed, c.sent), clickOfOpened: share(c.clicked, c.opened), customerConversion: share(c.converted, c.recipients),
    },
  };
}

/** A journey's or a campaign's messages, and its goals attributed as the query asks. */
export function sourceOf(query: ResultsQuery): CountsSource {
  return { sent: sentInScope(query), attributed: attributedSql(query, query.attribution) };
}

/**
 * The SQL of countsBy: one row for the total, one per key of each group (grouping sets). Each group
 * is SQL over the ledger row `m` (e.g. m.step, m.variants->>'subject-test').
 */
export function countsSql(source: CountsSource, groups: Record<string, SQL>): SQL {
  const names = Object.keys(groups);
  const extra = sql.join(
    [
      sql`, ${deliveredExpr} as delivered, ${openedExpr} as opened, ${clickedExpr} as clicked, m.status = 'bounced' as bounced, m.status = 'complained' as complained`,
      ...names.map((name, i) => sql`, (${groups[name]!})::text as ${sql.identifier(`g${i}`)}`),
    ],
    sql``,
  );
  const keys = names.map((_, i) => sql.identifier(`g${i}`));
  const sets = sql.join([sql`()`, ...keys.map((k) => sql`(s.${k})`)], sql`, `);
  const which = names.length ? sql.join(keys.map((k) => sql`, grouping(s.${k}) as ${sql.identifier(`is_${k.value}`)}, s.${k}`), sql``) : sql``;
  return sql`
      with ${sentCte(source.sent, extra)},
      ${convCte(source.attributed)},
      unsub as (select distinct u.message_id from (${unsubscribedSql(source.sent)}) u)
      select count(*) as sent, count(*) filter (where s.delivered) as delivered, count(*) filter (where s.opened) as opened,
        count(*) filter (where s.clicked) as clicked, count(*) filter (where s.bounced) as bounced,
        count(*) filter (where s.complained) as complained, count(u.message_id) as unsubscribed,
        count(distinct c.customer_id) as converted, coalesce(sum(c.goals), 0) as conversions, coalesce(sum(c.revenue), 0) as revenue,
        count(distinct s.customer_id) as recipients ${which}
      from sent s left join conv c on c.message_id = s.id left join unsub u on u.message_id = s.id
      group by grouping sets (${sets})`;
}

/**
 * The counts of the source's sent messages grouped by each of `groups`, plus the total:
 * `{ total, rows: [{ group, key, counts }] }`. Shared by journey results, the daily series, the
 * cross-journey summary and per-variant reports, so every table counts the same way.
 */
export async function countsBy(
  db: Db,
  source: CountsSource,
  groups: Record<string, SQL>,
): Promise<{ total: Counts; rows: { group: string; key: string | null; counts: Counts }[] }> {
  const names = Object.keys(groups);
  const rows = await readRows<Row & Record<string, unknown>>(db, countsSql(source, groups));
  let total = countsOf(ZERO);
  const out: { group: string; key: string | null; counts: Counts }[] = [];
  for (const r of rows) {
    const i = names.findIndex((_, k) => Number(r[`is_g${k}`]) === 0);
    if (i < 0) total = countsOf(r);
    else out.push({ group: names[i]!, key: (r[`g${i}`] as string | null) ?? null, counts: countsOf(r) });
  }
  out.sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
  return { total, rows: out };
}

/** The results page of a journey or campaign: totals, per step, per channel, and openers against the rest. */
export async function journeyResults(db: Db, query: ResultsQuery): Promise<JourneyResults> {
  const source = sourceOf(query);
  const [{ total, rows }, split] = await Promise.all([
    countsBy(db, source, { step: sql`m.step`, channel: sql`m.channel` }),
    byOpenedPerJourney(db, source),
  ]);
  return {
    journey: query.journey,
    ...(query.campaignId !== undefined ? { campaignId: query.campaignId } : {}),
    attribution: query.attribution,
    ...total,
    byOpened: split.get(query.journey) ?? NO_OPENERS,
    steps: rows.filter((r) => r.group === 'step').map((r) => ({ step: r.key ?? '', ...r.counts })),
    channels: rows.filter((r) => r.group === 'channel').map((r) => ({ channel: r.key ?? '', ...r.counts })),
  };
}
