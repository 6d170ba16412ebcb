/**
 * Posts raised alerts to the chat webhook (CASCADE_ALERT_WEBHOOK_URL): JSON with a Slack- and
 * Mattermost-compatible `text`, plus `cause`, `severity` and `detail` for anything smarter. A row is
 * claimed by setting posted_at before the request, so two API processes never post it twice; a
 * failed post hands it back (posted_at null, post_error set) for the next pass. A process that dies
 * mid-request leaves it marked posted: an alert is posted at most once, never twice. Rows are
 * retried for an hour; an alert older than that is stale news in a chat.
 */
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { alerts } from '../db/schema';
import { logger } from '../lib/logger';
import type { Alert } from './raise';

const RETRY_FOR_MS = 60 * 60_000;

export function chatMessage(alert: Alert): { text: string; cause: string; severity: string; detail: Record<string, unknown> } {
  return { text: `Cascade ${alert.severity}: ${alert.summary}`, cause: alert.cause, severity: alert.severity, detail: alert.detail };
}

/** Posts every alert not yet posted; returns how many the webhook took. */
export async function postPendingAlerts(db: Db, webhookUrl: string, timeoutMs = 5_000): Promise<number> {
  const pending = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(and(isNull(alerts.postedAt), gt(alerts.raisedAt, new Date(Date.now() - RETRY_FOR_MS))))
    .orderBy(asc(alerts.id))
    .limit(20);
  let posted = 0;
  for (const { id } of pending) {
    const [claimed] = await db
      .update(alerts)
      .set({ postedAt: new Date() })
      .where(and(eq(alerts.id, id), isNull(alerts.postedAt)))
      .returning();
    if (!claimed) continue; // another process took it
    try {
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatMessage(claimed)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`the chat webhook answered HTTP ${res.status}`);
      await db.update(alerts).set({ postError: null }).where(eq(alerts.id, id));
      posted++;
    } catch (err) {
      // The URL carries the chat's token: only the error's own text is kept, never the URL.
      const postError = (err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (err as Error).message;
      logger.warn({ cause: claimed.cause, postError }, 'could not post an alert; will retry');
      await db.update(alerts).set({ postedAt: null, postError: postError.slice(0, 500) }).where(eq(alerts.id, id));
    }
  }
  return posted;
}
