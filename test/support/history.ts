/** Reading a run's history the way the tests need: which activities it called, local ones included. */
import { defaultPayloadConverter } from '@temporalio/common';
import type proto from '@temporalio/proto';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** What a local activity's marker says it ran (the SDK core writes the type into the marker's `data`). */
export function localActivityType(e: HistoryEvent): string | undefined {
  const attrs = e.markerRecordedEventAttributes;
  const data = attrs?.markerName === 'core_local_activity' ? attrs.details?.data?.payloads?.[0] : undefined;
  return data ? defaultPayloadConverter.fromPayload<{ activity_type?: string }>(data).activity_type : undefined;
}

/** The activity types a history called, in order: scheduled activities and local activities alike. */
export function activityCalls(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? localActivityType(e);
    return name ? [name] : [];
  });
}
