/**
 * What goes out for each change, in one place: the producers (the send, applyReport, the run
 * recorder, unsubscribe) hand over their row and this says which event it is, its stable
 * `webhook-id` and its data. Ids, journey, channel, status and reason only: a receiver (a CRM, a
 * warehouse) keys on the customer's id, which is the product's own, so no body, address or phone
 * leaves this way.
 */
import type { RunState } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { outEventTypes, type OutEvent, type OutEventType } from './types';

export interface MessageFacts {
  id: number;
  customerId: string;
  workflowId: string;
  journey: string;
  step: string;
  channel: Channel;
  template: string;
}

/** The ledger statuses a receiver hears of (`message.<status>`); others (failed, skipped) are not events out. */
export function messageEventType(status: string): OutEventType | undefined {
  const type = `message.${status}`;
  return (outEventTypes as readonly string[]).includes(type) ? (type as OutEventType) : undefined;
}

/** A message reached `status`: once per message and status, however often the provider reports it. */
export function messageEvent(m: MessageFacts, status: string, at: Date): OutEvent[] {
  const type = messageEventType(status);
  if (!type) return [];
  return [{
    type,
    webhookId: `msg_${status}_${m.id}`,
    customerId: m.customerId,
    timestamp: at,
    data: { messageId: m.id, customerId: m.customerId, journey: m.journey, step: m.step, channel: m.channel, template: m.template, workflowId: m.workflowId, status },
  }];
}

/** The customer withdrew a channel (a topic of it, or all: `topic` null) from a link or the preference center. */
export function unsubscribedEvent(w: { customerId: string; channel: Channel; topic: string | null; source: string }, at: Date): OutEvent[] {
  return [{
    type: 'message.unsubscribed',
    webhookId: `unsub_${w.channel}_${w.topic ?? 'all'}_${at.getTime()}_${w.customerId}`,
    customerId: w.customerId,
    timestamp: at,
    data: { customerId: w.customerId, channel: w.channel, topic: w.topic, source: w.source },
  }];
}

export interface RunFacts {
  runId: string;
  workflowId: string;
  journey: string;
  customerId: string;
}

export function runStartedEvent(run: RunFacts & { triggerEventId?: string | null; campaignId?: string | null }, at: Date): OutEvent[] {
  return [{
    type: 'run.started',
    webhookId: `run_started_${run.runId}`,
    customerId: run.customerId,
    timestamp: at,
    data: { runId: run.runId, workflowId: run.workflowId, journey: run.journey, customerId: run.customerId, triggerEventId: run.triggerEventId ?? null, campaignId: run.campaignId ?? null },
  }];
}

/** A run's end, and its conversion when it converted. */
export function runEndedEvents(run: RunFacts & { status: RunState; endReason: string | null; endedAt: Date | null; convertedAt: Date | null; conversionEventId: string | null }): OutEvent[] {
  const ids = { runId: run.runId, workflowId: run.workflowId, journey: run.journey, customerId: run.customerId };
  const at = run.endedAt ?? new Date();
  const ended: OutEvent = { type: 'run.ended', webhookId: `run_ended_${run.runId}`, customerId: run.customerId, timestamp: at, data: { ...ids, status: run.status, reason: run.endReason } };
  if (!run.convertedAt) return [ended];
  const conversion: OutEvent = { type: 'conversion', webhookId: `conversion_${run.runId}`, customerId: run.customerId, timestamp: run.convertedAt, data: { ...ids, conversionEventId: run.conversionEventId } };
  return [conversion, ended];
}
