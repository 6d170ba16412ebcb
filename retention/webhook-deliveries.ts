/**
 * Delivered webhook deliveries past the message-body retention: their payloads carry customers'
 * events, and once the receiver has them the outbox owes nothing. Undelivered ones stay (owed).
 * Oldest first by id, in batches: what is deleted leaves the front of the key, so each batch finds
 * its rows at once.
 */
import { inArray, lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { webhookDeliveries } from '../db/schema';

const BATCH = 5_000;

export async function pruneWebhookDeliveries(db: Db, before: Date, abort?: AbortSignal): Promise<number> {
  let pruned = 0;
  while (!abort?.aborted) {
    const due = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(lt(webhookDeliveries.deliveredAt, before)).orderBy(webhookDeliveries.id).limit(BATCH);
    const gone = await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, due)).returning({ id: webhookDeliveries.id });
    pruned += gone.length;
    if (gone.length < BATCH) break;
  }
  return pruned;
}
