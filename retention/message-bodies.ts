/**
 * Drops what a message said and to whom once it is past retention: body, subject and address on the
 * ledger row, and the payloads of its provider reports (they quote the address). The row and the
 * reports' types and times stay, so analytics, caps and email health read what they always did.
 * Batches by `requested_at` from where the last pass stopped, so no pass re-reads cleared rows.
 */
import { and, gte, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { messageEvents, messages } from '../db/schema';
import { markSwept, sweptThrough } from './sweep-mark';

/** Rows cleared per statement: each one short, so a pass never holds many row locks at once. */
const BATCH = 1_000;

export async function clearMessageBodies(db: Db, before: Date, abort?: AbortSignal): Promise<number> {
  let from = await sweptThrough(db, 'message-bodies');
  let cleared = 0;
  while (from < before && !abort?.aborted) {
    // The next BATCH rows end at the moment of the one after them (or, when more than BATCH share the
    // first moment, just past it: all of that moment at once).
    const [edge] = await db
      .select({ at: messages.requestedAt })
      .from(messages)
      .where(and(gte(messages.requestedAt, from), lt(messages.requestedAt, before)))
      .orderBy(messages.requestedAt)
      .offset(BATCH)
      .limit(1);
    const through = !edge ? before : edge.at > from ? edge.at : new Date(from.getTime() + 1);
    await db.transaction(async (tx) => {
      const ids = (
        await tx
          .update(messages)
          .set({ body: null, subject: null, recipient: null })
          .where(and(gte(messages.requestedAt, from), lt(messages.requestedAt, through), sql`(${messages.body} is not null or ${messages.subject} is not null or ${messages.recipient} is not null)`))
          .returning({ id: messages.id })
      ).map((m) => m.id);
      if (ids.length) await tx.update(messageEvents).set({ payload: {} }).where(and(inArray(messageEvents.messageId, ids), ne(messageEvents.payload, {})));
      cleared += ids.length;
    });
    await markSwept(db, 'message-bodies', through);
    from = through;
  }
  return cleared;
}
