/**
 * Revenue from customers who opened against those who did not (the seed's "revenue from customers
 * who opened rose 32%"). A customer counts under `opened` when they opened or clicked any of the
 * source's sent messages (scope.ts `openedExpr`, the funnel's own meaning of opened), whichever
 * message their goals were attributed to: a customer who opened the first email, then ordered after
 * a reminder they never opened, is an opener. Goals and revenue are the funnel's
 * attributed ones (attribution.ts), so `opened` plus `notOpened` add up to the results' own
 * `recipients`, `converted` and `revenue`.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { convCte, sentCte } from './attribution';
import { readRows } from './read';
import { openedExpr, type CountsSource } from './scope';

export interface OpenedGroup {
  /** Customers the sent messages went to. */
  customers: number;
  /** …of them with a goal attributed to these messages. */
  converted: number;
  /** The attributed goals' totals. */
  revenue: number;
}

export interface ByOpened {
  opened: OpenedGroup;
  notOpened: OpenedGroup;
}

export const NO_OPENERS: ByOpened = { opened: { customers: 0, converted: 0, revenue: 0 }, notOpened: { customers: 0, converted: 0, revenue: 0 } };

type SplitRow = { journey: string; opened: boolean; customers: string | number; converted: string | number; revenue: string | number };

/** The split per journey of the source's messages (a journey or campaign source has one); journeys with no sent message are absent. */
export async function byOpenedPerJourney(db: Db, source: CountsSource): Promise<Map<string, ByOpened>> {
  const rows = await readRows<SplitRow>(
    db,
    sql`
      with ${sentCte(source.sent, sql`, m.journey, ${openedExpr} as opened`)},
      ${convCte(source.attributed)},
      per_customer as (
        select s.journey, s.customer_id, bool_or(s.opened) as opened, bool_or(c.message_id is not null) as converted, coalesce(sum(c.revenue), 0) as revenue
        from sent s left join conv c on c.message_id = s.id
        group by s.journey, s.customer_id)
      select journey, opened, count(*) as customers, count(*) filter (where converted) as converted, sum(revenue) as revenue
      from per_customer group by journey, opened`,
  );
  const out = new Map<string, ByOpened>();
  for (const r of rows) {
    const split = out.get(r.journey) ?? structuredClone(NO_OPENERS);
    split[r.opened ? 'opened' : 'notOpened'] = {
      customers: Number(r.customers), converted: Number(r.converted), revenue: Math.round(Number(r.revenue) * 100) / 100,
    };
    out.set(r.journey, split);
  }
  return out;
}
