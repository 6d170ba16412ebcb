/**
 * Expires events a month at a time: a month whose last day is past its kind's retention has the
 * rows still needed moved aside (`held`), then is dropped, never deleted row by row. Held rows go
 * once nothing needs them.
 */
import { and, eq, gte, lt, not } from 'drizzle-orm';
import type { Db } from '../db/client';
import { events } from '../db/schema';
import { dropMonth, listMonths, type MonthlyKind } from './months';
import { keptDays, type SegmentWindows } from './segment-windows';
import { cutoff, type RetentionSettings } from './settings';
import { stillNeeded } from './still-needed';

export interface ExpiredEvents {
  /** The partitions dropped. */
  dropped: string[];
  /** Rows of those months moved to `held` first. */
  held: number;
  /** Held rows deleted because nothing needs them any more. */
  released: number;
}

/** For each kind, the moment a month must end by to be past retention (null: kept for ever). */
export function expiryCutoffs(settings: RetentionSettings, windows: SegmentWindows, now: Date): Record<MonthlyKind, Date | null> {
  return {
    inert: cutoff(now, keptDays(settings.inertEventDays, windows)),
    routed: cutoff(now, keptDays(settings.routedEventDays, windows)),
  };
}

export async function expireEvents(db: Db, settings: RetentionSettings, windows: SegmentWindows, now: Date): Promise<ExpiredEvents> {
  const before = expiryCutoffs(settings, windows, now);
  const result: ExpiredEvents = { dropped: [], held: 0, released: 0 };
  for (const month of await listMonths(db)) {
    const until = before[month.kind];
    if (!until || month.to > until) continue;
    if (month.kind === 'routed') {
      const moved = await db
        .update(events)
        .set({ kind: 'held' })
        .where(and(eq(events.kind, 'routed'), gte(events.receivedAt, month.from), lt(events.receivedAt, month.to), stillNeeded()))
        .returning({ id: events.id });
      result.held += moved.length;
    }
    await dropMonth(db, month);
    result.dropped.push(month.table);
  }
  const released = await db.delete(events).where(and(eq(events.kind, 'held'), not(stillNeeded()))).returning({ id: events.id });
  result.released = released.length;
  return result;
}
