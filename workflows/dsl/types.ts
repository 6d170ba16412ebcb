/**
 * The small, versioned payloads that cross the workflow boundary: inputs, signals, activity requests
 * and results. Bulky data (templates, full profiles, order history) stays in Postgres.
 */
export type Channel = 'email' | 'sms' | 'push' | 'webhook';

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
