/**
 * Wall-clock arithmetic in a customer's time zone, pure and deterministic, so journeys can say
 * "10:00 on their birthday" or "not between 21:00 and 09:00" without a date library in the sandbox.
 */
export interface LocalTime {
  hour: number;
  minute: number;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function localParts(utcMs: number, timeZone: string): LocalParts {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const parts = Object.fromEntries(fmt.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/** The UTC instant at which the clock in `timeZone` shows the given local date and time. */
export function zonedToUtc(p: LocalParts, timeZone: string): number {
  const guess = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  // Two passes settle the offset, including across a DST change between guess and answer.
  let utc = guess;
  for (let i = 0; i < 2; i++) {
    const shown = localParts(utc, timeZone);
    const shownMs = Date.UTC(shown.year, shown.month - 1, shown.day, shown.hour, shown.minute);
    utc += guess - shownMs;
  }
  return utc;
}

export function parseLocalTime(text: string): LocalTime {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) throw new Error(`Expected a local time like "10:00", got "${text}"`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** The next instant (strictly after `nowMs`, or now if `inclusive`) when the local clock shows `at`. */
export function nextLocalTime(nowMs: number, timeZone: string, at: LocalTime, inclusive = false): number {
  const today = localParts(nowMs, timeZone);
  for (let addDays = 0; addDays < 3; addDays++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + addDays));
    const candidate = zonedToUtc(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), ...at },
      timeZone,
    );
    if (candidate > nowMs || (inclusive && candidate === nowMs)) return candidate;
  }
  throw new Error('unreachable: a local time recurs every day');
}

/** The next occurrence of month-day at the local time (Feb 29 falls back to Feb 28 in common years). */
export function nextLocalDate(nowMs: number, timeZone: string, month: number, day: number, at: LocalTime): number {
  const year = localParts(nowMs, timeZone).year;
  for (const y of [year, year + 1, year + 2]) {
    const lastDay = new Date(Date.UTC(y, month, 0)).getUTCDate();
    const candidate = zonedToUtc({ year: y, month, day: Math.min(day, lastDay), ...at }, timeZone);
    if (candidate >= nowMs) return candidate;
  }
  throw new Error('unreachable: a date recurs every year');
}

/** If `nowMs` falls in the quiet window [from, to) local time, the end of that window; else null. */
export function quietUntil(nowMs: number, timeZone: string, from: LocalTime, to: LocalTime): number | null {
  const local = localParts(nowMs, timeZone);
  const minutes = local.hour * 60 + local.minute;
  const start = from.hour * 60 + from.minute;
  const end = to.hour * 60 + to.minute;
  const inside = start > end ? minutes >= start || minutes < end : minutes >= start && minutes < end;
  return inside ? nextLocalTime(nowMs, timeZone, to) : null;
}

/** The instant the customer's clock shows `at` on the local date `date` ("2027-06-15"); hour 24 is the next midnight. */
export function localDateTime(date: string, at: LocalTime, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`Expected a date like "2027-06-15", got "${date}"`);
  return zonedToUtc({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), ...at }, timeZone);
}

/** This year's date of a yearly occasion (a birthday "1990-02-29"), Feb 29 on Feb 28 in common years. */
export function anniversaryIn(year: number, date: string): string {
  const [, month, day] = date.split('-').map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(day, lastDay)).padStart(2, '0')}`;
}

export function localYear(nowMs: number, timeZone: string): number {
  return localParts(nowMs, timeZone).year;
}

/** The calendar quarter in `timeZone`, as people write it: `2027-Q1`. */
export function localQuarter(nowMs: number, timeZone: string): string {
  const { year, month } = localParts(nowMs, timeZone);
  return `${year}-Q${Math.ceil(month / 3)}`;
}

/** The year of the next anniversary of `date` on or after today in `timeZone` (today's counts). */
export function nextAnniversaryYear(nowMs: number, timeZone: string, date: string): number {
  const today = localParts(nowMs, timeZone);
  const todayText = `${today.year}-${String(today.month).padStart(2, '0')}-${String(today.day).padStart(2, '0')}`;
  return anniversaryIn(today.year, date) >= todayText ? today.year : today.year + 1;
}
