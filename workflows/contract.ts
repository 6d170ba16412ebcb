/**
 * The contract between journeys and everything outside the workflow sandbox: the channel names,
 * the small versioned payloads that cross the boundary (inputs, signals, activity requests and
 * results), the signal and query, workflow ids and search attributes. A leaf: it imports only
 * Temporal's own definitions, so the API, the router, the database schema and the workflows can
 * all depend on it without depending on each other.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const channels = ['email', 'sms', 'push', 'webhook', 'telegram'] as const;
export type Channel = (typeof channels)[number];

export interface JourneyEvent {
  /** Payload version: 1 is this shape, with properties slimmed by `slimEvent`. */
  v?: 1;
  /** The caller's event id; a run drops a second event with the same id. */
  id: string;
  type: string;
  properties: Record<string, unknown>;
  occurredAt: string;
}

/** Limits on what an event carries into a run: its history keeps every signal for months. */
export const EVENT_LIMITS = { properties: 32, stringLength: 256 } as const;

/**
 * The slim form of an event a run receives: scalar properties only (what journeys branch on and
 * templates print), strings cut to a length, a bounded count. Bulky data stays in Postgres.
 */
export function slimEvent(e: { id: string; type: string; properties: Record<string, unknown>; occurredAt: string | Date }): JourneyEvent {
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(e.properties)) {
    if (Object.keys(properties).length >= EVENT_LIMITS.properties) break;
    if (typeof value === 'string') properties[name] = value.slice(0, EVENT_LIMITS.stringLength);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) properties[name] = value;
  }
  const occurredAt = typeof e.occurredAt === 'string' ? e.occurredAt : e.occurredAt.toISOString();
  return { v: 1, id: e.id, type: e.type, properties, occurredAt };
}

export interface JourneyInput {
  v: 1;
  customerId: string;
  /** The trigger's key value (cart id, order id) for journeys that run once per key. */
  key?: string;
  trigger?: JourneyEvent;
  /** Kept out by a campaign's holdout: the run is recorded and sends nothing (workflows/bucket.ts). */
  holdout?: boolean;
  /**
   * The profile the router admitted the run on, having asked the journey's `enterIf` already
   * (lifecycle/admission.ts): the run starts from it instead of loading it and asking again.
   */
  admittedWith?: Profile;
  /** Carried across continue-as-new. */
  carried?: CarriedState;
}

/** A run's state across continue-as-new; the fields after `pending` came with body memos (all optional for older runs). */
export interface CarriedState {
  epoch: number;
  seenEventIds: string[];
  pending: JourneyEvent[];
  /** Where the run was: in its body, or waiting out the goal window after it. */
  phase?: 'body' | 'goal';
  bodyStartedAt?: number;
  lastSentAt?: number;
  conversion?: JourneyEvent;
  /** What the body returned, for a run continued in its goal window. */
  outcome?: string;
  sent?: RunStatus['sent'];
  /** The body's calls so far (workflows/dsl/memo.ts). */
  memo?: Array<[string, unknown]>;
  /** The profile the body started with, so running it again from the top takes the same branches. */
  customer?: Profile;
  /** The experiments' variants already recorded on the run ({ experiment: variant }). */
  variants?: Record<string, string>;
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
  /** The journey's marketing topic (consent is per channel and topic); absent for transactional sends. */
  topic?: string;
  /** The run's experiment variants so far ({ experiment: variant }), kept on the message. */
  variants?: Record<string, string>;
  /**
   * Some of `variants` are not on the run's row yet (`j.variant` leaves them to the run's next
   * write): the ledger row's insert merges them into it, in the same statement.
   */
  recordVariants?: true;
  /**
   * When the journey asked, in workflow time (ISO). A local activity's own schedule time is the
   * worker's clock, which is not the workflow's under a time-skipping test server.
   */
  requestedAt?: string;
}

export type SkipReason =
  | 'no_consent'
  | 'suppressed'
  | 'frequency_cap'
  | 'invalid_contact'
  | 'no_address'
  | 'quiet_hours'
  /** Marketing email to an address that opened and clicked nothing for CASCADE_SUNSET_DAYS (contactability/sunset.ts). */
  | 'sunset'
  /** An SMS longer than the template's or the global maximum of billed parts. */
  | 'too_many_segments';

