/** The `segments` table: named predicates. Typed `where` on the way out; the API checked it on the way in. */
import { asc, eq, getTableColumns as columnsOf, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { campaigns, segments } from '../schema';
import type { Predicate } from '../../workflows/predicate';

export type SegmentRow = Omit<typeof segments.$inferSelect, 'where'> & { where: Predicate };

const typed = (row: typeof segments.$inferSelect): SegmentRow => ({ ...row, where: row.where as unknown as Predicate });

export async function getSegment(db: Db, id: string): Promise<SegmentRow | undefined> {
  const [row] = await db.select().from(segments).where(eq(segments.id, id));
  return row && typed(row);
}

export async function listSegments(db: Db): Promise<SegmentRow[]> {
  return (await db.select().from(segments).orderBy(asc(segments.id))).map(typed);
}

/** Creates or replaces; `created` tells which (a new row has no previous version, `xmax = 0`). */
export async function upsertSegment(db: Db, s: { id: string; name: string; where: Predicate }): Promise<{ segment: SegmentRow; created: boolean }> {
  const where = s.where as unknown as Record<string, unknown>;
  const [row] = await db
    .insert(segments)
    .values({ id: s.id, name: s.name, where })
    .onConflictDoUpdate({ target: segments.id, set: { name: s.name, where, updatedAt: new Date() } })
    .returning({ ...columnsOf(segments), created: sql<boolean>`(xmax = 0)` });
  const { created, ...segment } = row!;
  return { segment: typed(segment), created };
}

/**
 * Deletes unless a campaign names it. The segment row is locked first: a campaign insert takes a
 * key-share lock on it (the foreign key), so none can slip in between the check and the delete.
 */
export async function deleteSegment(db: Db, id: string): Promise<'deleted' | 'missing' | { usedBy: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ id: segments.id }).from(segments).where(eq(segments.id, id)).for('update');
    if (!row) return 'missing';
    const [campaign] = await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.segmentId, id)).limit(1);
    if (campaign) return { usedBy: campaign.id };
    await tx.delete(segments).where(eq(segments.id, id));
    return 'deleted';
  });
}
