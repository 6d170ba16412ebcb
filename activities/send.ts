/**
 * The one send activity. In order: ledger by idempotency key (already decided: same answer) →
 * consent → suppression → sunset → frequency cap (read together in one statement) → render → provider →
 * ledger update. The decision and the rendered message are committed before the provider is
 * called, so a retry after a crash calls the provider again with the same key and the same content,
 * and the provider's own idempotency (or a status check, for SMSC) makes sure the customer gets it once.
 */
import { Context, ApplicationFailure } from '@temporalio/activity';
import { eq, sql } from 'drizzle-orm';
import { suppress } from '../contactability/suppressions';
import type { Caps } from '../contactability/caps';
import { capFor, judgeEligibility, readSendFacts } from '../contactability/eligibility';
import type { Db } from '../db/client';
import { runVariantsUpdate } from '../db/queries/runs';
import { messages, type MessageStatus } from '../db/schema';
import { enqueueWith } from '../events-out/enqueue';
import { messageEvent } from '../events-out/events';
import { logger } from '../lib/logger';
import type { UnsubscribeUrl } from '../lib/unsubscribe-token';
import { countMessage } from '../metrics/registry';
import { observeProviderCall } from './channels/observe';
import type { SendAnswer, SendRequest, SendResult } from '../workflows/contract';
import { journeyControls } from '../journey-controls/settings';
import type { ChannelRegistry } from './channels';
import { PermanentSendError, TransientSendError } from './channels/types';
import { TemplateNotFoundError, type Renderer } from './templates';
import { messageData } from './templates/message-data';

export interface SendDeps {
  db: Db;
  channels: ChannelRegistry;
  render: Renderer;
  caps: Caps;
  /** CASCADE_SUNSET_DAYS: marketing email to addresses silent this long is skipped (contactability/sunset.ts); 0 or unset: off. */
  sunsetDays?: number;
  webhookUrl?: string;
  unsubscribeUrl: UnsubscribeUrl;
}

export type Message = typeof messages.$inferSelect;

