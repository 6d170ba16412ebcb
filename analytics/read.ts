/**
 * How analytics queries run: in a read-only transaction with JIT off and more sort memory. Their
 * per-row EXISTS over provider reports (for the few bounced or complained messages) inflate the
 * planner's cost estimate far past jit_above_cost, and Postgres then spends 1.5 s compiling a query
 * that runs in less (measured on a million messages, bench/analytics.ts); the per-step and
 * per-channel sort of a large journey spills to disk at the default 4 MB.
 */
import type { SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

export async function readRows<T>(db: Db, query: SQL): Promise<T[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set transaction read only`);
    await tx.execute(sql`set local jit = off`);
    await tx.execute(sql`set local work_mem = '64MB'`);
    return [...(await tx.execute(query))] as T[];
  });
}
