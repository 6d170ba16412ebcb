/** Webhook subscriptions disabled within the window (events-out/deliver.ts): a system stopped hearing from Cascade. */
import { and, gte, isNull } from 'drizzle-orm';
import { webhookSubscriptions as s } from '../../db/schema';
import type { AlertRule } from './finding';

export const webhooksDisabled: AlertRule = async (db, { since }) => {
  const rows = await db
    .select({ id: s.id, reason: s.disabledReason })
    .from(s)
    .where(and(gte(s.disabledAt, since), isNull(s.deletedAt)));
  return rows.map((r) => ({
    cause: `webhook-disabled:${r.id}`,
    severity: 'critical' as const,
    summary: `Webhook subscription ${r.id} was disabled (${r.reason ?? 'its deliveries kept failing'}): its receiver gets no events until it is subscribed again`,
    detail: { subscriptionId: r.id },
  }));
};
