import { describe, expect, it } from 'vitest';
import { anniversaryIn, localDateTime, nextLocalDate, nextLocalTime, quietUntil, parseLocalTime } from '../workflows/dsl/local-time';

const at = (iso: string) => Date.parse(iso);

describe('local time in the customer zone', () => {
  it('finds the next 10:00 in Moscow (UTC+3)', () => {
    expect(new Date(nextLocalTime(at('2026-03-10T05:00:00Z'), 'Europe/Moscow', parseLocalTime('10:00'))).toISOString()).toBe('2026-03-10T07:00:00.000Z');
    expect(new Date(nextLocalTime(at('2026-03-10T08:00:00Z'), 'Europe/Moscow', parseLocalTime('10:00'))).toISOString()).toBe('2026-03-11T07:00:00.000Z');
  });

  it('keeps local wall time across a DST change (New York, March 8 2026)', () => {
    expect(new Date(nextLocalTime(at('2026-03-07T16:00:00Z'), 'America/New_York', parseLocalTime('10:00'))).toISOString()).toBe('2026-03-08T14:00:00.000Z');
  });

  it('finds the birthday at 10:00 local, this year or next, and Feb 29 on Feb 28 in common years', () => {
    expect(new Date(nextLocalDate(at('2026-06-01T00:00:00Z'), 'Asia/Vladivostok', 6, 15, parseLocalTime('10:00'))).toISOString()).toBe('2026-06-15T00:00:00.000Z');
    expect(new Date(nextLocalDate(at('2026-07-01T00:00:00Z'), 'UTC', 6, 15, parseLocalTime('10:00'))).toISOString()).toBe('2027-06-15T10:00:00.000Z');
    expect(new Date(nextLocalDate(at('2026-01-01T00:00:00Z'), 'UTC', 2, 29, parseLocalTime('10:00'))).toISOString()).toBe('2026-02-28T10:00:00.000Z');
  });

  it('defers a send at 23:30 local to 09:00 local, and lets 12:00 through', () => {
    const quiet = [parseLocalTime('21:00'), parseLocalTime('09:00')] as const;
    expect(new Date(quietUntil(at('2026-05-01T20:30:00Z'), 'Europe/Moscow', ...quiet)!).toISOString()).toBe('2026-05-02T06:00:00.000Z');
    expect(quietUntil(at('2026-05-01T09:00:00Z'), 'Europe/Moscow', ...quiet)).toBeNull();
  });

  it('finds 10:00 on a given local date, and the end of that day', () => {
    expect(new Date(localDateTime('2027-06-15', parseLocalTime('10:00'), 'Asia/Vladivostok')).toISOString()).toBe('2027-06-15T00:00:00.000Z');
    expect(new Date(localDateTime('2027-06-15', { hour: 24, minute: 0 }, 'Europe/Moscow')).toISOString()).toBe('2027-06-15T21:00:00.000Z');
    expect(() => localDateTime('15.06.2027', parseLocalTime('10:00'), 'UTC')).toThrow(/2027-06-15/);
  });

  it("puts a yearly occasion in a given year, Feb 29 on Feb 28 in common years", () => {
    expect(anniversaryIn(2027, '1990-06-05')).toBe('2027-06-05');
    expect(anniversaryIn(2027, '1992-02-29')).toBe('2027-02-28');
    expect(anniversaryIn(2028, '1992-02-29')).toBe('2028-02-29');
  });

  it('rejects a malformed time', () => {
    expect(() => parseLocalTime('25:00')).toThrow(/10:00/);
  });
});
