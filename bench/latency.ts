/**
 * Event to send: sign-ups posted open-loop at `rate` (half the max: ingest-fresh's sign-ups to sent
 * emails) for `seconds`; for each, the time from posting the event to the welcome email's ledger
 * row turning `sent` (the outbox channel: stored is sent). The same host's clock on both ends. Goal
 * (embedded): p50 < 100 ms and p99 < 300 ms. The runs are quiet before the section ends, so the
 * next one does not pay for them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { percentiles } from './measure';
import { postEvent, runsOf, seedCustomers } from './events';
import { waitQuiet } from './rounds';
import type { BenchStack } from './stack';

export async function benchLatency(stack: BenchStack, opts: { rate: number; seconds: number; deadline: number }): Promise<Record<string, unknown>> {
  const n = Math.max(1, opts.rate * opts.seconds);
  const customers = await seedCustomers(stack.db, 'lat-', n);
  const postedAt = new Map<string, number>();
  const answers: Array<Promise<unknown>> = [];
  const t0 = Date.now();
  for (let i = 0; i < n && Date.now() < opts.deadline; i++) {
    const wait = t0 + (i * 1000) / opts.rate - Date.now();
    if (wait > 1) await sleep(wait);
    const customerId = customers[i]!;
    postedAt.set(customerId, Date.now());
    answers.push(postEvent(stack.api, { id: `lat-ev-${customerId}`, customerId, type: 'customer.signed_up' }));
  }
  await Promise.all(answers);
  let rows: Array<{ customer_id: string; sent_ms: number }> = [];
  while (Date.now() < opts.deadline + 60_000) {
    rows = (await stack.db.execute(sql`
      select customer_id, (extract(epoch from updated_at) * 1000)::float8 as sent_ms from messages
      where customer_id like 'lat-%' and template = 'welcome-hello' and status = 'sent'`)) as unknown as typeof rows;
    if (rows.length >= postedAt.size) break;
    await sleep(250);
  }
  await waitQuiet(stack.client, await runsOf(stack.db, 'lat-'), opts.deadline + 60_000);
  const latencies = rows.flatMap((r) => (postedAt.has(r.customer_id) ? [r.sent_ms - postedAt.get(r.customer_id)!] : []));
  const ms = percentiles(latencies);
  return {
    ratePerSecond: opts.rate,
    seconds: opts.seconds,
    events: postedAt.size,
    sent: latencies.length,
    eventToSendMs: ms,
    goal: 'p50 < 100 ms and p99 < 300 ms (embedded)',
  };
}
