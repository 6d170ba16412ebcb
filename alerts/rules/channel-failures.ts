/**
 * A channel whose sends fail: the share of its sends finished within the window that ended failed
 * (retries ran out, or the provider refused for good). Skipped sends are not the provider's doing
 * and do not count; a few finished sends are not a trend (minMessages).
 */
import { and, count, gte, inArray, sql } from 'drizzle-orm';
import { messages, type MessageStatus } from '../../db/schema';
import { minutes, type AlertRule } from './finding';

const FINISHED: MessageStatus[] = ['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained', 'failed'];

export const channelFailures: AlertRule = async (db, { since, options }) => {
  const rows = await db
    .select({
      channel: messages.channel,
      finished: count(),
      failed: sql<number>`count(*) filter (where ${messages.status} = 'failed')`.mapWith(Number),
    })
    .from(messages)
    .where(and(gte(messages.updatedAt, since), inArray(messages.status, FINISHED)))
    .groupBy(messages.channel);
  return rows
    .filter((r) => r.finished >= options.minMessages && r.failed / r.finished > options.failedShare)
    .map((r) => ({
      cause: `channel-failures:${r.channel}`,
      severity: 'critical' as const,
      summary: `${r.channel} sends failing: ${r.failed} of ${r.finished} (${Math.round((100 * r.failed) / r.finished)}%) in the last ${minutes(options.windowMs)}`,
      detail: { channel: r.channel, failed: r.failed, finished: r.finished, threshold: options.failedShare },
    }));
};
