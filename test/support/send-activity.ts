/**
 * The real send activity (the whole pipeline and a real channel adapter) run in Temporal's own
 * activity harness, MockActivityEnvironment, so a test can play attempt 1, 2, 3… of a retry the way
 * a worker would, and look at the failure a worker would hand back to Temporal.
 */
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { channelsFromEnv } from '../../activities/channels';
import { createRenderer } from '../../activities/templates';
import type { Db } from '../../db/client';
import type { Channel, SendRequest, SendAnswer, SendResult } from '../../workflows/contract';
import { testDeps } from './cascade';

export const fixtureTemplates = fileURLToPath(new URL('../fixtures/templates', import.meta.url));

/** The send activity with channels built from `env` the way the worker builds them. */
export function sendWith(db: Db, env: Record<string, string>, overrides: Partial<ActivityDeps> = {}) {
  return createActivities(testDeps(db, { channels: channelsFromEnv(env, db), render: createRenderer(fixtureTemplates), ...overrides })).send;
}

let n = 0;
export function sendRequest(customerId: string, channel: Channel, data: Record<string, unknown> = {}, extra: Partial<SendRequest> = {}): SendRequest {
  const step = `step-${++n}`;
  return {
    idempotencyKey: `test/${customerId}/run-1/${step}`,
    customerId,
    workflowId: `test/${customerId}`,
    runId: 'run-1',
    journey: 'channel-test',
    step,
    channel,
    template: 'channel-test',
    data,
    // Transactional: these tests are about the channel, not consent, caps or quiet hours.
    transactional: true,
    ...extra,
  };
}

/** One attempt of the activity, as the worker would run attempt `attempt`. */
export async function attempt(send: (req: SendRequest) => Promise<SendAnswer>, req: SendRequest, attemptNo = 1): Promise<SendResult> {
  const info = { attempt: attemptNo, scheduledTimestampMs: Date.now(), activityType: 'send' };
  // The expected failures would otherwise each print a worker warning.
  const answer: SendAnswer = await new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') }).run(send, req);
  // No test of a channel pauses its journey.
  if (answer.status === 'held') throw new Error(`send ${req.idempotencyKey} held: journey ${req.journey} is paused`);
  return answer;
}
