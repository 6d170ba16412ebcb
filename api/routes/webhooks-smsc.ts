/** POST /webhooks/smsc: SMSC's delivery callbacks, verified and applied by activities/channels/smsc/callback.ts. SMSC wants a fast 200. */
import type { Client } from '@temporalio/client';
import express, { Router } from 'express';
import { smscCallback, smscCallbackReceiver } from '../../activities/channels/smsc/callback';
import type { Db } from '../../db/client';
import { mount, type ApiRoute } from '../declared-route';

export const smscWebhookRoutes = {
  receive: {
    method: 'post',
    path: '/webhooks/smsc',
    summary: 'SMSC delivery callbacks, md5-signed with SMSC_CALLBACK_SECRET',
    key: false,
    body: { schema: smscCallback, type: 'application/x-www-form-urlencoded' },
    ok: { 200: { description: 'OK', type: 'text/plain' } },
    errors: [400, 401],
  },
} satisfies Record<string, ApiRoute>;

export function smscWebhookRouter(deps: { db: Db; client: Client; secret: string | undefined }): Router {
  const router = Router();
  const receive = smscCallbackReceiver(deps);
  mount(router, smscWebhookRoutes.receive, express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    await receive((req.body ?? {}) as Record<string, unknown>);
    res.status(200).type('text/plain').send('OK');
  });
  return router;
}
