/**
 * What every outbox does with its table (stored events for the router, queued report signals): claim
 * the due rows, oldest first, with FOR UPDATE SKIP LOCKED, leasing them in the same statement by
 * pushing their due time forward, so processes share the work and a process that dies hands its
 * rows back when the lease runs out; and after a retryable failure, put a row off by the one backoff
 * rule. Due times are the database's clock, never a process's.
 */
import { and, asc, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';

export interface OutboxTable<T extends PgTable> {
  table: T;
  id: PgColumn;
  /** When the row is next due; null is due now. */
  due: PgColumn;
  /** The claim's order: the order the rows were written in. */
  order: PgColumn[];
  /** Rows still owed (not routed, not dead-lettered); every row when absent. */
  owed?: SQL;
}

/** Claims up to `limit` due rows (of `only`, when given), leased for `leaseMs`, in the table's order. */
export async function claimDue<T extends PgTable>(db: Db, outbox: OutboxTable<T>, opts: { limit: number; leaseMs: number; only?: SQL }): Promise<T['$inferSelect'][]> {
  const due = db
    .select({ id: outbox.id })
    .from(outbox.table as PgTable)
    .where(and(outbox.owed, or(isNull(outbox.due), lte(outbox.due, sql`now()`)), opts.only))
    .orderBy(...outbox.order.map((c) => asc(c)))
    .limit(opts.limit)
    .for('update', { skipLocked: true });
  const claimed = (await db
    .update(outbox.table)
    .set({ [dueKey(outbox)]: sql`now() + make_interval(secs => ${opts.leaseMs / 1000})` } as never)
    // `owed` again: on a partitioned table it keeps the update to the partitions that can owe.
    .where(and(inArray(outbox.id, due), outbox.owed))
    .returning()) as T['$inferSelect'][];
  return claimed;
}

const dueKeys = new WeakMap<object, string>();

/** The property name drizzle knows the due column by (`.set` takes properties, not column names); found once per outbox. */
function dueKey<T extends PgTable>(outbox: OutboxTable<T>): string {
  let key = dueKeys.get(outbox);
  if (key === undefined) {
    key = Object.entries(outbox.table).find(([, column]) => column === outbox.due)?.[0];
    if (key === undefined) throw new Error(`outbox: the due column ${outbox.due.name} is not a column of its table`);
    dueKeys.set(outbox, key);
  }
  return key;
}

/** The first retry comes a second after the first failure, doubling with each. */
const FIRST_RETRY_MS = 1_000;

/**
 * When a row is tried again after `attempts` failures before this one: a second, doubling, up to
 * `capMs` (each outbox's own: how long the thing it owes may wait at most between tries).
 */
export function retryAtSql(attempts: SQL | PgColumn, capMs: number): SQL {
  return sql`now() + least(interval '1 millisecond' * ${FIRST_RETRY_MS}::float8 * power(2, least(${attempts}, 30)), interval '1 millisecond' * ${capMs}::float8)`;
}
