/** POST /webhooks/resend: Resend's delivery events, verified and applied by activities/channels/resend/webhook.ts. */
import express, { Router } from 'express';
import { resendEventSchema } from '../../activities/channels/resend/events';
import { resendWebhookAnswer, resendWebhookReceiver, type ResendWebhookDeps } from '../../activities/channels/resend/webhook';
import { mount, type ApiRoute } from '../declared-route';

export const resendWebhookRoutes = {
  receive: {
    method: 'post',
    path: '/webhooks/resend',
    summary: 'Resend delivery events, Svix-signed',
    key: false,
    body: { schema: resendEventSchema },
    ok: { 200: { description: 'Taken (or not about an email)', schema: resendWebhookAnswer } },
    errors: [400, 401, 503],
  },
} satisfies Record<string, ApiRoute>;

export function resendWebhookRouter(deps: ResendWebhookDeps): Router {
  const router = Router();
  const receive = resendWebhookReceiver(deps);
  // Its own raw parser: the signature covers the exact bytes Resend sent.
  mount(router, resendWebhookRoutes.receive, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    res.json(await receive(raw, { id: req.get('svix-id') ?? '', timestamp: req.get('svix-timestamp') ?? '', signature: req.get('svix-signature') ?? '' }));
  });
  return router;
}
