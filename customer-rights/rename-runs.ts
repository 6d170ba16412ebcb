/**
 * The customer's runs and ledger rows move to the pseudonym, and so do the ids that embed the
 * customer's id. A journey's workflow id is `journeyWorkflowId(journey, customerId[, key])` and its
 * sends' keys are `<workflow id>/<step>`, so the prefix that rule gives for the customer is swapped
 * for the one it gives for the pseudonym: an exact prefix, never a search for the id inside the
 * text. A direct message's ids are built from the caller's key (`api/<key>`), which may name the
 * customer: they get keys of the pseudonym's. A run's id that does not follow the rule is replaced whole.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Tx } from '../db/client';
import { journeyRuns, messages } from '../db/schema';
import { API_JOURNEY, apiMessageLedgerKey, apiMessageWorkflowId } from '../workflows/api-message-contract';
import { journeyWorkflowId } from '../workflows/contract';
import { ERASED_REASON } from './end-runs';

/** `column` with the customer's prefix swapped for the pseudonym's; `otherwise` when it does not start with it. */
function swapPrefix(column: PgColumn, from: string, to: string, otherwise: SQL): SQL {
  return sql`case when ${column} = ${from} or starts_with(${column}, ${`${from}/`}) then ${to} || substr(${column}, ${from.length + 1}) else ${otherwise} end`;
}

export async function renameRuns(tx: Tx, customerId: string, pseudonym: string): Promise<{ journeyRuns: number; messages: number }> {
  // A run that did not close in time was deleted from Temporal: it ends here, as the others did.
  await tx
    .update(journeyRuns)
    .set({ status: 'exited', endReason: `exited: operator: ${ERASED_REASON}`, endedAt: new Date() })
    .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.status, 'running')));
  const journeys = await tx.execute<{ journey: string }>(
    sql`select journey from ${journeyRuns} where customer_id = ${customerId} union select journey from ${messages} where customer_id = ${customerId} and journey <> ${API_JOURNEY}`,
  );
  let runs = 0;
  let sent = 0;
  for (const { journey } of journeys) {
    const from = journeyWorkflowId(journey, customerId);
    const to = journeyWorkflowId(journey, pseudonym);
    const moved = await tx
      .update(journeyRuns)
      .set({ customerId: pseudonym, workflowId: swapPrefix(journeyRuns.workflowId, from, to, sql`${to} || '/' || ${journeyRuns.runId}`) })
      .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.journey, journey)))
      .returning({ runId: journeyRuns.runId });
    runs += moved.length;
    if (journey === API_JOURNEY) continue;
    const rows = await tx
      .update(messages)
      .set({
        customerId: pseudonym,
        workflowId: swapPrefix(messages.workflowId, from, to, sql`${to}`),
        idempotencyKey: swapPrefix(messages.idempotencyKey, from, to, sql`${to} || '/m' || ${messages.id}`),
        ...LEDGER_PERSONAL_DATA,
      })
      .where(and(eq(messages.customerId, customerId), eq(messages.journey, journey)))
      .returning({ id: messages.id });
    sent += rows.length;
  }
  sent += await renameDirectMessages(tx, customerId, pseudonym);
  return { journeyRuns: runs, messages: sent };
}

/** What a ledger row says of the person: where it went, what it said, and provider errors that quote the address. */
const LEDGER_PERSONAL_DATA = { recipient: null, subject: null, body: null, error: null } as const;

async function renameDirectMessages(tx: Tx, customerId: string, pseudonym: string): Promise<number> {
  const rows = await tx
    .select({ id: messages.id, workflowId: messages.workflowId, channel: messages.channel })
    .from(messages)
    .where(and(eq(messages.customerId, customerId), eq(messages.journey, API_JOURNEY)))
    .orderBy(messages.id);
  const keyOf = new Map<string, string>();
  for (const row of rows) {
    if (!keyOf.has(row.workflowId)) keyOf.set(row.workflowId, `${pseudonym}-${keyOf.size + 1}`);
    const key = keyOf.get(row.workflowId)!;
    await tx
      .update(messages)
      .set({ customerId: pseudonym, workflowId: apiMessageWorkflowId(key), idempotencyKey: apiMessageLedgerKey(key, row.channel), ...LEDGER_PERSONAL_DATA })
      .where(eq(messages.id, row.id));
  }
  return rows.length;
}
