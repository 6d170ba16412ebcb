/**
 * Who is in a segment, asked of Postgres when asked: the count, and pages in customer id order
 * (keyset: the page after `after`), so a campaign can walk a million members a page at a time.
 */
import { and, asc, gt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers } from '../db/schema';
import { compilePredicate, type CompileOptions } from './compile';
import type { Predicate } from '../workflows/predicate';

export async function countMembers(db: Db, where: Predicate, opts: CompileOptions = {}): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(customers)
    .where(compilePredicate(where, opts));
  return row?.count ?? 0;
}

export interface Page {
  /** The last id of the previous page; null or absent for the first page. */
  after?: string | null;
  limit: number;
}

export async function membersPage(db: Db, where: Predicate, page: Page, opts: CompileOptions = {}): Promise<{ id: string }[]> {
  return db.select({ id: customers.id }).from(customers).where(pageCondition(where, page, opts)).orderBy(asc(customers.id)).limit(page.limit);
}

/** The profile of each member on a page, for the API (GET /v1/segments/:id/members). */
export async function memberProfilesPage(db: Db, where: Predicate, page: Page, opts: CompileOptions = {}) {
  return db
    .select({
      id: customers.id,
      email: customers.email,
      phone: customers.phone,
      name: customers.name,
      city: customers.city,
      timeZone: customers.timeZone,
      locale: customers.locale,
      birthday: customers.birthday,
      attributes: customers.attributes,
      createdAt: customers.createdAt,
    })
    .from(customers)
    .where(pageCondition(where, page, opts))
    .orderBy(asc(customers.id))
    .limit(page.limit);
}

function pageCondition(where: Predicate, page: Page, opts: CompileOptions): SQL {
  const condition = compilePredicate(where, opts);
  return page.after ? and(gt(customers.id, page.after), condition)! : condition;
}
