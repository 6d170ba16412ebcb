/**
 * POST /webhooks/resend: what happened to an email after Resend accepted it. The Svix signature is
 * checked on the raw bytes (standardwebhooks, the library the resend SDK uses; 5-minute tolerance),
 * so nothing unsigned, altered or stale is stored. The verified event goes to reports/, which
 * records it once per svix-id; a 5xx (the database down) makes Resend deliver again. Events that
 * are not about an email (no `data.email_id`) are answered 200 and ignored: a 4xx would only make
 * Resend retry them for a day.
 */
import type { Client } from '@temporalio/client';
import express, { Router } from 'express';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { logger } from '../../lib/logger';
import { webhookVerifications } from '../../metrics/registry';
import { applyReport } from '../../reports/apply-report';
import { resendEventSchema, resendReport } from '../../reports/resend-events';
import { HttpError, parse } from '../../lib/http-error';
import { mount, type ApiRoute } from '../declared-route';

export interface ResendWebhookDeps {
  db: Db;
  client: Client;
  /** `whsec_…` from the Resend dashboard (RESEND_WEBHOOK_SECRET). */
  secret: string | undefined;
}

const received = z.object({ received: z.literal(true), matched: z.boolean(), duplicate: z.boolean().optional() });

export const resendWebhookRoutes = {
  receive: {
    method: 'post',
    path: '/webhooks/resend',
    summary: 'Resend delivery events, Svix-signed',
    key: false,
    body: { schema: resendEventSchema },
    ok: { 200: { description: 'Taken (or not about an email)', schema: received } },
    errors: [400, 401, 503],
  },
} satisfies Record<string, ApiRoute>;

export function resendWebhookRouter(deps: ResendWebhookDeps): Router {
  const router = Router();
  const verifier = deps.secret ? new Webhook(deps.secret) : undefined;

  // Its own raw parser: the signature covers the exact bytes Resend sent.
  mount(router, resendWebhookRoutes.receive, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    if (!verifier) throw new HttpError(503, 'not_configured', 'RESEND_WEBHOOK_SECRET is not set; Resend webhooks cannot be verified');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const svixId = req.get('svix-id') ?? '';
    let payload: unknown;
    try {
      payload = verifier.verify(raw, {
        'webhook-id': svixId,
        'webhook-timestamp': req.get('svix-timestamp') ?? '',
        'webhook-signature': req.get('svix-signature') ?? '',
      });
    } catch (err) {
      logger.warn({ reason: (err as Error).message }, 'rejected a Resend webhook with a bad signature');
      webhookVerifications.inc({ provider: 'resend', outcome: 'failed' });
      throw new HttpError(401, 'invalid_signature', 'Missing, invalid or stale Svix signature');
    }
    webhookVerifications.inc({ provider: 'resend', outcome: 'ok' });
    const event = parse(resendEventSchema, payload);
    const report = resendReport(event, svixId);
    if (!report) {
      logger.info({ type: event.type }, 'Resend webhook not about an email; ignored');
      res.json({ received: true, matched: false });
      return;
    }
    const outcome = await applyReport(deps, report);
    if (outcome === 'unknown_message') {
      // Not ours (another app on the same Resend account) or long gone: nothing to retry for.
      logger.warn({ type: event.type, emailId: event.data.email_id }, 'Resend webhook for an unknown message');
      res.json({ received: true, matched: false });
      return;
    }
    res.json({ received: true, matched: true, duplicate: outcome === 'duplicate' });
  });

  return router;
}
