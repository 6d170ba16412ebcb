/** Events dead-lettered within the window: each is an event no run will ever see until someone acts. */
import { count, gte } from 'drizzle-orm';
import { events } from '../../db/schema';
import { minutes, type AlertRule } from './finding';

export const deadLetters: AlertRule = async (db, { since, options }) => {
  const rows = await db
    .select({ type: events.type, deadLettered: count() })
    .from(events)
    .where(gte(events.deadLetteredAt, since))
    .groupBy(events.type);
  const total = rows.reduce((n, r) => n + r.deadLettered, 0);
  if (!total) return [];
  return [{
    cause: 'dead-letters',
    severity: 'warning',
    summary: `${total} event(s) dead-lettered in the last ${minutes(options.windowMs)}: they can never be routed`,
    detail: { deadLettered: total, byType: Object.fromEntries(rows.map((r) => [r.type, r.deadLettered])) },
  }];
};
