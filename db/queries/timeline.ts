/**
 * A customer's history from every table that records it: events (and what routing did with them),
 * runs (started; ended with status and reason), messages (with skip reason or error) and the
 * provider reports on them. Each source gives its newest `limit` rows; the caller merges.
 */
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { events, journeyRuns, messageEvents, messages } from '../schema';

export async function timelineRows(db: Db, customerId: string, limit: number) {
  const [eventRows, runRows, messageRows, reportRows] = await Promise.all([
    db
      .select({
        id: events.id,
        type: events.type,
        properties: events.properties,
        occurredAt: events.occurredAt,
        receivedAt: events.receivedAt,
        routedAt: events.routedAt,
        routedTo: events.routedTo,
        routingAttempts: events.routingAttempts,
        routingError: events.routingError,
        deadLetteredAt: events.deadLetteredAt,
      })
      .from(events)
      .where(eq(events.customerId, customerId))
      .orderBy(desc(events.receivedAt), desc(events.id))
      .limit(limit),
    db
      .select({
        runId: journeyRuns.runId,
        workflowId: journeyRuns.workflowId,
        journey: journeyRuns.journey,
        status: journeyRuns.status,
        startedAt: journeyRuns.startedAt,
        endedAt: journeyRuns.endedAt,
        endReason: journeyRuns.endReason,
        triggerEventId: journeyRuns.triggerEventId,
        convertedAt: journeyRuns.convertedAt,
      })
      .from(journeyRuns)
      .where(eq(journeyRuns.customerId, customerId))
      .orderBy(desc(journeyRuns.startedAt))
      .limit(limit),
    db
      .select({
        id: messages.id,
        workflowId: messages.workflowId,
        journey: messages.journey,
        step: messages.step,
        channel: messages.channel,
        provider: messages.provider,
        template: messages.template,
        status: messages.status,
        skipReason: messages.skipReason,
        error: messages.error,
        requestedAt: messages.requestedAt,
        updatedAt: messages.updatedAt,
      })
      .from(messages)
      .where(eq(messages.customerId, customerId))
      .orderBy(desc(messages.requestedAt), desc(messages.id))
      .limit(limit),
    db
      .select({
        id: messageEvents.id,
        messageId: messageEvents.messageId,
        type: messageEvents.type,
        payload: messageEvents.payload,
        occurredAt: messageEvents.occurredAt,
        channel: messages.channel,
        provider: messages.provider,
        template: messages.template,
      })
      .from(messageEvents)
      .innerJoin(messages, eq(messages.id, messageEvents.messageId))
      .where(eq(messages.customerId, customerId))
      .orderBy(desc(messageEvents.occurredAt), desc(messageEvents.id))
      .limit(limit),
  ]);
  return { eventRows, runRows, messageRows, reportRows };
}
