/** Where a row-by-row sweep got to (retention_marks): it resumes there, not at the table's start. */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { retentionMarks } from '../db/schema';

export type Sweep = 'message-bodies';

export async function sweptThrough(db: Db, sweep: Sweep): Promise<Date> {
  const [row] = await db.select({ through: retentionMarks.through }).from(retentionMarks).where(eq(retentionMarks.sweep, sweep));
  return row?.through ?? new Date(0);
}

export async function markSwept(db: Db, sweep: Sweep, through: Date): Promise<void> {
  await db
    .insert(retentionMarks)
    .values({ sweep, through })
    .onConflictDoUpdate({ target: retentionMarks.sweep, set: { through: sql`greatest(${retentionMarks.through}, excluded.through)` } });
}