export type SendResult =
  | { status: 'sent'; channel: Channel; messageId: number; step: string }
  | { status: 'skipped'; channel: Channel; reason: SkipReason; step: string }
  /** The provider refused the message for good (bad address, forbidden content): see the ledger. */
  | { status: 'failed'; channel: Channel; error: string; step: string };

/**
 * What the send activity answers: a result, or `held` while an operator has paused the journey
 * (nothing decided, nothing sent: the run asks again until it is resumed, workflows/dsl/primitives/send.ts).
 */
export type SendAnswer = SendResult | { status: 'held'; channel: Channel; step: string };

/** The customer as a journey sees it: enough to branch on, loaded by an activity. */
export interface Profile {
  id: string;
  name: string | null;
  city: string | null;
  timeZone: string;
  birthday: string | null;
  attributes: Record<string, unknown>;
  /** Channels a marketing message of the journey's topic would reach now: consent, an address or token, not suppressed (contactability/eligibility.ts). */
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
  /** With `listens`: stored events of these types since this instant come back to the new run. */
  triggerOccurredAt?: string;
  listens?: string[];
  /** A keyed run's key: stored events naming it count from a moment before the trigger too. */
  key?: { property: string; value: string };
  /** The campaign that enrolled the customer (a `campaign` trigger). */
  campaignId?: string;
  /** Kept out by the journey's or campaign's holdout: recorded, sends nothing. */
  holdout?: boolean;
  /** When the run started (ISO, Temporal's clock, as its sends' `requestedAt` are). */
  startedAt?: string;
}

export interface RunEnd {
  workflowId: string;
  /** refused: `enterIf` turned the customer away; such a run does not use up `reentry: 'once'`. */
  status: 'completed' | 'exited' | 'failed' | 'refused';
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

/**
 * The activities a journey calls, as the worker must provide them (activities/index.ts implements
 * this interface, so the two cannot drift apart).
 */
export interface JourneyActivities {
  send(req: SendRequest): Promise<SendAnswer>;
  /** `topic`: the journey's, which decides the consent `reachable` is judged by (none: the channel's `*`). */
  loadProfile(customerId: string, topic?: string): Promise<Profile>;
  /** Records the run and returns the events it listens to that were stored before it started. */
  recordRunStart(run: RunRecord): Promise<JourneyEvent[]>;
  /** loadProfile and recordRunStart in one call: a run's start as one activity task. */
  beginRun(run: RunRecord, topic?: string): Promise<{ profile: Profile; stored: JourneyEvent[] }>;
  recordRunEnd(end: RunEnd): Promise<void>;
  /** Records the variant `j.variant` chose on the run's row (merged into journey_runs.variants). */
  recordRunVariant(req: { workflowId: string; runId: string; experiment: string; variant: string }): Promise<void>;
  /** A send whose retries ran out: pending becomes failed in the ledger. */
  markSendFailed(req: { idempotencyKey: string; error: string }): Promise<void>;
  /** Did the customer open or click a message on this channel at or after `since` (ISO)? */
  openedSince(req: { customerId: string; channel: Channel; since: string }): Promise<boolean>;
}

/** A step of a journey as its code runs it, found by a dry run through every branch (journey-map/). */
export interface JourneyStep {
  id: string;
  kind: 'send' | 'wait' | 'sleep' | 'branch' | 'variant';
  channel?: Channel;
  /** sendFirstAvailable: the channels in the order tried (`channel` is the first). */
  channels?: Channel[];
  template?: string;
  /** What a sleep or wait is for: "3 hours", "10:00", "order.placed within 2 days". */
  label?: string;
  /** The successors, each once, in the order of the outcomes that lead to them. */
  next: string[];
  /** A decision's outcomes (wait: event, timeout; branch: yes, no; variant: each variant) and where each goes (null: the run ends). */
  outcomes?: Array<{ label: string; next: string | null }>;
}

export interface JourneyGraph {
  /** The first step (none for a journey that does nothing but end). */
  start: string | null;
  steps: JourneyStep[];
}

export const eventSignal = defineSignal<[JourneyEvent]>('event');
export const statusQuery = defineQuery<RunStatus>('status');
/** An operator takes the customer out of the run (POST /v1/customers/:id/journeys/:journey/exit): it ends `exited: operator: <reason>`. */
export const exitSignal = defineSignal<[{ reason: string }]>('exit');

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
