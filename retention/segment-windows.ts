/**
 * How far back saved segments read events: a segment "viewed tyres within 90 days" needs 90 days of
 * page views whatever the inert retention says, so retention keeps events at least that long. An
 * event condition with no window reads all time, which no retention can promise: the doctor names it.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import type { Db } from '../db/client';
import { segments } from '../db/schema';
import type { Predicate } from '../workflows/predicate';
import { DAY_MS } from './settings';

export interface SegmentWindows {
  /** The longest event window of any saved segment, in whole days (rounded up); 0 when none reads events. */
  days: number;
  /** Segments with an event condition that has no window. */
  unbounded: string[];
}

function eventWindows(p: Predicate, out: Array<string | undefined>): void {
  if ('all' in p) p.all.forEach((c) => eventWindows(c, out));
  else if ('any' in p) p.any.forEach((c) => eventWindows(c, out));
  else if ('not' in p) eventWindows(p.not, out);
  else if ('event' in p) out.push(p.event.within);
}

export async function segmentWindows(db: Db): Promise<SegmentWindows> {
  const saved = await db.select({ id: segments.id, where: segments.where }).from(segments);
  let days = 0;
  const unbounded: string[] = [];
  for (const { id, where } of saved) {
    const windows: Array<string | undefined> = [];
    eventWindows(where as unknown as Predicate, windows);
    if (windows.includes(undefined)) unbounded.push(id);
    for (const w of windows) if (w !== undefined) days = Math.max(days, Math.ceil(msToNumber(w) / DAY_MS));
  }
  return { days, unbounded };
}

/** A kind's days kept: its setting, or longer where a segment reads further back. */
export const keptDays = (setting: number | null, windows: SegmentWindows): number | null => (setting === null ? null : Math.max(setting, windows.days));
