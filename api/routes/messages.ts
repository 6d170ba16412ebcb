/**
 * POST /v1/messages: one message outside any journey (a password reset, a receipt, a one-off
 * offer), through the same ledger, consent, suppression, caps, providers and reports as a
 * journey's step, counted in analytics under the journey `api`.
 */
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { acceptMessage } from '../../direct-messages/accept';
import { customers } from '../../db/schema';
import { HttpError, parse } from '../../lib/http-error';
import type { LifecycleDeps } from '../../lifecycle/deps';
import { messageAnswer, messageBody } from '../../schemas/messages';
import { readCatalogue } from '../../template-preview/catalogue';
import { mount, type ApiRoute } from '../declared-route';
import { jsonBody } from '../json-body';

export const messageRoutes = {
  send: {
    method: 'post',
    path: '/v1/messages',
    summary: 'Send one message: the first of its channels the customer can get; 202 with the ledger rows, decided before any provider is called',
    key: 'ingest',
    body: { schema: messageBody },
    ok: { 202: { description: 'Accepted (or, for a repeated idempotencyKey, the same rows as before)', schema: messageAnswer } },
    errors: [400, 401, 403, 404, 409, 413],
  },
} satisfies Record<string, ApiRoute>;

export function messagesRouter(deps: Pick<LifecycleDeps, 'db' | 'client' | 'taskQueue' | 'searchAttributes'>): Router {
  const router = Router();
  mount(router, messageRoutes.send, jsonBody, async (req, res) => {
    const body = parse(messageBody, req.body ?? {});
    const wanted = body.channels ?? [body.channel!];
    const template = (await readCatalogue()).find((t) => t.name === body.template);
    if (!template) throw new HttpError(400, 'invalid_request', `template: no template ${body.template}`, 'template');
    const missing = wanted.filter((c) => !template.channels.includes(c));
    if (missing.length) {
      const field = body.channels ? 'channels' : 'channel';
      throw new HttpError(400, 'invalid_request', `${field}: template ${body.template} has no ${missing.join(', ')} version (it has ${template.channels.join(', ')})`, field);
    }
    const [customer] = await deps.db.select({ id: customers.id }).from(customers).where(eq(customers.id, body.customerId));
    if (!customer) throw new HttpError(404, 'not_found', `Customer ${body.customerId} does not exist`, 'customerId');
    const acceptance = await acceptMessage(deps, body);
    if (!acceptance.ok) throw new HttpError(409, 'conflict', acceptance.conflict, 'idempotencyKey');
    const rows = acceptance.accepted.messages;
    res.status(202).json({
      idempotencyKey: body.idempotencyKey,
      ids: rows.map((m) => m.id),
      messages: rows.map(({ id, channel, status, skipReason }) => ({ id, channel, status, skipReason })),
    });
  });
  return router;
}
