/**
 * Who a campaign pass walks, a page at a time in customer id order: the segment's members, or in
 * test mode the test recipients alone (the rollout share is workflows/bucket.ts inRollout).
 */
import { and, asc, gt, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { Campaign } from '../db/queries/campaigns';
import { getSegment } from '../db/queries/segments';
import { customers } from '../db/schema';
import { countMembers, membersPage } from '../segments/members';

export function testMode(c: Pick<Campaign, 'testRecipients'>): boolean {
  return c.testRecipients !== null && c.testRecipients.length > 0;
}

async function segmentOf(db: Db, c: Campaign) {
  const segment = await getSegment(db, c.segmentId);
  if (!segment) throw new Error(`campaign ${c.id}: segment ${c.segmentId} is gone`);
  return segment;
}

export async function countTargets(db: Db, c: Campaign, now: Date | undefined): Promise<number> {
  if (testMode(c)) return c.testRecipients!.length;
  return countMembers(db, (await segmentOf(db, c)).where, now ? { now } : {});
}

/** One page of ids after `after`. Test recipients who are not customers are left out (and counted skipped). */
export async function targetsPage(db: Db, c: Campaign, page: { after: string | null; limit: number; now?: Date }): Promise<{ ids: string[]; next: string | null; missing: number }> {
  if (testMode(c)) {
    const wanted = [...new Set(c.testRecipients!)].sort().filter((id) => page.after === null || id > page.after);
    const slice = wanted.slice(0, page.limit);
    const found = slice.length
      ? await db
          .select({ id: customers.id })
          .from(customers)
          .where(and(inArray(customers.id, slice), page.after === null ? undefined : gt(customers.id, page.after)))
          .orderBy(asc(customers.id))
      : [];
    const next = wanted.length > page.limit ? slice[slice.length - 1]! : null;
    return { ids: found.map((r) => r.id), next, missing: slice.length - found.length };
  }
  const rows = await membersPage(db, (await segmentOf(db, c)).where, { after: page.after, limit: page.limit }, page.now ? { now: page.now } : {});
  return { ids: rows.map((r) => r.id), next: rows.length === page.limit ? rows[rows.length - 1]!.id : null, missing: 0 };
}
