/**
 * Tells the run that sent a message what became of it (`message.delivered`, `message.opened`…),
 * the one shape every provider report takes on its way into a journey. A run that already ended
 * is fine: the ledger keeps the report.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { messages } from '../db/schema';
import { eventSignal } from '../workflows/contract';

export async function signalMessageEvent(
  client: Client,
  row: typeof messages.$inferSelect,
  report: { id: string; status: string; at: Date; extra?: Record<string, unknown> },
): Promise<void> {
  try {
    await client.workflow.getHandle(row.workflowId).signal(eventSignal, {
      id: report.id,
      type: `message.${report.status}`,
      properties: { messageId: row.id, channel: row.channel, step: row.step, journey: row.journey, template: row.template, ...report.extra },
      occurredAt: report.at.toISOString(),
    });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}
