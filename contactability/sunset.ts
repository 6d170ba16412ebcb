/**
 * The sunset policy (CASCADE_SUNSET_DAYS = N; unset or 0: off). A marketing email is skipped with
 * `sunset` when the customer has been sent marketing email for at least N days (a marketing email
 * of theirs that left, requested N or more days before this one) and no email of theirs,
 * marketing or transactional, was opened or clicked in the N days before it. A customer never
 * mailed is never sunset: a new subscriber has had no time to open anything. Transactional email
 * and the other channels are never held to it; an open of an order email brings a customer back.
 *
 * The same shape, with 90 days, is email health's "inactive" address (analytics/email-health.ts):
 * one rule, so the policy removes exactly what the health page counts against the base.
 */
import { and, eq, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { openedSql } from '../db/queries/engagement';
import { messages, NOT_SENT } from '../db/schema';
import type { Channel, SendRequest } from '../workflows/contract';

/**
 * Mailed marketing on `channel` for `days` or more before `at`, and no open or click on it in the
 * `days` before `at`, as a condition (`customerId` and `at` a value or the outer query's column).
 */
export function unengagedSql(customerId: SQL | string, channel: Channel, at: SQL, days: number): SQL<boolean> {
  const since = sql`(${at} - ${days} * interval '1 day')`;
  const mailedSince = and(
    eq(messages.customerId, customerId),
    eq(messages.channel, channel),
    eq(messages.transactional, false),
    notInArray(messages.status, [...NOT_SENT]),
    lte(messages.requestedAt, since),
  );
  // The subqueries' own `messages` shadow an outer query's (the send's ledger row, joined by key).
  return sql<boolean>`(exists (select 1 from ${messages} where ${mailedSince}) and not ${openedSql(customerId, channel, since, at)})`;
}

/**
 * Whether the send is to be skipped with `sunset`, as a column of the send's one statement: false
 * without asking the ledger when the policy is off or the send is not marketing email.
 */
export function sunsetSql(req: SendRequest, requestedAt: Date, sunsetDays: number | undefined): SQL<boolean> {
  if (!sunsetDays || req.channel !== 'email' || req.transactional) return sql<boolean>`false`;
  return unengagedSql(req.customerId, req.channel, sql`${requestedAt.toISOString()}::timestamptz`, sunsetDays);
}
