/** Frequency caps: marketing messages per customer per channel per rolling window, across all journeys. */
import { msToNumber } from '@temporalio/common/lib/time';
import { and, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { messages } from '../db/schema';
import type { Channel } from '../workflows/contract';

export interface Cap {
  limit: number;
  windowMs: number;
}
export type Caps = Partial<Record<Channel, Cap>>;

/** `email:2/1d,sms:1/1d` — marketing messages per customer per channel per rolling window. */
export function parseCaps(text: string): Caps {
  const caps: Caps = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(email|sms|push|webhook):(\d+)\/(.+)$/.exec(part);
    if (!m) throw new Error(`CASCADE_FREQUENCY_CAPS: cannot read "${part}" (expected channel:count/window, e.g. email:2/1d)`);
    caps[m[1] as Channel] = { limit: Number(m[2]), windowMs: msToNumber(m[3] as `${number}d`) };
  }
  return caps;
}

export const DEFAULT_CAPS = 'email:2/1d,sms:1/1d,push:3/1d';

/** Statuses that count against the cap: anything that left, or may have left, the building. */
const COUNTED = ['pending', 'sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained'] as const;

/**
 * How many marketing messages on the channel the customer had in the cap's window before `at`, as
 * a scalar subquery (the send reads it with the rest of its facts in one statement).
 */
export function capUsedSql(customerId: string, channel: Channel, at: Date, cap: Cap): SQL<number> {
  const counted = and(
    eq(messages.customerId, customerId),
    eq(messages.channel, channel),
    eq(messages.transactional, false),
    inArray(messages.status, [...COUNTED]),
    gt(messages.requestedAt, new Date(at.getTime() - cap.windowMs)),
  );
  // The subquery's own `messages` shadows the ledger row the send's statement joins by key.
  return sql`(select count(*) from ${messages} where ${counted})`.mapWith(Number);
}
