/**
 * The months of stored events: the partitions `cascade_event_partition` (the migration's SQL
 * function, their one maker) creates, found by their names, and dropped by detaching first, so
 * ingest never waits on a lock the drop holds.
 */
import { sql } from 'drizzle-orm';
import { reservedConnection, type Db } from '../db/client';
import type { EventKind } from '../db/schema';

/** The kinds kept by month; `held` rows are few and live apart. */
export const MONTHLY_KINDS = ['inert', 'routed'] as const satisfies readonly EventKind[];
export type MonthlyKind = (typeof MONTHLY_KINDS)[number];

/** Months made ahead of time: a stopped installation has two months before its ingest needs the job. */
const MONTHS_AHEAD = 2;

export interface Month {
  kind: MonthlyKind;
  /** The partition's table name, `events_<kind>_<yyyy>_<mm>`. */
  table: string;
  from: Date;
  to: Date;
}

const NAME = /^events_(inert|routed)_(\d{4})_(\d{2})$/;

/** Creates this month's partitions and the next ones' where missing. */
export async function ensureMonthsAhead(db: Db, now: Date): Promise<void> {
  for (const kind of MONTHLY_KINDS) {
    for (let ahead = 0; ahead <= MONTHS_AHEAD; ahead++) {
      const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1));
      await db.execute(sql`select cascade_event_partition(${kind}, ${at.toISOString()}::timestamptz)`);
    }
  }
}

/** Every month partition there is, oldest first. */
export async function listMonths(db: Db): Promise<Month[]> {
  const rows = await db.execute<{ table: string }>(sql`
    select c.relname as table from pg_inherits i
    join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname in ('events_inert', 'events_routed')`);
  const months: Month[] = [];
  for (const { table } of rows) {
    const m = NAME.exec(table);
    if (!m) continue;
    const [year, month] = [Number(m[2]), Number(m[3])];
    months.push({ kind: m[1] as MonthlyKind, table, from: new Date(Date.UTC(year, month - 1, 1)), to: new Date(Date.UTC(year, month, 1)) });
  }
  return months.sort((a, b) => a.from.getTime() - b.from.getTime() || a.kind.localeCompare(b.kind));
}

/**
 * Detaches the month without blocking writers (CONCURRENTLY: it cannot run in a transaction, so on a
 * connection of its own), then drops it. A detach a crash interrupted is finished first.
 */
export async function dropMonth(db: Db, month: Month): Promise<void> {
  const parent = `events_${month.kind}`;
  await reservedConnection(db, async (conn) => {
    const [state] = await conn<{ pending: boolean }[]>`select i.inhdetachpending as pending from pg_inherits i where i.inhrelid = to_regclass(${month.table})`;
    if (state) await conn.unsafe(`alter table "${parent}" detach partition "${month.table}" ${state.pending ? 'finalize' : 'concurrently'}`);
    await conn.unsafe(`drop table if exists "${month.table}"`);
  });
}
