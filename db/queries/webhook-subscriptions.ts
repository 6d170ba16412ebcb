/** Webhook subscriptions (db/schema/webhooks.ts): made, listed without secrets, deleted softly. */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { webhookSubscriptions } from '../schema';

export type WebhookSubscription = typeof webhookSubscriptions.$inferSelect;
export type ActiveSubscription = Pick<WebhookSubscription, 'id' | 'url' | 'events' | 'secret'>;

const active = and(isNull(webhookSubscriptions.deletedAt), isNull(webhookSubscriptions.disabledAt));

export async function activeWebhookSubscriptions(db: Db): Promise<ActiveSubscription[]> {
  return db
    .select({ id: webhookSubscriptions.id, url: webhookSubscriptions.url, events: webhookSubscriptions.events, secret: webhookSubscriptions.secret })
    .from(webhookSubscriptions)
    .where(active)
    .orderBy(asc(webhookSubscriptions.createdAt));
}

export async function insertWebhookSubscription(db: Db, row: ActiveSubscription): Promise<WebhookSubscription> {
  const [made] = await db.insert(webhookSubscriptions).values(row).returning();
  return made!;
}

/** Every subscription not deleted, disabled ones included (with why), never a secret. */
export async function listWebhookSubscriptions(db: Db): Promise<Omit<WebhookSubscription, 'secret' | 'deletedAt'>[]> {
  const s = webhookSubscriptions;
  const shown = { id: s.id, url: s.url, events: s.events, createdAt: s.createdAt, failingSince: s.failingSince, disabledAt: s.disabledAt, disabledReason: s.disabledReason };
  return db.select(shown).from(webhookSubscriptions).where(isNull(webhookSubscriptions.deletedAt)).orderBy(asc(webhookSubscriptions.createdAt));
}

/** Soft delete: the row stays for its deliveries' history; none of them is tried again. False for an unknown or deleted id. */
export async function deleteWebhookSubscription(db: Db, id: string): Promise<boolean> {
  const gone = await db
    .update(webhookSubscriptions)
    .set({ deletedAt: sql`now()` })
    .where(and(eq(webhookSubscriptions.id, id), isNull(webhookSubscriptions.deletedAt)))
    .returning({ id: webhookSubscriptions.id });
  return gone.length > 0;
}
