/**
 * What the `apiMessage` workflow shares with the API and its activities: one message asked for over
 * `POST /v1/messages`, sent by the same ledger, consent and provider path as a journey's step. A
 * leaf like contract.ts.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { Channel, SendRequest } from './contract';

/** Messages sent through the API are counted in analytics under this journey name. */
export const API_JOURNEY = 'api';

export interface ApiMessageInput {
  v: 1;
  /** One request per channel, in the order tried: the first the customer can get is sent. */
  requests: SendRequest[];
}

/** A ledger row as the send's decision left it: `pending` is on its way to the provider. */
export interface DecidedMessage {
  id: number;
  channel: Channel;
  status: string;
  skipReason: string | null;
  customerId: string;
  template: string;
}

export interface AcceptedMessages {
  messages: DecidedMessage[];
}

/** Answered once every channel the message tries is decided in the ledger (before the provider is called). */
export const acceptedUpdate = defineUpdate<AcceptedMessages>('accepted');

export interface ApiMessageActivities {
  /** The send's first half: the ledger row by idempotency key (consent, suppression, cap, render), no provider call. */
  decideSend(req: SendRequest): Promise<DecidedMessage>;
}

/** The workflow of the message with this idempotency key, and the ledger key of its send on one channel. */
export const apiMessageWorkflowId = (idempotencyKey: string) => `${API_JOURNEY}/${idempotencyKey}`;
export const apiMessageLedgerKey = (idempotencyKey: string, channel: Channel) => `${apiMessageWorkflowId(idempotencyKey)}/${channel}`;
