/**
 * The store step of ingest: events written many to a statement. Requests that arrive while a write
 * is in flight wait for the next one and go together (group commit), so under load one round trip
 * to Postgres stores hundreds of events, and alone an event waits for nobody. A customer's events
 * get `seq` in the order they were taken, which is the order the router routes them in.
 */
import { getTableColumns, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { EventRow } from '../db/queries/events';
import { customers, events, orders } from '../db/schema';
import { anyJourneyListensTo, journeysTriggeredBy } from '../workflows/registry';

const COLUMNS = Object.entries(getTableColumns(events));

/** Every column of `events` as `e.<column> as "<field>"`: the rows come back with EventRow's names. */
const ROW = sql.join(
  COLUMNS.map(([field, col]) => sql`e.${sql.identifier(col.name)} as ${sql.identifier(field)}`),
  sql`, `,
);

/** A raw row's values as drizzle maps them in a select (timestamps to Date, int8 to number). */
function asEventRow(raw: Record<string, unknown>): EventRow {
  const row: Record<string, unknown> = {};
  for (const [field, col] of COLUMNS) row[field] = raw[field] === null ? null : col.mapFromDriverValue(raw[field]);
  return row as EventRow;
}

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

/** An event no journey starts on or listens to (a page view): stored as routed, never routed. */
export function isInert(type: string): boolean {
  return journeysTriggeredBy(type).length === 0 && !anyJourneyListensTo(type);
}

/**
 * Stores the events in one statement (one round trip, its own transaction); answers in the same
 * order. The rows it inserted come back from `insert … returning`, the ones stored before from the
 * statement's snapshot, which does not see its own inserts: fresh and duplicate are told apart so.
 */
export async function storeEvents(db: Db, items: EventToStore[]): Promise<Stored[]> {
  const input = items.map((e, ord) => ({
    ord,
    id: e.id,
    customer_id: e.customerId,
    type: e.type,
    properties: e.properties,
    occurred_at: e.occurredAt.toISOString(),
    inert: isInert(e.type),
    order_id: e.order?.orderId ?? null,
    total: e.order?.total.toFixed(2) ?? null,
    currency: e.order?.currency ?? null,
    source: e.order?.source ?? null,
  }));
  const rows = await db.execute<Record<string, unknown> & { id: string; fresh: boolean }>(sql`
    with v as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
        as v(ord int, id text, customer_id text, type text, properties jsonb, occurred_at timestamptz, inert boolean,
             order_id text, total numeric, currency text, source text)
    ), earlier as (
      -- The ids stored before, in any month (each month's unique index sees only its own): read once,
      -- for the insert to leave out and for the answer.
      select * from ${events} e where e.id in (select id from v)
    ), stored as (
      insert into ${events} (id, kind, customer_id, type, properties, occurred_at, routed_at, routed_to)
      select v.id, case when v.inert then 'inert' else 'routed' end, v.customer_id, v.type, v.properties, v.occurred_at,
             case when v.inert then now() end, case when v.inert then '[]'::jsonb end
      from v
      where exists (select 1 from ${customers} c where c.id = v.customer_id)
        and not exists (select 1 from earlier where earlier.id = v.id)
      order by v.ord
      -- This month's unique index on id (no conflict target: each month has its own).
      on conflict do nothing
      returning *
    ), placed as (
      insert into ${orders} (id, customer_id, source, total, currency, placed_at)
      select v.order_id, v.customer_id, v.source, v.total, v.currency, v.occurred_at
      from v join stored on stored.id = v.id
      where v.order_id is not null
      on conflict do nothing
    )
    select ${ROW}, true as fresh from stored e
    union all
    select ${ROW}, false as fresh from earlier e`);
  const byId = new Map<string, { fresh: boolean; row: EventRow }>();
  for (const r of rows) if (!byId.has(r.id) || r.fresh) byId.set(r.id, { fresh: r.fresh, row: asEventRow(r) });
  // An id another write inserted while this one ran (the same event posted twice at once): the
  // insert waited for that write's commit, but the statement's snapshot is older and shows no row.
  // Read again, so the answer is "duplicate", not "no such customer". A statement only then.
  const unseen = [...new Set(items.filter((e) => !byId.has(e.id)).map((e) => e.id))];
  if (unseen.length) for (const row of await db.select().from(events).where(inArray(events.id, unseen))) byId.set(row.id, { fresh: false, row });
  const claimed = new Set<string>();
  return items.map((e): Stored => {
    const found = byId.get(e.id);
    if (!found) return { kind: 'no-customer' };
    const { fresh, row } = found;
    // The first of an id this write inserted is stored; any other is a duplicate of it.
    if (fresh && !claimed.has(e.id)) {
      claimed.add(e.id);
      return { kind: 'stored', row };
    }
    return { kind: 'duplicate', row };
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
