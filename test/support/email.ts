/** Helpers for the Resend, webhook and unsubscribe tests: the real adapter on the fake, polling, signals. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { resendChannel } from '../../activities/channels/resend/adapter';
import { channelsFromEnv, type ChannelRegistry } from '../../activities/channels';
import type { JourneyEvent } from '../../workflows/contract';
import type { FakeResend } from '../fakes/resend';

export const FROM = 'Cascade Shop <news@shop.example>';

/** Email through the real Resend adapter pointed at the fake; the other channels stay on the outbox. */
export function resendChannels(fake: FakeResend): ChannelRegistry {
  return { ...channelsFromEnv({}), email: resendChannel({ apiKey: fake.apiKey, from: FROM, baseUrl: fake.url, timeoutMs: 5_000 }) };
}

export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The journey events a run received as `event` signals, read from its Temporal history. */
export async function signalsOf(client: Client, workflowId: string): Promise<JourneyEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((a) => a?.signalName === 'event')
    .map((a) => defaultPayloadConverter.fromPayload<JourneyEvent>(a!.input!.payloads![0]!));
}

const BUSY = new Set([5, 6, 10]); // workflow task scheduled / started, activity task scheduled

/**
 * Terminates a run once it is between tasks. The time-skipping test server keeps its time lock
 * forever for a run terminated in the middle of a workflow task, and every later sleep hangs.
 */
export async function terminateWhenIdle(handle: WorkflowHandle): Promise<void> {
  await eventually(async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    return !BUSY.has(Number(events.at(-1)?.eventType));
  }, 10_000, `${handle.workflowId} to finish its task`);
  await handle.terminate('test done');
}
