/**
 * Rows in every table Cascade keeps: a before/after snapshot shows whether a request wrote anything.
 * The audit log is left out: a refused admin request is recorded there on purpose (test/audit-log.test.ts);
 * and so are the retention job's marks, which its pass at an API's start writes whatever requests do.
 */
import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client';
import * as schema from '../../db/schema';

const tables = (Object.values(schema) as unknown[]).filter((t): t is PgTable => is(t, PgTable) && t !== schema.auditLog && t !== schema.retentionMarks);

export async function rowCounts(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(table);
    counts[getTableName(table)] = row!.n;
  }
  return counts;
}
