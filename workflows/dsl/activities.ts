/** Activity stubs as journeys call them, with the timeouts and retry policy each kind of call needs. */
import { proxyActivities } from '@temporalio/workflow';
import type { JourneyActivities } from '../contract';

/**
 * Sends retry for six hours with backoff: a provider outage delays a message, never duplicates it
 * (the idempotency key is the same on every attempt). Six hours stays well inside the 24 hours for
 * which Resend remembers an Idempotency-Key; past it a retry could send a second email. A send that
 * runs out of time is recorded failed. Permanent provider errors are non-retryable failures.
 */
const sendOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '6 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
} as const;

/**
 * The send activity of one step, with the step as its activity id: the history reads "offer-email",
 * and a code change that reorders sends no longer replays silently with each send getting the
 * other's result, it fails as non-deterministic (caught by test/replay.test.ts; use `patched()`).
 */
export const sendActivityFor = (activityId: string) =>
  proxyActivities<Pick<JourneyActivities, 'send'>>({ ...sendOptions, activityId }).send;

export const dataActivities = proxyActivities<Omit<JourneyActivities, 'send'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
