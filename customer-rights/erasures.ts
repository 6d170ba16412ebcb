/**
 * The `erasures` table: asking for an erasure (once per customer, found again by the hash of their
 * id), reading one, and the background job's claim, retry and end of one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers, erasures } from '../db/schema';
import { backoffMs } from '../lib/backoff';
import { HttpError } from '../lib/http-error';
import { claimDue, type OutboxTable } from '../outbox/claim';

export type Erasure = typeof erasures.$inferSelect;

export const customerHashOf = (customerId: string): string => createHash('sha256').update(customerId).digest('hex');

/**
 * The customer's erasure: the one already asked for (a failed one is tried again), else a new one.
 * 404 for a customer Cascade never had.
 */
export async function requestErasure(db: Db, req: { customerId: string; reason: string; objection: boolean; requestedBy: string }): Promise<Erasure> {
  const customerHash = customerHashOf(req.customerId);
  const existing = await erasureByHash(db, customerHash);
  if (existing) return existing.status === 'failed' ? retryNow(db, existing.id) : existing;
  const [customer] = await db.select({ id: customers.id }).from(customers).where(eq(customers.id, req.customerId));
  if (!customer) throw new HttpError(404, 'not_found', `Customer ${req.customerId} does not exist`, 'customerId');
  const [created] = await db
    .insert(erasures)
    .values({
      id: `era_${randomBytes(9).toString('base64url')}`,
      customerId: req.customerId,
      customerHash,
      pseudonym: `erased-${randomBytes(12).toString('hex')}`,
      reason: req.reason,
      objection: req.objection,
      requestedBy: req.requestedBy,
    })
    .onConflictDoNothing()
    .returning();
  // Two requests at once: the other one's row answers both.
  return created ?? (await erasureByHash(db, customerHash))!;
}

async function erasureByHash(db: Db, customerHash: string): Promise<Erasure | undefined> {
  const [row] = await db.select().from(erasures).where(eq(erasures.customerHash, customerHash));
  return row;
}

async function retryNow(db: Db, id: string): Promise<Erasure> {
  const [row] = await db.update(erasures).set({ status: 'pending', nextAttemptAt: new Date(), lastError: null }).where(eq(erasures.id, id)).returning();
  return row!;
}

export async function erasureById(db: Db, id: string): Promise<Erasure | undefined> {
  const [row] = await db.select().from(erasures).where(eq(erasures.id, id));
  return row;
}

const pendingErasures: OutboxTable<typeof erasures> = {
  table: erasures,
  id: erasures.id,
  due: erasures.nextAttemptAt,
  order: [erasures.requestedAt],
  owed: sql`${erasures.status} = 'pending'`,
};

/** One due erasure, leased for `leaseMs` (another process takes it over only after that). */
export async function claimErasure(db: Db, leaseMs: number): Promise<Erasure | undefined> {
  const [row] = await claimDue(db, pendingErasures, { limit: 1, leaseMs });
  return row;
}

/** After this many failed attempts the erasure is `failed`: an operator looks, and a repeat DELETE tries again. */
export const MAX_ATTEMPTS = 12;

export async function erasureFailed(db: Db, erasure: Erasure, err: unknown): Promise<void> {
  const attempts = erasure.attempts + 1;
  await db
    .update(erasures)
    .set({
      attempts,
      status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
      nextAttemptAt: new Date(Date.now() + backoffMs(attempts, 5_000)),
      lastError: (err instanceof Error ? err.message : String(err)).slice(0, 2000),
    })
    .where(eq(erasures.id, erasure.id));
}
