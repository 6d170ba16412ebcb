/**
 * Is the email base healthy? Two rules the seed and the mailbox providers set:
 * - inactive share: of the marketing emails sent in the last 30 days, the share that went to
 *   customers who had been mailed for 90 days or more (a sent marketing email 90+ days before) and
 *   had not opened or clicked an email in the 90 days before the send (db/queries/engagement.ts, the
 *   one meaning of "opened"). Above 2 % the base is to be cleaned (the seed's rule). A new subscriber
 *   is not inactive: they have not had 90 days to open anything.
 * - complaint rate: complaints over the emails sent (marketing and transactional) in the last 7 and
 *   30 days. Above 0.1 % mailbox providers start filtering a bulk sender (Gmail's and Yahoo's rule).
 * Bounce rates are reported over the same windows, and the marketing emails the sunset policy
 * (CASCADE_SUNSET_DAYS, contactability/sunset.ts: the inactive rule with its own days) held back
 * in the last 30 days, so its effect on the inactive share shows beside it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { unengagedSql } from '../contactability/sunset';
import { readRows } from './read';
import { NOT_SENT } from '../db/schema';

export const INACTIVE_SHARE_LIMIT = 0.02;
export const COMPLAINT_RATE_LIMIT = 0.001;
const DAY = 86_400_000;

export interface WindowRates {
  days: number;
  sent: number;
  bounced: number;
  complained: number;
  bounceRate: number;
  complaintRate: number;
}

export interface HealthWarning {
  rule: 'inactive-share' | 'complaint-rate';
  value: number;
  threshold: number;
  message: string;
  whatToDo: string;
}

export interface EmailHealth {
  at: string;
  inactive: { days: 30; inactiveDays: 90; marketingSent: number; inactiveSent: number; share: number };
  last7Days: WindowRates;
  last30Days: WindowRates;
  /** The sunset policy's setting (null: off) and the marketing emails it skipped in the last 30 days. */
  sunset: { days: number | null; skipped: number };
  /** Null when healthy; otherwise what is wrong and what to do, one sentence per broken rule. */
  warning: string | null;
  warnings: HealthWarning[];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
const list = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);

export const INACTIVE_ADVICE =
  'Stop mailing customers who have not opened in 90 days: make a sunset segment ({ "engagement": { "channel": "email", "opened": false, "within": "90 days" } }), send it one re-permission email at most, then exclude it from campaigns.';
export const COMPLAINT_ADVICE =
  'Find where the complaining addresses came from (list sources, imports) and stop mailing them; collect consent with double opt-in, make the unsubscribe link prominent, and send less often.';

export async function emailHealth(db: Db, opts: { now?: Date; sunsetDays?: number } = {}): Promise<EmailHealth> {
  const now = opts.now ?? new Date();
  const since30 = new Date(now.getTime() - 30 * DAY);
  const since7 = new Date(now.getTime() - 7 * DAY);
  const sent = sql`m.channel = 'email' and m.status not in (${list(NOT_SENT)})`;
  const [row] = await readRows<Record<string, string | number>>(
    db,
    sql`
      select
        count(*) filter (where not m.transactional) as marketing_sent,
        count(*) filter (where not m.transactional and ${unengagedSql(sql`m.customer_id`, 'email', sql`m.requested_at`, 90)}) as inactive_sent,
        (select count(*) from messages s where s.channel = 'email' and not s.transactional and s.status = 'skipped' and s.skip_reason = 'sunset'
          and s.requested_at >= ${since30.toISOString()}::timestamptz and s.requested_at < ${now.toISOString()}::timestamptz) as sunset_skipped,
        count(*) as sent30, count(*) filter (where m.status = 'bounced') as bounced30, count(*) filter (where m.status = 'complained') as complained30,
        count(*) filter (where m.requested_at >= ${since7.toISOString()}::timestamptz) as sent7,
        count(*) filter (where m.requested_at >= ${since7.toISOString()}::timestamptz and m.status = 'bounced') as bounced7,
        count(*) filter (where m.requested_at >= ${since7.toISOString()}::timestamptz and m.status = 'complained') as complained7
      from messages m
      where ${sent} and m.requested_at >= ${since30.toISOString()}::timestamptz and m.requested_at < ${now.toISOString()}::timestamptz`,
  );
  const n = (k: string) => Number(row?.[k] ?? 0);
  const windowRates = (days: number, s: number, b: number, c: number): WindowRates => ({
    days, sent: s, bounced: b, complained: c, bounceRate: share(b, s), complaintRate: share(c, s),
  });
  const last7Days = windowRates(7, n('sent7'), n('bounced7'), n('complained7'));
  const last30Days = windowRates(30, n('sent30'), n('bounced30'), n('complained30'));
  const inactive = { days: 30 as const, inactiveDays: 90 as const, marketingSent: n('marketing_sent'), inactiveSent: n('inactive_sent'), share: share(n('inactive_sent'), n('marketing_sent')) };

  const warnings: HealthWarning[] = [];
  if (inactive.share > INACTIVE_SHARE_LIMIT) {
    warnings.push({
      rule: 'inactive-share', value: inactive.share, threshold: INACTIVE_SHARE_LIMIT, whatToDo: INACTIVE_ADVICE,
      message: `${pct(inactive.share)} of marketing emails in the last 30 days went to addresses with no open or click in 90 days (limit ${pct(INACTIVE_SHARE_LIMIT)}).`,
    });
  }
  // The worse of the two windows: a fresh spike shows in 7 days before it moves the 30-day rate.
  const worst = last7Days.complaintRate >= last30Days.complaintRate ? last7Days : last30Days;
  if (worst.complaintRate > COMPLAINT_RATE_LIMIT) {
    warnings.push({
      rule: 'complaint-rate', value: worst.complaintRate, threshold: COMPLAINT_RATE_LIMIT, whatToDo: COMPLAINT_ADVICE,
      message: `Spam complaints are ${pct(worst.complaintRate)} of emails sent in the last ${worst.days} days (mailbox providers' limit ${pct(COMPLAINT_RATE_LIMIT)}).`,
    });
  }
  return {
    at: now.toISOString(),
    inactive,
    last7Days,
    last30Days,
    sunset: { days: opts.sunsetDays || null, skipped: n('sunset_skipped') },
    warning: warnings.length ? warnings.map((w) => `${w.message} ${w.whatToDo}`).join(' ') : null,
    warnings,
  };
}
