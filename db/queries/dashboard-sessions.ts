/** Rows of `dashboard_sessions`: looked up and deleted by the digest of the browser's session id. */
import { eq, lt } from 'drizzle-orm';
import type { Db } from '../client';
import { dashboardSessions } from '../schema';

export type DashboardSessionRow = typeof dashboardSessions.$inferSelect;

/** Stores a new session and deletes those expired before it began (an index range scan; sign-ins are rare). */
export async function insertDashboardSession(db: Db, row: typeof dashboardSessions.$inferInsert & { createdAt: Date }): Promise<void> {
  await db.insert(dashboardSessions).values(row);
  await db.delete(dashboardSessions).where(lt(dashboardSessions.expiresAt, row.createdAt));
}

export async function dashboardSessionByDigest(db: Db, digest: string): Promise<DashboardSessionRow | undefined> {
  const [row] = await db.select().from(dashboardSessions).where(eq(dashboardSessions.digest, digest));
  return row;
}

export async function deleteDashboardSession(db: Db, digest: string): Promise<void> {
  await db.delete(dashboardSessions).where(eq(dashboardSessions.digest, digest));
}

export async function deleteDashboardSessionsOfKey(db: Db, keyId: string): Promise<number> {
  const deleted = await db.delete(dashboardSessions).where(eq(dashboardSessions.keyId, keyId)).returning({ digest: dashboardSessions.digest });
  return deleted.length;
}
