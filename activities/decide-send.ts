/** `decideSend`, the `apiMessage` workflow's first step: the send's ledger decision alone (activities/send.ts). */
import type { ApiMessageActivities, DecidedMessage } from '../workflows/api-message-contract';
import type { SendRequest } from '../workflows/contract';
import { createDecide, type SendDeps } from './send';

export function createDecideSend(deps: SendDeps): ApiMessageActivities['decideSend'] {
  const decide = createDecide(deps);
  return async (req: SendRequest): Promise<DecidedMessage> => {
    const { row } = await decide(req, new Date(req.requestedAt!));
    return { id: row.id, channel: row.channel, status: row.status, skipReason: row.skipReason, customerId: row.customerId, template: row.template };
  };
}
