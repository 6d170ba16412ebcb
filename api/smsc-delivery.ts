/**
 * What SMSC says became of an SMS, by callback or by polling status.php, lands here: a final status
 * into the ledger once per id+phone+status, a wrong number onto the suppression list, and a
 * `message.delivered` / `message.failed` event to the run that sent it, so the journey can react.
 */
import type { Client } from '@temporalio/client';
import { and, eq, inArray } from 'drizzle-orm';
import { SMSC_FINAL_STATUSES } from '../activities/channels/smsc';
import type { Db } from '../db/client';
import { messageEvents, messages, suppressions } from '../db/schema';
import { signalMessageEvent } from './message-signal';
import { logger } from '../lib/logger';

export interface SmscReport {
  /** Our ledger id, sent to SMSC as its client message id. */
  id: number;
  /** Digits, as SMSC writes them. */
  phone: string;
  status: number;
  err: number;
  at: Date;
  source: 'callback' | 'poll';
}

export type SmscReportOutcome = 'applied' | 'duplicate' | 'not_final' | 'unknown_message';

const STATUS_NAMES: Record<number, string> = {
  1: 'delivered',
  3: 'expired',
  20: 'cannot be delivered',
  22: 'wrong number',
  23: 'prohibited',
  24: 'insufficient funds',
  25: 'unreachable',
};

export async function applySmscReport(deps: { db: Db; client: Client }, report: SmscReport): Promise<SmscReportOutcome> {
  if (!SMSC_FINAL_STATUSES.has(report.status)) return 'not_final';
  const delivered = report.status === 1;
  const name = STATUS_NAMES[report.status] ?? 'unknown';
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.id, report.id), eq(messages.channel, 'sms'), eq(messages.provider, 'smsc')));
    if (!row || row.recipient?.replace(/\D/g, '') !== report.phone) return 'unknown_message';

    const recorded = await tx
      .insert(messageEvents)
      .values({
        messageId: row.id,
        type: delivered ? 'delivered' : 'failed',
        providerEventId: `smsc:${report.id}:${report.phone}:${report.status}`,
        payload: { status: report.status, err: report.err, source: report.source },
        occurredAt: report.at,
      })
      .onConflictDoNothing()
      .returning({ id: messageEvents.id });
    if (recorded.length === 0) return 'duplicate';

    // Only a message still on its way takes a final status: the first final word stands.
    const changed = await tx
      .update(messages)
      .set({
        status: delivered ? 'delivered' : 'failed',
        error: delivered ? null : `SMSC status ${report.status} (${name}), err ${report.err}`,
        updatedAt: new Date(),
      })
      .where(and(eq(messages.id, row.id), inArray(messages.status, ['pending', 'sent'])))
      .returning({ id: messages.id });
    if (report.status === 22 && row.recipient) {
      await tx.insert(suppressions).values({ channel: 'sms', address: row.recipient, reason: 'invalid' }).onConflictDoNothing();
    }
    if (changed.length === 0) return 'applied';

    // Inside the transaction: if Temporal cannot be reached, nothing is recorded and SMSC's retry
    // (or the next poll) tries again; a second signal is harmless, runs drop repeated event ids.
    await signalMessageEvent(deps.client, row, { id: `smsc:${report.id}:${report.status}`, status: delivered ? 'delivered' : 'failed', at: report.at });
    logger.info({ messageId: row.id, smscStatus: report.status, source: report.source }, `SMS ${name}`);
    return 'applied';
  });
}
