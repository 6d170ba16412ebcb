/**
 * The key of each member's run, which names the run's workflow id (journey/customer/key): one run
 * per member and key, whoever asks and however often. A campaign's own key is its id (with the
 * firing for a scheduled campaign, and a test suffix in test mode, so the real launch still reaches
 * the testers); a journey's audience names its occasion instead (journey-audiences.ts).
 */
import { inArray, max } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers, orders } from '../db/schema';
import { nextAnniversaryYear } from '../workflows/dsl/local-time';
import type { JourneyAudience } from '../workflows/dsl/options';

export type KeyRule = JourneyAudience['key'] | 'campaign';

export function campaignKey(campaignId: string, occurrence: string | undefined, testMode: boolean): string {
  return `${campaignId}${testMode ? '~test' : ''}${occurrence ? `@${occurrence}` : ''}`;
}

/** Each member's key; a member without one (no birthday, no order) is left out and counts as skipped. */
export async function runKeysOf(db: Db, rule: KeyRule, memberIds: string[], ownKey: string, nowMs: number): Promise<Map<string, string>> {
  if (rule === 'campaign' || rule === 'occurrence') return new Map(memberIds.map((id) => [id, ownKey]));
  if (memberIds.length === 0) return new Map();
  if (rule === 'year-of-birthday') {
    const rows = await db
      .select({ id: customers.id, birthday: customers.birthday, timeZone: customers.timeZone })
      .from(customers)
      .where(inArray(customers.id, memberIds));
    return new Map(rows.flatMap((r) => (r.birthday ? [[r.id, String(nextAnniversaryYear(nowMs, r.timeZone, r.birthday))] as const] : [])));
  }
  const rows = await db
    .select({ id: orders.customerId, last: max(orders.placedAt) })
    .from(orders)
    .where(inArray(orders.customerId, memberIds))
    .groupBy(orders.customerId);
  // The lapse is named by the day of the order it follows: a new order, then a new lapse, a new run.
  return new Map(rows.flatMap((r) => (r.last ? [[r.id, `lapse-${new Date(r.last).toISOString().slice(0, 10)}`] as const] : [])));
}
