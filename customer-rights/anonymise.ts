/**
 * Step 3 of an erasure, one transaction: what analytics counts stays under the pseudonym (a
 * customers row with nothing in it, so events and orders keep their foreign key; runs; the ledger
 * without addresses or bodies; report types and times), and everything personal goes: the profile
 * with its consents, consent history, push tokens and Telegram chat (by cascade), event properties,
 * report payloads, queued signals and webhook deliveries, merge records, test-recipient lists, and
 * the caller's event and order ids, which may embed the customer's id. Ends with the erasure marked
 * done and its customer id gone, so a crash before the commit repeats the whole step.
 */
import type { Client } from '@temporalio/client';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import { inCustomerRoutingTransaction } from '../db/queries/customer-lock';
import { campaigns, customerMerges, customers, erasures, events, journeyRuns, journeySettings, messageEvents, messages, orders, pendingSignals, webhookDeliveries } from '../db/schema';
import { eraseAddresses } from './erase-addresses';
import type { Erasure } from './erasures';
import { renameRuns } from './rename-runs';
import { customerWorkflowIds } from './temporal-executions';
import { liveRunsOf } from '../merges/live-runs';

export async function anonymise(
  deps: { db: Db; client: Client },
  erasure: Erasure & { customerId: string },
  workflowIds: string[],
  temporal: Record<string, number>,
): Promise<void> {
  const { customerId: id, pseudonym } = erasure;
  // Routing holds this lock to start a run: none starts for the customer while their rows move.
  await inCustomerRoutingTransaction(deps.db, id, async (tx) => {
    // A run an event started after step 2 would outlive the erasure in Temporal: start over.
    const since = (await customerWorkflowIds(tx, id)).filter((w) => !workflowIds.includes(w));
    if (since.length || (await liveRunsOf(tx, deps.client, id)).length) throw new Error('a run of the customer started during the erasure; it is carried out again');
    const [customer] = await tx.select({ createdAt: customers.createdAt }).from(customers).where(eq(customers.id, id)).for('update');
    const removed: Record<string, number> = { ...temporal, ...(await eraseAddresses(tx, id, erasure.objection)) };
    await tx.insert(customers).values({ id: pseudonym, timeZone: 'UTC', createdAt: customer?.createdAt }).onConflictDoNothing();

    // Runs name their trigger and conversion events by the caller's ids, renamed below; campaign triggers name the customer.
    const renamedEvent = (column: PgColumn) => sql`(select ${pseudonym} || '/event/' || e.seq from ${events} e where e.customer_id = ${id} and e.id = ${column})`;
    await tx
      .update(journeyRuns)
      .set({ triggerEventId: renamedEvent(journeyRuns.triggerEventId), conversionEventId: renamedEvent(journeyRuns.conversionEventId) })
      .where(eq(journeyRuns.customerId, id));
    Object.assign(removed, await renameRuns(tx, id, pseudonym));
    removed.events = await count(
      tx
        .update(events)
        .set({
          id: sql`${pseudonym} || '/event/' || ${events.seq}`,
          customerId: pseudonym,
          properties: {},
          // An event not yet routed is routed nowhere: the router would start a run of the pseudonym.
          routedTo: [],
          routedAt: sql`coalesce(${events.routedAt}, now())`,
          nextRoutingAt: null,
          routingError: null,
        })
        .where(eq(events.customerId, id))
        .returning({ id: events.id }),
    );
    const numbered = sql`(select o.id, row_number() over (order by o.placed_at, o.id) as n from ${orders} o where o.customer_id = ${id}) as numbered`;
    removed.orders = (
      await tx.execute(sql`update ${orders} set id = ${pseudonym} || '/order/' || numbered.n, customer_id = ${pseudonym} from ${numbered} where ${orders.id} = numbered.id returning 1`)
    ).length;
    removed.messageEvents = await count(
      tx
        .update(messageEvents)
        .set({ payload: {}, providerEventId: null })
        .where(inArray(messageEvents.messageId, tx.select({ id: messages.id }).from(messages).where(eq(messages.customerId, pseudonym))))
        .returning({ id: messageEvents.id }),
    );
    const oldIds = workflowIds.length ? inArray(pendingSignals.workflowId, workflowIds) : undefined;
    removed.pendingSignals = await count(tx.delete(pendingSignals).where(or(eq(pendingSignals.customerId, id), oldIds)).returning({ id: pendingSignals.id }));
    removed.webhookDeliveries = await count(tx.delete(webhookDeliveries).where(eq(webhookDeliveries.customerId, id)).returning({ id: webhookDeliveries.id }));
    removed.customerMerges = await count(
      tx.delete(customerMerges).where(or(eq(customerMerges.sourceId, id), eq(customerMerges.targetId, id))).returning({ id: customerMerges.id }),
    );
    for (const table of [campaigns, journeySettings]) {
      await tx
        .update(table)
        .set({ testRecipients: sql`${table.testRecipients} - ${id}::text` })
        .where(sql`jsonb_exists(${table.testRecipients}, ${id}::text)`);
    }
    // Consents, consent changes, push tokens and the Telegram chat go with the row (on delete cascade).
    removed.customers = await count(tx.delete(customers).where(eq(customers.id, id)).returning({ id: customers.id }));
    await tx
      .update(erasures)
      .set({ status: 'done', customerId: null, removed, lastError: null, finishedAt: new Date() })
      .where(and(eq(erasures.id, erasure.id), eq(erasures.status, 'pending')));
  });
}

const count = async (rows: Promise<unknown[]>) => (await rows).length;
