/**
 * The contract between journeys and everything outside the workflow sandbox: the channel names,
 * the small versioned payloads that cross the boundary (inputs, signals, activity requests and
 * results), the signal and query, workflow ids and search attributes. A leaf: it imports only
 * Temporal's own definitions, so the API, the router, the database schema and the workflows can
 * all depend on it without depending on each other.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const channels = ['email', 'sms', 'push', 'webhook'] as const;
export type Channel = (typeof channels)[number];

export interface JourneyEvent {
  /** The caller's event id; a run drops a second event with the same id. */
  id: string;
  type: string;
  properties: Record<string, unknown>;
  occurredAt: string;
}

export interface JourneyInput {
  v: 1;
  customerId: string;
  /** The trigger's key value (cart id, order id) for journeys that run once per key. */
  key?: string;
  trigger?: JourneyEvent;
  /** Carried across continue-as-new. */
  carried?: CarriedState;
}

export interface CarriedState {
  epoch: number;
  seenEventIds: string[];
  pending: JourneyEvent[];
}

/** What the send activity is asked to do. */
export interface SendRequest {
  idempotencyKey: string;
  customerId: string;
  workflowId: string;
  runId: string;
  journey: string;
  step: string;
  channel: Channel;
  template: string;
  data: Record<string, unknown>;
  transactional: boolean;
}

export type SkipReason =
  | 'no_consent'
  | 'suppressed'
  | 'frequency_cap'
  | 'invalid_contact'
  | 'no_address'
  | 'quiet_hours';

export type SendResult =
  | { status: 'sent'; channel: Channel; messageId: number; step: string }
  | { status: 'skipped'; channel: Channel; reason: SkipReason; step: string }
  /** The provider refused the message for good (bad address, forbidden content): see the ledger. */
  | { status: 'failed'; channel: Channel; error: string; step: string };

/** The customer as a journey sees it: enough to branch on, loaded by an activity. */
export interface Profile {
  id: string;
  name: string | null;
  city: string | null;
  timeZone: string;
  birthday: string | null;
  attributes: Record<string, unknown>;
  /** Channels the customer can be reached on right now: consent given and an address or token known. */
  reachable: Channel[];
  orderCount: number;
  lastOrderAt: string | null;
}

export interface RunRecord {
  runId: string;
  workflowId: string;
  journey: string;
  customerId: string;
  triggerEventId?: string;
}

export interface RunEnd {
  workflowId: string;
  status: 'completed' | 'exited' | 'failed';
  reason: string;
  /** The goal event, when it came within the window after a message. */
  conversion?: { eventId: string; at: string };
}

/** What the `status` query answers for ops: where a run is and why it waits. */
export interface RunStatus {
  journey: string;
  customerId: string;
  key?: string;
  step: string;
  waiting: { for: 'time' | 'event' | 'nothing'; event?: string; until?: string };
  sent: Array<{ step: string; channel: Channel; status: SendResult['status']; reason?: string }>;
  converted: boolean;
  ended?: string;
}

export const eventSignal = defineSignal<[JourneyEvent]>('event');
export const statusQuery = defineQuery<RunStatus>('status');

/** Workflow ids: one run per (journey, customer[, key]). */
export function journeyWorkflowId(journeyId: string, customerId: string, key?: string): string {
  return key === undefined ? `${journeyId}/${customerId}` : `${journeyId}/${customerId}/${key}`;
}

/** `abandoned-cart` → `abandonedCart`: the workflow type, which is also the journey's export name. */
export function workflowTypeOf(journeyId: string): string {
  return journeyId.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Search attributes ops filter runs by in the Temporal UI: `CascadeCustomerId = "c-42"`. */
export const CustomerIdAttribute = defineSearchAttributeKey('CascadeCustomerId', SearchAttributeType.KEYWORD);
export const JourneyAttribute = defineSearchAttributeKey('CascadeJourney', SearchAttributeType.KEYWORD);
export const StepAttribute = defineSearchAttributeKey('CascadeStep', SearchAttributeType.KEYWORD);

export const searchAttributes = [CustomerIdAttribute, JourneyAttribute, StepAttribute];
