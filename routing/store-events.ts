/**
 * The store step of ingest: events written many to a statement. Requests that arrive while a write
 * is in flight wait for the next one and go together (group commit), so under load one round trip
 * to Postgres stores hundreds of events, and alone an event waits for nobody. A customer's events
 * get `seq` in the order they were taken, which is the order the router routes them in.
 */
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { EventRow } from '../db/queries/events';
import { events, orders } from '../db/schema';

export interface EventToStore {
  id: string;
  customerId: string;
  type: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
  /** An order event also lands in `orders`, once, with the event. */
  order?: { orderId: string; total: number; currency: string; source: 'online' | 'offline' };
}

export type Stored = { kind: 'stored'; row: EventRow } | { kind: 'duplicate'; row: EventRow } | { kind: 'no-customer' };

/** Writes at once: each holds one pooled connection for a few milliseconds. */
const WRITES_IN_FLIGHT = 4;
const MAX_PER_WRITE = 1_000;

/** Stores the events in one transaction; answers in the same order. */
export async function storeEvents(db: Db, items: EventToStore[]): Promise<Stored[]> {
  return db.transaction(async (tx) => {
    const rows = items.map((e, ord) => ({ ord, id: e.id, customer_id: e.customerId, type: e.type, properties: e.properties, occurred_at: e.occurredAt.toISOString() }));
    // Only customers that exist; an id stored before (or earlier in this write) is left as it is.
    const inserted = await tx.execute<{ id: string }>(sql`
      insert into ${events} (id, customer_id, type, properties, occurred_at)
      select v.id, v.customer_id, v.type, v.properties, v.occurred_at
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as v(ord int, id text, customer_id text, type text, properties jsonb, occurred_at timestamptz)
      where exists (select 1 from customers c where c.id = v.customer_id)
      order by v.ord
      on conflict (id) do nothing
      returning id`);
    const fresh = new Set(inserted.map((r) => r.id));
    const newOrders = items.filter((e) => e.order && fresh.has(e.id));
    if (newOrders.length) {
      await tx
        .insert(orders)
        .values(newOrders.map((e) => ({ id: e.order!.orderId, customerId: e.customerId, source: e.order!.source, total: e.order!.total.toFixed(2), currency: e.order!.currency, placedAt: e.occurredAt })))
        .onConflictDoNothing();
    }
    const byId = new Map((await tx.select().from(events).where(inArray(events.id, [...new Set(items.map((e) => e.id))]))).map((r) => [r.id, r]));
    const claimed = new Set<string>();
    return items.map((e): Stored => {
      const row = byId.get(e.id);
      if (!row) return { kind: 'no-customer' };
      // The first of an id this write inserted is stored; any other is a duplicate of it.
      if (fresh.has(e.id) && !claimed.has(e.id)) {
        claimed.add(e.id);
        return { kind: 'stored', row };
      }
      return { kind: 'duplicate', row };
    });
  });
}

interface Waiting {
  item: EventToStore;
  done: (s: Stored) => void;
  fail: (err: unknown) => void;
}

class GroupCommit {
  private queue: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly db: Db) {}

  store(item: EventToStore): Promise<Stored> {
    return new Promise((done, fail) => {
      this.queue.push({ item, done, fail });
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < WRITES_IN_FLIGHT && this.queue.length) {
      const batch = this.queue.splice(0, MAX_PER_WRITE);
      this.inFlight++;
      storeEvents(this.db, batch.map((w) => w.item))
        .then(
          (stored) => batch.forEach((w, i) => w.done(stored[i]!)),
          // One bad event must not sink the requests it was written with: each alone, then.
          (err: unknown) =>
            batch.length === 1
              ? batch[0]!.fail(err)
              : batch.forEach((w) => storeEvents(this.db, [w.item]).then(([s]) => w.done(s!), w.fail)),
        )
        .finally(() => {
          this.inFlight--;
          this.flush();
        });
    }
  }
}

const groups = new WeakMap<Db, GroupCommit>();

/** Stores one event, together with whatever other requests of this process are storing now. */
export function storeEvent(db: Db, item: EventToStore): Promise<Stored> {
  let group = groups.get(db);
  if (!group) groups.set(db, (group = new GroupCommit(db)));
  return group.store(item);
}
