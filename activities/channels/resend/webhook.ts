/**
 * A Resend webhook (POST /webhooks/resend, api/routes/webhooks-resend.ts): what happened to an email after Resend accepted it. The Svix signature is
 * checked on the raw bytes (standardwebhooks, the library the resend SDK uses; 5-minute tolerance),
 * so nothing unsigned, altered or stale is stored. The verified event goes to reports/apply-report.ts, which
 * records it once per svix-id; a 5xx (the database down) makes Resend deliver again. Events that
 * are not about an email (no `data.email_id`) are answered 200 and ignored: a 4xx would only make
 * Resend retry them for a day.
 */
import type { Client } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { HttpError, parse } from '../../../lib/http-error';
import { logger } from '../../../lib/logger';
import { webhookVerifications } from '../../../metrics/registry';
import { applyReport } from '../../../reports/apply-report';
import { resendEventSchema, resendReport } from './events';

export interface ResendWebhookDeps {
  db: Db;
  client: Client;
  /** `whsec_…` from the Resend dashboard (RESEND_WEBHOOK_SECRET). */
  secret: string | undefined;
}

export const resendWebhookAnswer = z.object({ received: z.literal(true), matched: z.boolean(), duplicate: z.boolean().optional() });

/** The Svix headers Resend signs with. */
export interface SvixHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

/** Verifies and applies one webhook, given the exact bytes Resend sent (the signature covers them). */
export function resendWebhookReceiver(deps: ResendWebhookDeps): (raw: Buffer, headers: SvixHeaders) => Promise<z.infer<typeof resendWebhookAnswer>> {
  const verifier = deps.secret ? new Webhook(deps.secret) : undefined;
  return async (raw, headers) => {
    if (!verifier) throw new HttpError(503, 'not_configured', 'RESEND_WEBHOOK_SECRET is not set; Resend webhooks cannot be verified');
    let payload: unknown;
    try {
      payload = verifier.verify(raw, { 'webhook-id': headers.id, 'webhook-timestamp': headers.timestamp, 'webhook-signature': headers.signature });
    } catch (err) {
      logger.warn({ reason: (err as Error).message }, 'rejected a Resend webhook with a bad signature');
      webhookVerifications.inc({ provider: 'resend', outcome: 'failed' });
      throw new HttpError(401, 'invalid_signature', 'Missing, invalid or stale Svix signature');
    }
    webhookVerifications.inc({ provider: 'resend', outcome: 'ok' });
    const event = parse(resendEventSchema, payload);
    const report = resendReport(event, headers.id);
    if (!report) {
      logger.info({ type: event.type }, 'Resend webhook not about an email; ignored');
      return { received: true, matched: false };
    }
    const outcome = await applyReport(deps, report);
    if (outcome === 'unknown_message') {
      // Not ours (another app on the same Resend account) or long gone: nothing to retry for.
      logger.warn({ type: event.type, emailId: event.data.email_id }, 'Resend webhook for an unknown message');
      return { received: true, matched: false };
    }
    return { received: true, matched: true, duplicate: outcome === 'duplicate' };
  };
}
