/**
 * The body's sleeps: for a while, until the customer's local time (on a date), until an instant, and
 * until a while after the body (re)started. Each keeps its wake-up instant in the memo, so a
 * continued run wakes when the first one would have.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { localDateTime, nextLocalTime, parseLocalTime, type LocalTime } from '../local-time';
import { sleepTo, sleepUntilMs, type RunState } from '../run-state';

export const sleep = (run: RunState, duration: Duration): Promise<void> => sleepTo(run, () => Date.now() + msToNumber(duration));

export const sleepUntilInstant = (run: RunState, when: string | number): Promise<void> =>
  sleepTo(run, () => (typeof when === 'number' ? when : Date.parse(when)));

export const sleepUntilElapsed = (run: RunState, duration: Duration): Promise<void> => sleepTo(run, () => run.bodyStartedAt + msToNumber(duration));

/** False when `on` is already over where the customer is; true (at once) on that day past `at`. */
export async function sleepUntil(run: RunState, at: string | LocalTime, opts?: { on?: string }): Promise<boolean> {
  const local = typeof at === 'string' ? parseLocalTime(at) : at;
  const { timeZone } = run.customer;
  const { value } = run.memo.slot('sleep-until', (): { wakeAt: number; onTime: boolean } => {
    if (opts?.on === undefined) return { wakeAt: nextLocalTime(Date.now(), timeZone, local), onTime: true };
    const target = localDateTime(opts.on, local, timeZone);
    const dayOver = Date.now() >= localDateTime(opts.on, { hour: 24, minute: 0 }, timeZone);
    return target < Date.now() && dayOver ? { wakeAt: 0, onTime: false } : { wakeAt: target, onTime: true };
  });
  if (value.onTime) await sleepUntilMs(run, value.wakeAt, true);
  return value.onTime;
}
