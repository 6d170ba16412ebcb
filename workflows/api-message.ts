/**
 * `apiMessage`: one message asked for over the API. Each channel in order is decided in the ledger
 * until one is not skipped; the `accepted` update answers the API with the rows (so the caller gets
 * ledger ids at once), and the chosen one is then sent with the journeys' retries: an outage delays
 * it, the idempotency key keeps it single, and a send that runs out of retries is recorded failed.
 */
import { ActivityFailure, ApplicationFailure, allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { acceptedUpdate, type AcceptedMessages, type ApiMessageActivities, type ApiMessageInput, type DecidedMessage } from './api-message-contract';
import type { SendRequest } from './contract';
import { dataActivities, sendActivityFor } from './dsl/activities';

const { decideSend } = proxyActivities<ApiMessageActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function apiMessage(input: ApiMessageInput): Promise<string> {
  let accepted: AcceptedMessages | undefined;
  setHandler(acceptedUpdate, async () => {
    await condition(() => accepted !== undefined);
    return accepted!;
  });

  const decided: DecidedMessage[] = [];
  let chosen: SendRequest | undefined;
  for (const request of input.requests) {
    const row = await decideSend(request);
    decided.push(row);
    if (row.status !== 'skipped') {
      chosen = request;
      break;
    }
  }
  accepted = { messages: decided };

  let outcome = chosen ? decided.at(-1)!.status : `skipped: ${decided.map((d) => `${d.channel} ${d.skipReason}`).join(', ')}`;
  if (chosen && outcome === 'pending') {
    try {
      const answer = await sendActivityFor(chosen.channel)(chosen);
      outcome = answer.status === 'skipped' ? `skipped: ${answer.reason}` : answer.status;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const error = err.cause instanceof ApplicationFailure ? err.cause.message : err.message;
      await dataActivities.markSendFailed({ idempotencyKey: chosen.idempotencyKey, error });
      outcome = 'failed';
    }
  }
  await condition(allHandlersFinished);
  return outcome;
}
