/**
 * How a change's events reach the outbox: in the change's own transaction (or statement), one row
 * per event per subscription that takes it, in one multi-row insert. Nobody subscribed: nothing is
 * written and no statement is spent (the subscriptions are read from memory, subscribers.ts). A row
 * written twice (the change retried) is one row: `webhook_id` is unique per subscription.
 */
import type { Db } from '../db/client';
import { webhookDeliveries } from '../db/schema';
import { subscribers } from './subscribers';
import type { OutEvent, OutEventType, OutPayload } from './types';

type DeliveryRow = typeof webhookDeliveries.$inferInsert;

async function rowsFor(db: Db, events: OutEvent[]): Promise<DeliveryRow[]> {
  const rows: DeliveryRow[] = [];
  for (const event of events) {
    const payload: OutPayload = { type: event.type, timestamp: event.timestamp.toISOString(), data: event.data };
    for (const sub of await subscribers(db).of(event.type)) {
      rows.push({ subscriptionId: sub.id, webhookId: event.webhookId, customerId: event.customerId, type: event.type, payload: { ...payload } });
    }
  }
  return rows;
}

const insertRows = (on: Db, rows: DeliveryRow[]) => on.insert(webhookDeliveries).values(rows).onConflictDoNothing().returning({ id: webhookDeliveries.id });

/** Writes the events on `on` (the transaction of the change; `db` names whose subscriptions count). */
export async function enqueue(db: Db, events: OutEvent[], on: Db = db): Promise<void> {
  const rows = await rowsFor(db, events);
  if (rows.length) await insertRows(on, rows);
}

/**
 * The events as a CTE to put on the change's own statement (`db.with(cte).insert(…)`): one
 * statement writes both, so a change made in one statement stays one. Undefined when nobody takes them.
 */
export async function enqueueWith(db: Db, events: OutEvent[]) {
  const rows = await rowsFor(db, events);
  return rows.length ? db.$with('events_out').as(insertRows(db, rows)) : undefined;
}

/**
 * A change whose events are known only once it is made (the row it updated): with a subscriber to
 * any of `types`, the change and its events in one transaction; with none, the change alone, as it
 * was before events went out.
 */
export async function withEventsOut<T>(db: Db, types: OutEventType[], change: (on: Db) => Promise<{ result: T; events: OutEvent[] }>): Promise<T> {
  const listened = (await Promise.all(types.map((t) => subscribers(db).of(t)))).some((subs) => subs.length > 0);
  if (!listened) return (await change(db)).result;
  return db.transaction(async (tx) => {
    const { result, events } = await change(tx);
    await enqueue(db, events, tx);
    return result;
  });
}