/** The send's first half: the ledger row (consent, suppression, sunset, cap, render), written before any provider is called. */
export function createDecide(deps: SendDeps) {
  const { db } = deps;

  /**
   * The ledger row for the send, and whether it was there before this attempt (an earlier one
   * decided it). One customer's capped sends are decided one at a time, so the cap count and the
   * insert are atomic; a send no cap holds to (transactional, or a channel without one) needs no
   * lock, and two attempts racing on its key are settled by the ledger's unique key.
   */
  async function decide(req: SendRequest, requestedAt: Date): Promise<{ row: Message; earlier: boolean }> {
    if (!capFor(req, deps.caps)) return decideOn(db, req, requestedAt);
    return db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${req.customerId}))`);
      return decideOn(tx, req, requestedAt);
    });
  }

  async function decideOn(on: Db, req: SendRequest, requestedAt: Date): Promise<{ row: Message; earlier: boolean }> {
    const facts = await readSendFacts(on, req, requestedAt, deps);
    const existing = facts.ledgerRow;
    if (existing && existing.status !== 'pending') return { row: existing, earlier: true };
    if (existing) {
      // A retry: the customer may have unsubscribed, bounced or complained since the last attempt.
      // The cap was settled when the row was written (the row itself counts), so it is not asked again.
      const still = judgeEligibility(facts, req, deps.caps, false);
      if (still.ok) return { row: existing, earlier: true };
      const [skipped] = await on
        .update(messages)
        .set({ status: 'skipped', skipReason: still.reason, error: 'not sent on retry: no longer allowed (an earlier attempt may have reached the provider)', updatedAt: new Date() })
        .where(eq(messages.id, existing.id))
        .returning();
      countMessage(req, 'skipped');
      return { row: skipped!, earlier: true };
    }

    // Variants the run has not written yet ride on the ledger row's insert (an attempt that finds
    // the row written finds them written with it).
    const writer = req.recordVariants && req.variants ? on.with(on.$with('variants_recorded').as(runVariantsUpdate(on, req.runId, req.variants))) : on;
    const record = async (values: typeof messages.$inferInsert): Promise<{ row: Message; earlier: boolean }> => {
      const [row] = await writer.insert(messages).values(values).onConflictDoNothing({ target: messages.idempotencyKey }).returning();
      if (row) {
        if (row.status === 'skipped') countMessage(req, 'skipped');
        return { row, earlier: false };
      }
      // Another attempt of this send wrote the row since this one read (only a send without the lock can race).
      const [theirs] = await on.select().from(messages).where(eq(messages.idempotencyKey, req.idempotencyKey));
      return { row: theirs!, earlier: true };
    };
    const verdict = judgeEligibility(facts, req, deps.caps, true);
    const base = {
      idempotencyKey: req.idempotencyKey,
      customerId: req.customerId,
      workflowId: req.workflowId,
      journey: req.journey,
      step: req.step,
      channel: req.channel,
      template: req.template,
      transactional: req.transactional,
      topic: req.transactional ? null : (req.topic ?? null),
      variants: req.variants && Object.keys(req.variants).length ? req.variants : null,
      recipient: verdict.to,
      requestedAt,
      provider: deps.channels[req.channel].provider,
    };
    if (!verdict.ok) return record({ ...base, status: 'skipped', skipReason: verdict.reason });
    const { customer } = verdict;
    const unsubscribeUrl = req.transactional ? null : deps.unsubscribeUrl(req.customerId, req.channel, req.topic, requestedAt);
    const message = messageData(customer, unsubscribeUrl, req.data);
    const rendered = await deps.render(req.template, req.channel, message.data, message.to);
    const content = { subject: rendered.subject, body: rendered.body, smsSegments: rendered.sms?.segments ?? null };
    // An SMS that would cost more parts than its template (or CASCADE_SMS_MAX_SEGMENTS) allows is
    // refused, with the text kept on the row so the operator sees what was too long.
    if (rendered.sms && rendered.sms.segments > rendered.sms.maxSegments) return record({ ...base, ...content, status: 'skipped', skipReason: 'too_many_segments' });
    return record({ ...base, ...content, status: 'pending' });
  }

  // A missing template stays missing however often the send is retried.
  return async (req: SendRequest, requestedAt: Date): Promise<{ row: Message; earlier: boolean }> => {
    try {
      return await decide(req, requestedAt);
    } catch (err) {
      if (err instanceof TemplateNotFoundError) throw ApplicationFailure.nonRetryable(err.message, 'TemplateNotFound');
      throw err;
    }
  };
}

export function createSend(deps: SendDeps) {
  const { db } = deps;
  const decide = createDecide(deps);

  async function deliver(row: Message, req: SendRequest, attemptedBefore: boolean): Promise<SendResult> {
    const adapter = deps.channels[req.channel];
    try {
      const delivery = await observeProviderCall(adapter.provider, req.channel, () => adapter.send({
        messageId: row.id,
        idempotencyKey: row.idempotencyKey,
        channel: req.channel,
        customerId: req.customerId,
        to: row.recipient!,
        subject: row.subject,
        body: row.body ?? '',
        transactional: row.transactional,
        unsubscribeUrl: row.transactional ? null : deps.unsubscribeUrl(req.customerId, req.channel, req.topic, row.requestedAt),
        template: row.template,
        attemptedBefore,
      }));
      // A provider webhook (delivered, bounced…) can land before this update: never move the row back.
      const sent = sql<MessageStatus>`case when ${messages.status} = 'pending' then 'sent' else ${messages.status} end`;
      // message.sent for subscribers rides on the sent mark's statement (nobody subscribed: none).
      const out = await enqueueWith(db, messageEvent(row, 'sent', new Date()));
      await (out ? db.with(out) : db)
        .update(messages)
        .set({ status: sent, provider: delivery.provider, providerMessageId: delivery.providerMessageId, error: null, updatedAt: new Date() })
        .where(eq(messages.id, row.id));
      logger.info({ messageId: row.id, channel: req.channel, provider: delivery.provider, step: req.step }, 'message sent');
      countMessage(req, 'sent');
      return { status: 'sent', channel: req.channel, messageId: row.id, step: req.step };
    } catch (err) {
      if (err instanceof PermanentSendError) {
        await db
          .update(messages)
          .set({ status: err.invalidContact ? 'skipped' : 'failed', skipReason: err.invalidContact ? 'invalid_contact' : null, error: err.message, updatedAt: new Date() })
          .where(eq(messages.id, row.id));
        countMessage(req, err.invalidContact ? 'skipped' : 'failed');
        if (err.invalidContact && row.recipient) {
          await suppress(db, req.channel, row.recipient, 'invalid');
          return { status: 'skipped', channel: req.channel, reason: 'invalid_contact', step: req.step };
        }
        throw ApplicationFailure.nonRetryable(`${adapter.provider}: ${err.message}`, 'PermanentSendError');
      }
      await db.update(messages).set({ error: (err as Error).message, updatedAt: new Date() }).where(eq(messages.id, row.id));
      if (err instanceof TransientSendError && err.retryAfterMs !== undefined) {
        throw ApplicationFailure.create({ message: err.message, type: 'TransientSendError', nextRetryDelay: err.retryAfterMs });
      }
      throw err;
    }
  }

  return async function send(req: SendRequest): Promise<SendAnswer> {
    if ((await journeyControls(db).of(req.journey)).paused) return { status: 'held', channel: req.channel, step: req.step };
    // The time the journey asked, not the time this attempt runs: caps and timelines use it.
    const requestedAt = new Date(req.requestedAt ?? Context.current().info.scheduledTimestampMs);
    const { row, earlier } = await decide(req, requestedAt);
    switch (row.status) {
      case 'pending':
        return deliver(row, req, earlier);
      case 'skipped':
        return { status: 'skipped', channel: row.channel, reason: row.skipReason as never, step: row.step };
      case 'failed':
        return { status: 'failed', channel: row.channel, error: row.error ?? 'failed', step: row.step };
      default:
        return { status: 'sent', channel: row.channel, messageId: row.id, step: row.step };
    }
  };
}
