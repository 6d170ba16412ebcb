/**
 * POST /v1/customers/:id/merge: folds a duplicate into the survivor in one transaction. Events,
 * orders, consent history, push tokens, the message ledger and ended runs move to the survivor;
 * empty profile fields are filled from the duplicate; the duplicate is deleted; `customer_merges`
 * keeps its row as it was and every id moved, so the merge can be undone (merges/revert.ts).
 *
 * Consent: the stricter word wins, by the rules of contactability/consents.ts. A withdrawal on the
 * duplicate is applied to the survivor as a withdrawal (same source, so a later profile sync still
 * cannot undo it); a grant the survivor lacks moves over only where the survivor has not withdrawn
 * the channel; where both have a row and the survivor's is the stricter, the survivor's stays.
 *
 * A duplicate with running journey runs is refused (409 on `from`): a run's workflow id and input
 * carry its customer id, so a run left going would write to a customer that no longer exists, and
 * moving a live run is not something Temporal offers. Wait for the runs to end, or end them, first.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Tx, Db } from '../db/client';
import { consentChanges, consents, customerMerges, customers, events, messages, orders, pushTokens } from '../db/schema';
import { repointRuns } from '../db/queries/runs';
import { liveRunsOf } from './live-runs';
import type { Client } from '@temporalio/client';
import { inCustomerRoutingTransaction } from '../db/queries/customer-lock';
import { consentFor, EVERY_TOPIC } from '../contactability/consent-rule';
import { applyConsentChanges } from '../contactability/consents';
import { HttpError } from '../lib/http-error';
import type { Channel } from '../workflows/contract';
import { FILLABLE, type MergeMoves, type MergeSnapshot } from './record';

export interface MergeResult {
  mergeId: number;
  survivor: string;
  merged: string;
  moved: Record<string, number>;
  filled: string[];
}

export async function mergeCustomers(db: Db, opts: { survivorId: string; duplicateId: string; actor: string; client: Client }): Promise<MergeResult> {
  const { survivorId, duplicateId, actor } = opts;
  if (survivorId === duplicateId) throw new HttpError(400, 'invalid_request', 'from: a customer cannot be merged into itself', 'from');
  // No run of the duplicate may start while it is folded in (routing holds this lock to start one);
  // taken before the row locks, in the order routing takes them, so the two cannot deadlock.
  return inCustomerRoutingTransaction(db, duplicateId, async (tx) => {
    // Both rows locked, in id order so two merges of the same pair cannot deadlock.
    const locked = await tx.select().from(customers).where(inArray(customers.id, [survivorId, duplicateId])).orderBy(customers.id).for('update');
    const survivor = locked.find((c) => c.id === survivorId);
    const duplicate = locked.find((c) => c.id === duplicateId);
    if (!survivor) throw new HttpError(404, 'not_found', `Customer ${survivorId} does not exist`, 'customerId');
    if (!duplicate) throw new HttpError(404, 'not_found', `Customer ${duplicateId} does not exist`, 'from');
    const running = await liveRunsOf(tx, opts.client, duplicateId);
    if (running.length) {
      throw new HttpError(
        409,
        'conflict',
        `from: ${duplicateId} has ${running.length} running journey run(s) (${running.join(', ')}); they would write to a customer that no longer exists: merge once they end`,
        'from',
      );
    }

    const snapshot: MergeSnapshot = {
      customer: duplicate,
      consents: await tx.select().from(consents).where(eq(consents.customerId, duplicateId)),
      pushTokens: await tx.select().from(pushTokens).where(eq(pushTokens.customerId, duplicateId)),
    };
    const repoint = { customerId: survivorId };
    const moves: MergeMoves = {
      events: (await tx.update(events).set(repoint).where(eq(events.customerId, duplicateId)).returning({ id: events.id })).map((r) => r.id),
      orders: (await tx.update(orders).set(repoint).where(eq(orders.customerId, duplicateId)).returning({ id: orders.id })).map((r) => r.id),
      consentChanges: (await tx.update(consentChanges).set(repoint).where(eq(consentChanges.customerId, duplicateId)).returning({ id: consentChanges.id })).map((r) => r.id),
      messages: (await tx.update(messages).set(repoint).where(eq(messages.customerId, duplicateId)).returning({ id: messages.id })).map((r) => r.id),
      journeyRuns: await repointRuns(tx, duplicateId, survivorId),
      pushTokens: (await tx.update(pushTokens).set(repoint).where(eq(pushTokens.customerId, duplicateId)).returning({ token: pushTokens.token })).map((r) => r.token),
      consents: [],
      withdrawals: [],
      filled: {},
      attributes: [],
    };

    await mergeConsents(tx, survivor, snapshot.consents, moves, actor);

    for (const field of FILLABLE) {
      const value = duplicate[field];
      if (survivor[field] === null && value !== null) moves.filled[field] = value;
    }
    const attributes = { ...survivor.attributes };
    for (const [key, value] of Object.entries(duplicate.attributes)) {
      // Own keys: an attribute named `constructor` is not on every object.
      if (!Object.hasOwn(attributes, key)) {
        attributes[key] = value;
        moves.attributes.push(key);
      }
    }
    if (Object.keys(moves.filled).length || moves.attributes.length) {
      await tx.update(customers).set({ ...moves.filled, attributes, updatedAt: new Date() }).where(eq(customers.id, survivorId));
    }
    // Whatever was not moved (consent rows the survivor's own outrank) goes with the duplicate; the snapshot keeps it.
    await tx.delete(customers).where(eq(customers.id, duplicateId));
    const [merge] = await tx
      .insert(customerMerges)
      .values({ sourceId: duplicateId, targetId: survivorId, actor, snapshot: snapshot as unknown as Record<string, unknown>, moved: moves as unknown as Record<string, unknown> })
      .returning({ id: customerMerges.id });
    return {
      mergeId: merge!.id,
      survivor: survivorId,
      merged: duplicateId,
      moved: {
        events: moves.events.length,
        orders: moves.orders.length,
        consentChanges: moves.consentChanges.length,
        messages: moves.messages.length,
        journeyRuns: moves.journeyRuns.length,
        pushTokens: moves.pushTokens.length,
        consents: moves.consents.length,
        withdrawals: moves.withdrawals.length,
      },
      filled: [...Object.keys(moves.filled), ...moves.attributes.map((k) => `attributes.${k}`)],
    };
  });
}

type Customer = typeof customers.$inferSelect;
type ConsentRow = typeof consents.$inferSelect;

async function mergeConsents(tx: Tx, survivor: Customer, theirs: ConsentRow[], moves: MergeMoves, actor: string): Promise<void> {
  const ours = await tx.select().from(consents).where(eq(consents.customerId, survivor.id));
  const own = (r: ConsentRow) => ours.find((o) => o.channel === r.channel && o.topic === r.topic);
  // Withdrawals first (the `*` one switches every topic off), so the grants below see them.
  for (const row of theirs.filter((r) => !r.granted)) {
    if (own(row)?.granted === false) continue;
    await applyConsentChanges(tx, survivor, { [row.channel]: false }, {
      source: row.source,
      actor: `${actor} (merge of ${row.customerId})`,
      consentedAt: row.updatedAt,
      mode: 're-subscribe',
      topic: row.topic,
    });
    moves.withdrawals.push({ channel: row.channel, topic: row.topic, source: row.source });
  }
  for (const row of theirs.filter((r) => r.granted)) {
    if (own(row)) continue; // the survivor's own row stands: equal, or the stricter of the two
    // A topic grant must not override the survivor's withdrawal of the whole channel.
    if (row.topic !== EVERY_TOPIC && (await consentFor(tx, survivor.id, row.channel as Channel, EVERY_TOPIC))?.granted === false) continue;
    await tx
      .update(consents)
      .set({ customerId: survivor.id })
      .where(and(eq(consents.customerId, row.customerId), eq(consents.channel, row.channel), eq(consents.topic, row.topic)));
    moves.consents.push({ channel: row.channel, topic: row.topic });
  }
}
