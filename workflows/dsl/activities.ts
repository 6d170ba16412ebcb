/** Activity stubs as journeys call them, with the timeouts and retry policy each kind of call needs. */
import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { JourneyActivities, SendAnswer, SendRequest } from '../contract';

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

const dataOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
} as const;

export const dataActivities = proxyActivities<Omit<JourneyActivities, 'send'>>(dataOptions);

/**
 * The same calls as local activities: run by the worker inside the workflow task that asks for
 * them, their results recorded as markers, with no activity task and no workflow task of their own
 * (README, Cost per event). Short jobs whose result needs no ordering against signals.
 */
export const localDataActivities = proxyLocalActivities<Pick<JourneyActivities, 'recordRunVariant'>>(dataOptions);

/**
 * A send tried first as a local activity, with the same backoff as above for its first minute; one
 * that still fails for a reason that may pass (an outage) goes on as the step's regular activity with
 * the six hours of retries, under the same idempotency key, so the provider sees one message.
 */
export const localSendActivity = proxyLocalActivities<Pick<JourneyActivities, 'send'>>({
  startToCloseTimeout: sendOptions.startToCloseTimeout,
  scheduleToCloseTimeout: '1 minute',
  retry: sendOptions.retry,
}).send;

/** The send of one step: local first, then the step's regular activity (`asActivity`) if needed. */
export async function sendLocalFirst(request: SendRequest, asActivity: () => Promise<SendAnswer>): Promise<SendAnswer> {
  let result: SendAnswer;
  try {
    result = await localSendActivity(request);
  } catch (err) {
    // A permanent refusal is the step's answer as it is; anything else may pass with time.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) throw err;
    return asActivity();
  }
  // A local activity is matched to the code by its position only (it has no activity id): an answer
  // for another step means the journey's sends were reordered under a running history. Failing the
  // workflow task says so, as a non-determinism error would, instead of recording the wrong answer.
  if (result.step !== request.step) {
    throw new Error(`Send for step "${request.step}" replayed the result of step "${result.step}": the journey's sends changed order; use patched()`);
  }
  return result;
}
