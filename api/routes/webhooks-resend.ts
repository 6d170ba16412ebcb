/**
 * POST /webhooks/resend: what happened to an email after Resend accepted it. The Svix signature is
 * checked on the raw bytes (standardwebhooks, the library the resend SDK uses; 5-minute tolerance),
 * so nothing unsigned, altered or stale is stored. Svix delivers at least once: the svix-id is the
 * dedupe key. In one transaction the event is stored, the ledger moves forward (never back), hard
 * bounces and complaints are suppressed, and the run that sent the email is signalled; a failure
 * anywhere rolls all of it back and the 5xx makes Resend deliver again.
 */
import type { Client } from '@temporalio/client';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import express, { Router } from 'express';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { normaliseAddress } from '../../contactability/address';
import type { Db } from '../../db/client';
import { messageEvents, messages, suppressions, type MessageStatus } from '../../db/schema';
import { logger } from '../../lib/logger';
import { HttpError, parse } from '../errors';
import { signalMessageEvent } from '../message-signal';

export interface ResendWebhookDeps {
  db: Db;
  client: Client;
  /** `whsec_…` from the Resend dashboard (RESEND_WEBHOOK_SECRET). */
  secret: string | undefined;
}

const STATUS_OF: Record<string, MessageStatus> = {
  'email.delivered': 'delivered',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.failed': 'failed',
  'email.suppressed': 'failed',
};

/** Later beats earlier; a late `delivered` after `opened` changes nothing; bounces and complaints win. */
const ORDER: MessageStatus[] = ['pending', 'sent', 'failed', 'delivered', 'opened', 'clicked', 'bounced', 'complained'];
const below = (status: MessageStatus) => ORDER.slice(0, ORDER.indexOf(status));

const tags = z.union([
  z.record(z.string(), z.unknown()),
  z.array(z.object({ name: z.string(), value: z.unknown() })).transform((list) => Object.fromEntries(list.map((t) => [t.name, t.value]))),
]);

const eventSchema = z.object({
  type: z.string().min(1),
  created_at: z.string().optional(),
  data: z.looseObject({
    email_id: z.string().min(1),
    to: z.array(z.string()).optional(),
    tags: tags.optional(),
    bounce: z.looseObject({ type: z.string().optional(), message: z.string().optional() }).optional(),
    click: z.looseObject({ link: z.string().optional() }).optional(),
    failed: z.looseObject({ reason: z.string().optional() }).optional(),
  }),
});

type ResendEvent = z.infer<typeof eventSchema>;

export function resendWebhookRouter(deps: ResendWebhookDeps): Router {
  const router = Router();
  const verifier = deps.secret ? new Webhook(deps.secret) : undefined;

  // Its own raw parser: the signature covers the exact bytes Resend sent.
  router.post('/webhooks/resend', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
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
      throw new HttpError(401, 'invalid_signature', 'Missing, invalid or stale Svix signature');
    }
    const event = parse(eventSchema, payload);

    const row = await findMessage(deps.db, event);
    if (!row) {
      // Not ours (another app on the same Resend account) or long gone: nothing to retry for.
      logger.warn({ type: event.type, emailId: event.data.email_id }, 'Resend webhook for an unknown message');
      res.json({ received: true, matched: false });
      return;
    }
    const stored = await record(deps, row, event, svixId);
    res.json({ received: true, matched: true, duplicate: !stored });
  });

  return router;
}

type MessageRow = typeof messages.$inferSelect;

async function findMessage(db: Db, event: ResendEvent): Promise<MessageRow | undefined> {
  const tagged = Number(event.data.tags?.message_id);
  if (Number.isSafeInteger(tagged) && tagged > 0) {
    const [row] = await db.select().from(messages).where(eq(messages.id, tagged));
    // The tag is only believed if the row has no provider id yet or the same one.
    if (row && row.channel === 'email' && (!row.providerMessageId || row.providerMessageId === event.data.email_id)) return row;
  }
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.provider, 'resend'), eq(messages.providerMessageId, event.data.email_id)));
  return row;
}

/** Returns false when this svix-id was already handled. */
async function record(deps: ResendWebhookDeps, row: MessageRow, event: ResendEvent, svixId: string): Promise<boolean> {
  const status = STATUS_OF[event.type];
  const occurredAt = parseDate(event.created_at) ?? new Date();
  const eventId = `resend:${svixId}`;
  return deps.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(messageEvents)
      .values({ messageId: row.id, type: event.type, providerEventId: eventId, payload: event, occurredAt })
      .onConflictDoNothing()
      .returning({ id: messageEvents.id });
    if (!inserted) return false;
    if (!row.providerMessageId) {
      // The webhook beat the send's own ledger update (or its reply was lost and a retry is pending).
      await tx
        .update(messages)
        .set({ providerMessageId: event.data.email_id })
        .where(and(eq(messages.id, row.id), isNull(messages.providerMessageId)));
    }
    if (!status) return true; // email.sent, delivery_delayed…: kept for the timeline, nothing changes

    await tx
      .update(messages)
      .set({ status, updatedAt: new Date(), ...(status === 'failed' ? { error: failureReason(event) } : {}) })
      .where(and(eq(messages.id, row.id), inArray(messages.status, below(status))));

    const address = row.recipient ?? event.data.to?.[0];
    const reason = status === 'complained' ? 'complaint' : status === 'bounced' && event.data.bounce?.type === 'Permanent' ? 'hard_bounce' : null;
    if (reason && address) {
      await tx.insert(suppressions).values({ channel: 'email', address: normaliseAddress('email', address), reason }).onConflictDoNothing();
    }

    await signalMessageEvent(deps.client, row, {
      id: eventId,
      status,
      at: occurredAt,
      ...(event.data.click?.link ? { extra: { link: event.data.click.link } } : {}),
    });
    return true;
  });
}

function failureReason(event: ResendEvent): string {
  return `Resend ${event.type}: ${event.data.failed?.reason ?? 'no reason given'}`;
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
