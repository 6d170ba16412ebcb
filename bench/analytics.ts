/**
 * Journey analytics on a million ledger rows: `journeyResults` (funnel, per step and channel,
 * last-touch attribution against orders, unsubscribes) for a journey holding the whole ledger (the
 * worst case: nothing narrows the scan), next to the floor: a bare count of the same messages by
 * status in one pass. Median of 3 each, after one warm-up.
 *
 *   BENCH_ONLY=analytics BENCH_ANALYTICS_MESSAGES=1000000 npm run bench
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { journeyResults } from '../analytics/funnel';
import { median } from './measure';
import type { Db } from '../db/client';
import { seedAudience } from './segments';
import type { BenchStack } from './stack';

const JOURNEY = 'welcome';

/**
 * `messages` rows for `customers` customers (prefix `an-`), ten days of sends in the last 60 days:
 * 5 steps, 80 % email, statuses spread like a real base (2 % skipped, 1 % failed, 1 % bounced, 0.1 %
 * complained, the rest sent/delivered/opened/clicked), an open or click report for every opened or
 * clicked one, and a few unsubscribes. seedAudience gives the customers their orders.
 */
export async function seedLedger(db: Db, messages: number, customers: number): Promise<void> {
  await seedAudience(db, { customers, prefix: 'an-' });
  const customer = sql`'an-' || lpad((1 + i % ${customers})::text, 7, '0')`;
  await db.execute(sql`
    insert into messages (idempotency_key, customer_id, workflow_id, journey, step, channel, provider, template, transactional, topic, status, requested_at)
    select 'bench-an-' || i, ${customer}, ${JOURNEY} || '/' || ${customer}, ${JOURNEY}, 'step-' || (i % 5),
      case when abs(hashint4(i)) % 10 < 8 then 'email' else 'sms' end, 'outbox', 'step-' || (i % 5), false, 'promotions',
      case
        when abs(hashint4(i + 1)) % 1000 < 20 then 'skipped'
        when abs(hashint4(i + 1)) % 1000 < 30 then 'failed'
        when abs(hashint4(i + 1)) % 1000 < 40 then 'bounced'
        when abs(hashint4(i + 1)) % 1000 < 41 then 'complained'
        when abs(hashint4(i + 1)) % 1000 < 300 then 'sent'
        when abs(hashint4(i + 1)) % 1000 < 700 then 'delivered'
        when abs(hashint4(i + 1)) % 1000 < 900 then 'opened'
        else 'clicked' end,
      now() - make_interval(days => 60) + make_interval(secs => (i::double precision / ${messages}) * 60 * 86400)
    from generate_series(1, ${messages}::int) as i`);
  await db.execute(sql`
    insert into message_events (message_id, type, occurred_at)
    select id, case when status = 'clicked' then 'email.clicked' else 'email.opened' end, requested_at + interval '1 hour'
    from messages where journey = ${JOURNEY} and status in ('opened', 'clicked')`);
  await db.execute(sql`
    insert into consent_changes (customer_id, channel, topic, granted, source, actor, consented_at, recorded_at, applied)
    select 'an-' || lpad(i::text, 7, '0'), 'email', '*', false, 'unsubscribe', 'unsubscribe-link', now() - interval '5 days', now() - interval '5 days', true
    from generate_series(1, ${customers}::int, 200) as i`);
  await db.execute(sql`analyze messages, message_events, consent_changes, orders, customers`);
}

/** The floor: the journey's messages counted by status in one pass, no attribution. */
async function bareCount(db: Db): Promise<number> {
  const rows = (await db.execute(sql`
    select count(*) filter (where status not in ('pending', 'skipped', 'failed')) as sent from messages
    where journey = ${JOURNEY} group by grouping sets ((), (step), (channel))`)) as unknown as Array<{ sent: string }>;
  return Number(rows[0]!.sent);
}

export async function benchAnalytics(stack: BenchStack): Promise<Record<string, number | string>> {
  const messages = Number(process.env.BENCH_ANALYTICS_MESSAGES ?? 1_000_000);
  const customers = Math.max(1, Math.round(messages / 5));
  const t0 = performance.now();
  await seedLedger(stack.db, messages, customers);
  const seedMs = Math.round(performance.now() - t0);
  const query = { journey: JOURNEY, attribution: 'last-touch' as const };
  const results = await journeyResults(stack.db, query);
  await bareCount(stack.db);
  const cascadeMs = (await median(3, () => journeyResults(stack.db, query))).ms;
  const bareMs = (await median(3, () => bareCount(stack.db))).ms;
  // The dashboard's usual question: the last 7 days of the journey.
  const week = { ...query, from: new Date(Date.now() - 7 * 86_400_000) };
  await journeyResults(stack.db, week);
  const weekMs = (await median(3, () => journeyResults(stack.db, week))).ms;
  return {
    analyticsMessages: messages,
    analyticsSeed_ms: seedMs,
    analyticsSent: results.sent,
    analyticsConverted: results.converted,
    analytics1M_ms: cascadeMs,
    analyticsBareCount_ms: bareMs,
    // journeyResults over the bare count by status: what attribution, unsubscribes and distinct customers cost.
    analyticsVsBareCount_ratio: Math.round((cascadeMs / Math.max(1, bareMs)) * 100) / 100,
    analyticsLast7Days_ms: weekMs,
    analyticsGoal: cascadeMs < 200 ? 'met (< 200 ms)' : 'missed (>= 200 ms)',
  };
}
