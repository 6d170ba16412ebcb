/**
 * A message asked for over `POST /v1/messages`: its `apiMessage` workflow is started (or found, for
 * a repeat of the idempotency key) and asked, in the same call, for its ledger rows. The rows are
 * written by the workflow's own activity before any provider is called, so a crash of the API after
 * this call loses nothing: the workflow sends regardless, and a repeat gets the same rows.
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { LifecycleDeps } from '../lifecycle/deps';
import { temporalCalls } from '../metrics/registry';
import type { MessageBody } from '../schemas/messages';
import { acceptedUpdate, API_JOURNEY, apiMessageLedgerKey, apiMessageWorkflowId, type AcceptedMessages, type ApiMessageInput } from '../workflows/api-message-contract';
import { CustomerIdAttribute, JourneyAttribute, type SendRequest } from '../workflows/contract';
import type { apiMessage } from '../workflows/api-message';

export type Acceptance = { ok: true; accepted: AcceptedMessages } | { ok: false; conflict: string };

export function requestsOf(body: MessageBody, requestedAt: Date): SendRequest[] {
  const workflowId = apiMessageWorkflowId(body.idempotencyKey);
  const transactional = body.category === 'transactional';
  return (body.channels ?? [body.channel!]).map((channel) => ({
    idempotencyKey: apiMessageLedgerKey(body.idempotencyKey, channel),
    customerId: body.customerId,
    workflowId,
    runId: workflowId,
    journey: API_JOURNEY,
    step: body.template,
    channel,
    template: body.template,
    data: body.data,
    transactional,
    ...(!transactional && body.topic ? { topic: body.topic } : {}),
    requestedAt: requestedAt.toISOString(),
  }));
}

export async function acceptMessage(deps: Pick<LifecycleDeps, 'client' | 'taskQueue' | 'searchAttributes'>, body: MessageBody): Promise<Acceptance> {
  const input: ApiMessageInput = { v: 1, requests: requestsOf(body, new Date()) };
  temporalCalls.inc({ call: 'updateWithStart' });
  const accepted = await deps.client.workflow.executeUpdateWithStart(acceptedUpdate, {
    startWorkflowOperation: new WithStartWorkflowOperation<typeof apiMessage>('apiMessage', {
      workflowId: apiMessageWorkflowId(body.idempotencyKey),
      taskQueue: deps.taskQueue,
      args: [input],
      // A repeat while the message is on its way joins it; after, a new run finds the rows decided and sends nothing.
      workflowIdConflictPolicy: 'USE_EXISTING',
      ...(deps.searchAttributes === false
        ? {}
        : { typedSearchAttributes: [{ key: CustomerIdAttribute, value: body.customerId }, { key: JourneyAttribute, value: API_JOURNEY }] }),
    }),
  });
  // The key was used before for another message: its rows say so.
  const other = accepted.messages.find((m) => m.customerId !== body.customerId || m.template !== body.template);
  if (other) return { ok: false, conflict: `idempotencyKey: already used for message ${other.id} (template ${other.template}, another customer or template)` };
  return { ok: true, accepted };
}
