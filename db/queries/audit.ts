/** The audit log's rows: written one per admin action (audit/record.ts), read newest first. */
import { and, desc, eq, gte, like, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { auditLog } from '../schema';

export type AuditRow = typeof auditLog.$inferSelect;

export async function insertAuditRow(db: Db, row: typeof auditLog.$inferInsert): Promise<void> {
  await db.insert(auditLog).values(row);
}

export interface AuditFilter {
  from?: Date;
  to?: Date;
  /** An action (`campaign.cancel`), or every action of a kind (`campaign.*`). */
  action?: string;
  target?: string;
  /** Rows older than this id: the next page. */
  before?: number;
  limit: number;
}

export async function readAuditRows(db: Db, f: AuditFilter): Promise<AuditRow[]> {
  const where: Array<SQL | undefined> = [
    f.from ? gte(auditLog.at, f.from) : undefined,
    f.to ? lte(auditLog.at, f.to) : undefined,
    f.action ? (f.action.endsWith('.*') ? like(auditLog.action, `${f.action.slice(0, -1)}%`) : eq(auditLog.action, f.action)) : undefined,
    f.target ? eq(auditLog.target, f.target) : undefined,
    f.before ? lt(auditLog.id, f.before) : undefined,
  ];
  return db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(f.limit);
}
