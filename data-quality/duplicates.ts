/**
 * Customers who are probably one person: the same email (lower-cased, trimmed) or the same phone
 * (stored E.164 by the API, so equal numbers are equal text). Each group lists its customer ids,
 * the survivor candidate first (the oldest), for POST /v1/customers/:id/merge.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers } from '../db/schema';
import { SAMPLES, type Finding } from './finding';

export interface DuplicateGroup {
  value: string;
  customers: number;
  customerIds: string[];
}

export async function duplicateGroups(db: Db, by: 'email' | 'phone'): Promise<Finding<DuplicateGroup>> {
  const key = by === 'email' ? sql`lower(trim(${customers.email}))` : sql`trim(${customers.phone})`;
  const rows = await db
    .select({
      value: sql<string>`${key}`,
      customers: sql<number>`count(*)::int`,
      customerIds: sql<string[]>`(array_agg(${customers.id} order by ${customers.createdAt}, ${customers.id}))[1:${sql.raw(String(SAMPLES))}]`,
      groups: sql<number>`(count(*) over ())::int`,
    })
    .from(customers)
    .where(sql`${key} <> ''`)
    .groupBy(key)
    .having(sql`count(*) > 1`)
    .orderBy(sql`count(*) desc`, key)
    .limit(SAMPLES);
  return { count: rows[0]?.groups ?? 0, samples: rows.map(({ groups: _g, ...group }) => group) };
}
