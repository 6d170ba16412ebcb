/**
 * Runs every rule over the window and records what is over its threshold as an `alerts` row. The
 * row's key is the cause and the start of the fixed window the alert falls in; `insert … on
 * conflict do nothing` makes "at most once per cause and window" hold across any number of API
 * processes. A cause that alerted less than one window ago stays quiet too, so a problem that
 * straddles a window boundary does not page twice in a minute. A rule measuring over an hour or a
 * day names that as its findings' window (rules/finding.ts).
 */
import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { alerts } from '../db/schema';
import { logger } from '../lib/logger';
import type { AlertOptions } from './options';
import { channelFailures } from './rules/channel-failures';
import { deadLetters } from './rules/dead-letters';
import { emailHealthWarnings } from './rules/email-health';
import { eventsDropped } from './rules/events-dropped';
import type { AlertRule, Finding } from './rules/finding';
import { providerAccount } from './rules/provider-account';
import { rateDropped } from './rules/rate-dropped';
import { runsFailed } from './rules/runs-failed';
import { webhooksDisabled } from './rules/webhooks-disabled';

const RULES: AlertRule[] = [channelFailures, providerAccount, runsFailed, deadLetters, eventsDropped, rateDropped, emailHealthWarnings, webhooksDisabled];

export type Alert = typeof alerts.$inferSelect;

/** Evaluates every rule once; returns the alerts this call raised (none for causes already alerted). */
export async function raiseAlerts(db: Db, options: AlertOptions, now = new Date()): Promise<Alert[]> {
  const since = new Date(now.getTime() - options.windowMs);
  const findings: Finding[] = [];
  for (const rule of RULES) findings.push(...(await rule(db, { since, now, options })));

  const raised: Alert[] = [];
  for (const { windowMs = options.windowMs, ...finding } of findings) {
    const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const [recent] = await db
      .select({ id: alerts.id })
      .from(alerts)
      .where(and(eq(alerts.cause, finding.cause), gt(alerts.raisedAt, new Date(now.getTime() - windowMs))))
      .limit(1);
    if (recent) continue;
    const [row] = await db
      .insert(alerts)
      .values({ ...finding, windowStart, raisedAt: now })
      .onConflictDoNothing({ target: [alerts.cause, alerts.windowStart] })
      .returning();
    if (!row) continue;
    logger.warn({ cause: row.cause, severity: row.severity, summary: row.summary }, 'alert raised');
    raised.push(row);
  }
  return raised;
}
