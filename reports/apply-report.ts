/**
 * The one place a provider report changes anything. In one transaction: the report goes on the
 * message's timeline once (message_events is unique on the provider event id), the ledger status
 * moves forward only, the address is suppressed when the report says so, and the run's
 * `message.<status>` event is queued in pending_signals. Temporal is called only after commit, so
 * an outage delays the signal (the outbox keeps it) and never undoes the suppression.
 */
import type { Client } from '@temporalio/client';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { suppress } from '../contactability/suppressions';
import type { Db, Tx } from '../db/client';
import { messageEvents, messages, pendingSignals, type MessageStatus } from '../db/schema';
import { enqueue } from '../events-out/enqueue';
import { messageEvent } from '../events-out/events';
import { logger } from '../lib/logger';
import type { JourneyEvent } from '../workflows/contract';
import { deliverPendingSignals } from './pending-signals';
import type { ProviderReport, ReportOutcome } from './report';

/**
 * One ordering for every provider: later beats earlier, so a late `delivered` after `opened`
 * changes nothing, and bounces and complaints win over everything.
 */
export const STATUS_ORDER: readonly MessageStatus[] = ['pending', 'sent', 'failed', 'delivered', 'opened', 'clicked', 'bounced', 'complained'];
const below = (status: MessageStatus) => STATUS_ORDER.slice(0, STATUS_ORDER.indexOf(status));

type MessageRow = typeof messages.$inferSelect;

export async function applyReport(deps: { db: Db; client: Client }, report: ProviderReport): Promise<ReportOutcome> {
  const result = await deps.db.transaction(async (tx): Promise<{ outcome: ReportOutcome; signal?: number }> => {
    const row = await findMessage(tx, report);
    if (!row) return { outcome: 'unknown_message' };

    const [recorded] = await tx
      .insert(messageEvents)
      .values({ messageId: row.id, type: report.type, providerEventId: report.eventId, payload: report.payload, occurredAt: report.occurredAt })
      .onConflictDoNothing()
      .returning({ id: messageEvents.id });
    if (!recorded) return { outcome: 'duplicate' };

    const providerMessageId = report.message.providerMessageId;
    if (providerMessageId && !row.providerMessageId) {
      // The report beat the send's own ledger update (or its reply was lost and a retry is pending).
      await tx.update(messages).set({ providerMessageId }).where(and(eq(messages.id, row.id), isNull(messages.providerMessageId)));
    }
    const status = report.status;
    if (!status) return { outcome: 'applied' }; // email.sent, delivery_delayed…: timeline only

    await tx
      .update(messages)
      .set({ status, updatedAt: new Date(), ...(status === 'failed' && report.detail?.error ? { error: report.detail.error } : {}) })
      .where(and(eq(messages.id, row.id), inArray(messages.status, below(status))));

    // Other systems hear each new report too, once per message and status (events-out/).
    await enqueue(deps.db, messageEvent(row, status, report.occurredAt), tx);

    const address = row.recipient ?? report.suppress?.address;
    if (report.suppress && address) {
      await suppress(tx, row.channel, address, report.suppress.reason);
    }

    // Every new report reaches the run, even one that does not move the ledger (a late delivered):
    // the run hears facts; the ledger keeps the furthest status.
    const [queued] = await tx
      .insert(pendingSignals)
      .values({ workflowId: row.workflowId, customerId: row.customerId, payload: { ...journeyEvent(row, report, status) } })
      .returning({ id: pendingSignals.id });
    logger.info({ messageId: row.id, provider: report.provider, type: report.type, status }, 'provider report applied');
    return { outcome: 'applied', signal: queued!.id };
  });

  if (result.signal !== undefined) {
    // Best effort, and short: the provider is waiting for our answer; what fails here stays in
    // pending_signals for the report jobs.
    const signal = result.signal;
    await deliverPendingSignals(deps, { ids: [signal], timeoutMs: 2_000 }).catch((err: unknown) =>
      logger.warn({ err: (err as Error).message, signal }, 'could not deliver a report signal now; the report jobs will'),
    );
  }
  return result.outcome;
}

function journeyEvent(row: MessageRow, report: ProviderReport, status: MessageStatus): JourneyEvent {
  return {
    id: report.eventId,
    type: `message.${status}`,
    properties: {
      messageId: row.id,
      channel: row.channel,
      step: row.step,
      journey: row.journey,
      template: row.template,
      ...(report.detail?.link ? { link: report.detail.link } : {}),
    },
    occurredAt: report.occurredAt.toISOString(),
  };
}

async function findMessage(tx: Tx, report: ProviderReport): Promise<MessageRow | undefined> {
  const { ledgerId, providerMessageId, recipientDigits } = report.message;
  let row: MessageRow | undefined;
  if (ledgerId !== undefined && Number.isSafeInteger(ledgerId) && ledgerId > 0 && ledgerId <= 2_147_483_647) {
    [row] = await tx.select().from(messages).where(and(eq(messages.id, ledgerId), eq(messages.provider, report.provider)));
    // A ledger id the provider echoes back is believed only if the row has no provider id yet or the same one.
    if (row && providerMessageId && row.providerMessageId && row.providerMessageId !== providerMessageId) row = undefined;
  }
  if (!row && providerMessageId) {
    [row] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.provider, report.provider), eq(messages.providerMessageId, providerMessageId)));
  }
  if (row && recipientDigits !== undefined && row.recipient?.replace(/\D/g, '') !== recipientDigits) return undefined;
  return row;
}
