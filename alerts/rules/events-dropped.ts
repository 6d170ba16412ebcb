/**
 * An integration that stopped sending (after a launch, a site change): events of a type in the last
 * hour fell below a share of the same hour a week earlier. A week back, so the shop's daily and
 * weekly rhythm (nights, weekends) is compared with itself. Only types with enough events a week
 * earlier count: a handful an hour falls to none by chance. Counted by received_at, when the
 * product system sent them, whatever time they say they occurred.
 */
import { and, gte, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { events } from '../../db/schema';
import type { AlertRule } from './finding';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

function countsByType(db: Db, now: number) {
  const [hourStart, weekStart, weekEnd] = [new Date(now - HOUR), new Date(now - WEEK - HOUR), new Date(now - WEEK)];
  return db
    .select({
      type: events.type,
      lastHour: sql<number>`count(*) filter (where ${gte(events.receivedAt, hourStart)})`.mapWith(Number),
      weekEarlier: sql<number>`count(*) filter (where ${lt(events.receivedAt, weekEnd)})`.mapWith(Number),
    })
    .from(events)
    .where(
      or(
        and(gte(events.receivedAt, hourStart), lt(events.receivedAt, new Date(now))),
        and(gte(events.receivedAt, weekStart), lt(events.receivedAt, weekEnd)),
      ),
    )
    .groupBy(events.type);
}

export const eventsDropped: AlertRule = async (db, { now, options }) => {
  const rule = options.eventsDrop;
  if (!rule) return [];
  const rows = await countsByType(db, now.getTime());
  return rows
    .filter((r) => r.weekEarlier >= rule.minCount && r.lastHour < rule.share * r.weekEarlier)
    .map((r) => ({
      cause: `events-dropped:${r.type}`,
      // None at all is an integration that stopped; fewer may be a quiet day.
      severity: r.lastHour === 0 ? ('critical' as const) : ('warning' as const),
      summary: `${r.type} events fell to ${r.lastHour} in the last hour, from ${r.weekEarlier} in the same hour a week earlier (alert below ${Math.round(rule.share * 100)}%): is the integration still sending?`,
      detail: { type: r.type, lastHour: r.lastHour, weekEarlier: r.weekEarlier, threshold: rule.share },
      windowMs: Math.max(HOUR, options.windowMs),
    }));
};
