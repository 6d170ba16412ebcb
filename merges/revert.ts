/**
 * POST /v1/customer-merges/:mergeId/revert: the duplicate comes back from the merge's record, with
 * its row, consents and push tokens as they were, and every row the merge moved that still sits
 * with the survivor goes back to it. Survivor fields the merge filled are emptied again if they
 * still hold the filled value (a later change by the caller stands).
 *
 * What a revert does not undo: withdrawals the survivor took on from the duplicate. Only the
 * customer's own newer consent lifts a withdrawal (contactability/consents.ts), never a machine;
 * the survivor can re-subscribe with PUT /v1/customers/:id/consents.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../db/client';
import { consentChanges, consents, customerMerges, customers, events, messages, orders, pushTokens } from '../db/schema';
import { repointRuns } from '../db/queries/runs';
import { HttpError } from '../lib/http-error';
import type { MergeMoves, MergeSnapshot, Stored } from './record';

export async function revertMerge(db: Db, mergeId: number): Promise<{ mergeId: number; restored: string; survivor: string }> {
  return db.transaction(async (tx) => {
    const [merge] = await tx.select().from(customerMerges).where(eq(customerMerges.id, mergeId)).for('update');
    if (!merge) throw new HttpError(404, 'not_found', `Merge ${mergeId} does not exist`, 'mergeId');
    if (merge.revertedAt) throw new HttpError(409, 'conflict', `Merge ${mergeId} was already reverted on ${merge.revertedAt.toISOString()}`, 'mergeId');
    const snapshot = merge.snapshot as unknown as Stored<MergeSnapshot>;
    const moves = merge.moved as unknown as MergeMoves;
    const { sourceId, targetId } = merge;
    const present = await tx.select({ id: customers.id }).from(customers).where(inArray(customers.id, [sourceId, targetId])).orderBy(customers.id).for('update');
    if (present.some((c) => c.id === sourceId)) throw new HttpError(409, 'conflict', `Customer ${sourceId} exists again; a revert would overwrite it`, 'mergeId');
    if (!present.some((c) => c.id === targetId)) throw new HttpError(409, 'conflict', `Customer ${targetId} (the survivor) was deleted since; the moved rows went with it`, 'mergeId');

    const c = snapshot.customer as unknown as Stored<typeof customers.$inferSelect>;
    await tx.insert(customers).values({ ...c, createdAt: new Date(c.createdAt), updatedAt: new Date(c.updatedAt) });
    const back = { customerId: sourceId };
    // Only rows still with the survivor: one it has since handed on (a push token re-registered) stays where it is.
    if (moves.events.length) await tx.update(events).set(back).where(and(inArray(events.id, moves.events), eq(events.customerId, targetId)));
    if (moves.orders.length) await tx.update(orders).set(back).where(and(inArray(orders.id, moves.orders), eq(orders.customerId, targetId)));
    if (moves.consentChanges.length) await tx.update(consentChanges).set(back).where(and(inArray(consentChanges.id, moves.consentChanges), eq(consentChanges.customerId, targetId)));
    if (moves.messages.length) await tx.update(messages).set(back).where(and(inArray(messages.id, moves.messages), eq(messages.customerId, targetId)));
    await repointRuns(tx, targetId, sourceId, moves.journeyRuns);
    if (moves.pushTokens.length) await tx.update(pushTokens).set(back).where(and(inArray(pushTokens.token, moves.pushTokens), eq(pushTokens.customerId, targetId)));
    await restoreConsents(tx, snapshot, moves, targetId);

    const [survivor] = await tx.select().from(customers).where(eq(customers.id, targetId));
    const emptied = Object.fromEntries(Object.entries(moves.filled).filter(([field, value]) => survivor![field as keyof typeof survivor] === value).map(([field]) => [field, null]));
    const attributes = { ...survivor!.attributes };
    const theirs = c.attributes;
    for (const key of moves.attributes) if (JSON.stringify(attributes[key]) === JSON.stringify(theirs[key])) delete attributes[key];
    await tx.update(customers).set({ ...emptied, attributes, updatedAt: new Date() }).where(eq(customers.id, targetId));
    await tx.update(customerMerges).set({ revertedAt: new Date() }).where(eq(customerMerges.id, mergeId));
    return { mergeId, restored: sourceId, survivor: targetId };
  });
}

/** The duplicate's consent rows as they were; the ones moved to the survivor leave it if it still holds them unchanged. */
async function restoreConsents(tx: Tx, snapshot: Stored<MergeSnapshot>, moves: MergeMoves, targetId: string): Promise<void> {
  for (const key of moves.consents) {
    const was = snapshot.consents.find((r) => r.channel === key.channel && r.topic === key.topic)!;
    await tx
      .delete(consents)
      .where(and(eq(consents.customerId, targetId), eq(consents.channel, key.channel as never), eq(consents.topic, key.topic), eq(consents.granted, was.granted), eq(consents.source, was.source)));
  }
  if (snapshot.consents.length) {
    await tx.insert(consents).values(snapshot.consents.map((r) => ({ ...r, updatedAt: new Date(r.updatedAt) })));
  }
}
