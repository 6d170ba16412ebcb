/**
 * Admin routes for events out: POST /v1/webhooks `{ url, events, secret? }` → 201 with the signing
 * secret (shown only in this answer), GET /v1/webhooks (never secrets), DELETE /v1/webhooks/:id →
 * 204, its undelivered events never tried again. This process sees a change at once, the others
 * within a couple of seconds (events-out/subscribers.ts).
 */
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { auditTarget } from '../../audit/declare';
import type { Db } from '../../db/client';
import { deleteWebhookSubscription, insertWebhookSubscription, listWebhookSubscriptions } from '../../db/queries/webhook-subscriptions';
import { subscribers } from '../../events-out/subscribers';
import { HttpError, parse } from '../../lib/http-error';
import { webhookSubscriptionCreateBody, webhookSubscriptionCreated, webhookSubscriptionIdSchema, webhookSubscriptionList } from '../../schemas/webhook-subscriptions';
import { mount, type ApiRoute } from '../declared-route';
import { jsonBody } from '../json-body';

export const webhookSubscriptionRoutes = {
  create: {
    method: 'post',
    path: '/v1/webhooks',
    summary: 'Subscribe a URL to Cascade events, signed the Standard Webhooks way; the secret is in this answer only',
    key: 'admin',
    body: { schema: webhookSubscriptionCreateBody },
    ok: { 201: { description: 'Subscribed', schema: webhookSubscriptionCreated } },
    errors: [400, 401, 403, 413],
    audit: { action: 'webhook.create', target: () => 'webhook:?' },
  },
  list: {
    method: 'get',
    path: '/v1/webhooks',
    summary: 'Webhook subscriptions, disabled ones with why, never their secrets',
    key: 'admin',
    ok: { 200: { description: 'The subscriptions', schema: webhookSubscriptionList } },
    errors: [401, 403],
  },
  delete: {
    method: 'delete',
    path: '/v1/webhooks/{id}',
    summary: 'Delete a webhook subscription: its undelivered events are not sent',
    key: 'admin',
    params: { id: webhookSubscriptionIdSchema },
    ok: { 204: { description: 'Deleted' } },
    errors: [401, 403, 404],
    audit: { action: 'webhook.delete', target: (req) => `webhook:${String(req.params.id)}` },
  },
} satisfies Record<string, ApiRoute>;

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export function webhookSubscriptionsRouter(db: Db): Router {
  const router = Router();

  mount(router, webhookSubscriptionRoutes.create, jsonBody, async (req, res) => {
    const body = parse(webhookSubscriptionCreateBody, req.body ?? {});
    const made = await insertWebhookSubscription(db, { id: `wh_${randomBytes(8).toString('hex')}`, url: body.url, events: body.events, secret: body.secret ?? newSecret() });
    await subscribers(db).refresh();
    auditTarget(res, `webhook:${made.id}`);
    res.status(201).json({ id: made.id, url: made.url, events: made.events, secret: made.secret, createdAt: made.createdAt });
  });

  mount(router, webhookSubscriptionRoutes.list, async (_req, res) => {
    res.json({ webhooks: await listWebhookSubscriptions(db) });
  });

  mount(router, webhookSubscriptionRoutes.delete, async (req, res) => {
    const id = parse(webhookSubscriptionIdSchema, req.params.id, 'id');
    if (!(await deleteWebhookSubscription(db, id))) throw new HttpError(404, 'not_found', `No webhook subscription ${id}`, 'id');
    await subscribers(db).refresh();
    res.status(204).end();
  });

  return router;
}
