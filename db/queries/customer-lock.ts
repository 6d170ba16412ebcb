/**
 * One customer's routing and run starts, one at a time: the router holds this lock while it signals
 * a customer's runs, and a starting run holds it while it records itself and reads the events
 * routed before it. So an order routed at the moment its cart run starts is seen by one of the two.
 *
 * On Postgres it is a transaction holding an advisory lock, which every process shares. Embedded
 * (PGlite) one process owns the database and PGlite runs one transaction at a time: a transaction
 * held while the router waits on Temporal would stall every other query of the process (each event
 * answered, each activity). There the lock is a per-customer mutex in this process, and `fn`'s
 * statements commit one by one (a crash between them leaves the event unrouted, routed again later).
 */
import { sql } from 'drizzle-orm';
import { PgliteDatabase } from 'drizzle-orm/pglite';
import type { Db, Tx } from '../client';

/** Lock class for routing, apart from the send pipeline's per-customer lock. */
const ROUTING = 7_234;

const held = new Map<string, Promise<unknown>>();

const embedded = (db: Db) => (db as unknown) instanceof PgliteDatabase;

/** Runs `fn` after this process's earlier holders of the customer's lock (embedded only). */
async function inTurn<T>(customerId: string, fn: () => Promise<T>): Promise<T> {
  const mine = (held.get(customerId) ?? Promise.resolve()).catch(() => undefined).then(fn);
  held.set(customerId, mine);
  try {
    return await mine;
  } finally {
    if (held.get(customerId) === mine) held.delete(customerId);
  }
}

/** Under the customer's lock, in one transaction everywhere (a merge). */
export async function inCustomerRoutingTransaction<T>(db: Db, customerId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (embedded(db)) return inTurn(customerId, () => db.transaction(fn));
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ROUTING}, hashtext(${customerId}))`);
    return fn(tx);
  });
}

/** Under the customer's lock; embedded, without a transaction held across `fn`'s waits. */
export async function withCustomerRouting<T>(db: Db, customerId: string, fn: (q: Db | Tx) => Promise<T>): Promise<T> {
  return embedded(db) ? inTurn(customerId, () => fn(db)) : inCustomerRoutingTransaction(db, customerId, fn);
}
