/**
 * One customer's routing and run starts, one at a time: the router holds this lock while it signals
 * a customer's runs and records the runs it starts, and a run nobody routed (a campaign's) holds it
 * while it reads the events routed before its row was there. So an order routed at the moment its
 * cart run starts is seen by one of the two.
 * A transaction holding an advisory lock, which every process shares.
 */
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../client';

/** Lock class for routing, apart from the send pipeline's per-customer lock. */
const ROUTING = 7_234;

export async function inCustomerRoutingTransaction<T>(db: Db, customerId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ROUTING}, hashtext(${customerId}))`);
    return fn(tx);
  });
}
