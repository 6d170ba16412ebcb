/**
 * One customer's routing and run starts, one at a time: the router holds this lock while it signals
 * a customer's runs, and a starting run holds it while it records itself and reads the events
 * stored before it. So an order routed at the moment its cart run starts is seen by one of the two.
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../client';

/** Lock class for routing, apart from the send pipeline's per-customer lock. */
const ROUTING = 7_234;

export async function lockCustomerRouting(tx: Tx, customerId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ROUTING}, hashtext(${customerId}))`);
}
