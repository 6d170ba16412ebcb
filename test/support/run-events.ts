/**
 * The events a journey run took in, in the order its history holds them: `event` signals, and the
 * events stored before the run existed, which come back from its `beginRun` activity (in runs from
 * before it, `recordRunStart`): an order routed while its cart run was starting. A run drops an id it has seen, so each id counts
 * at its first appearance.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { eventSignal, type JourneyEvent } from '../../workflows/contract';

export async function eventsSeenBy(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const activityTypes = new Map<string, string>();
  const seen: string[] = [];
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) activityTypes.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === eventSignal.name) seen.push(defaultPayloadConverter.fromPayload<JourneyEvent>(signal.input!.payloads![0]!).id);
    const completed = e.activityTaskCompletedEventAttributes;
    const type = completed ? activityTypes.get(String(completed.scheduledEventId)) : undefined;
    if (type === 'recordRunStart' || type === 'beginRun') {
      const result = defaultPayloadConverter.fromPayload<JourneyEvent[] | { stored: JourneyEvent[] } | undefined>(completed!.result!.payloads![0]!);
      const stored = Array.isArray(result) ? result : (result?.stored ?? []);
      seen.push(...stored.map((s) => s.id));
    }
  }
  return [...new Set(seen)];
}
