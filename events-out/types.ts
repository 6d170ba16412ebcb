/** What other systems may subscribe to, and the shape of one event as it leaves Cascade. */

export const outEventTypes = [
  'message.sent',
  'message.delivered',
  'message.opened',
  'message.clicked',
  'message.bounced',
  'message.complained',
  'message.unsubscribed',
  'run.started',
  'run.ended',
  'conversion',
] as const;
export type OutEventType = (typeof outEventTypes)[number];

/**
 * One event for the outbox. `webhookId` is derived from what the event is (the message and its
 * status, the run), never drawn at random: written twice (an activity retried) it is one row, and
 * every retry of its delivery carries the same `webhook-id`.
 */
export interface OutEvent {
  type: OutEventType;
  webhookId: string;
  /** Orders the event among the customer's; null for an event of no customer. */
  customerId: string | null;
  timestamp: Date;
  /** Ids, journey, channel, status, reason: never a message's body, address or phone. */
  data: Record<string, unknown>;
}

/** The JSON body a receiver gets. */
export interface OutPayload {
  type: OutEventType;
  timestamp: string;
  data: Record<string, unknown>;
}
