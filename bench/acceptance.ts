/**
 * Acceptance, and a burst of ten times the drain rate.
 * - acceptance: page views (`product.viewed`, which no journey reads: the bulk of a retailer's
 *   events) posted at high concurrency, counted when answered (stored), against a bare loop of one
 *   INSERT per event into an empty copy of `events` on the same Postgres at the same concurrency.
 * - burst: for `burstSeconds`, events posted open-loop at ten times the rate ingest-fresh routed at
 *   (a sale): per customer a sign-up and then two orders, each posted after the previous one was
 *   answered. Then: how long the backlog takes to drain, whether every answered event is stored and
 *   routed once, whether each customer's events were routed in the order they were posted, and the
 *   backlog as /metrics showed it (`cascade_unrouted_events`, `cascade_unrouted_event_age_seconds`) and as the
 *   events table did.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { percentiles, pool, ratio } from './measure';
import { postEvent, routingCounts, seedCustomers, waitRouted, waitRuns, type PostedEvent } from './events';
import { bareInsertLoop } from './raw';
import type { BenchStack } from './stack';

const CONCURRENCY = 64;

export async function benchAcceptance(
  stack: BenchStack,
  opts: { events: number; burstSeconds: number; drainRate: number; deadline: number },
): Promise<Record<string, unknown>> {
  const bare = await bareInsertLoop(stack.pgUrl, opts.events, CONCURRENCY);
  const customers = await seedCustomers(stack.db, 'acc-', 1000);
  const prefix = 'acc-ev-';
  const events = Array.from({ length: opts.events }, (_, i) => ({ id: `${prefix}${i}`, customerId: customers[i % customers.length]!, type: 'product.viewed', properties: { category: 'tyres' } }));
  const latencies: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  const posted = await pool(
    events,
    CONCURRENCY,
    async (event) => {
      const answer = await postEvent(stack.api, event);
      latencies.push(answer.ms);
      if (answer.status !== 202) failed++;
    },
    opts.deadline,
  );
  const acceptedPerSecond = Math.round(posted / ((performance.now() - t0) / 1000));
  const routedAt = await waitRouted(stack.db, prefix, posted, opts.deadline + 60_000);
  const acceptance = {
    events: posted,
    concurrency: CONCURRENCY,
    acceptedPerSecond,
    routedPerSecond: routedAt === undefined ? undefined : Math.round(posted / ((routedAt - t0) / 1000)),
    failed,
    answerLatencyMs: percentiles(latencies),
    bareInsertPerSecond: bare.perSecond,
    ratio: ratio(acceptedPerSecond, bare.perSecond),
  };
  const burst = await runBurst(stack, { rate: Math.round(opts.drainRate * 10), seconds: opts.burstSeconds, deadline: opts.deadline });
  return { acceptance, burst };
}

interface BacklogSample {
  t: number;
  /** Unrouted burst events in the events table. */
  unrouted: number;
  /** What /metrics said, when it has the gauges. */
  gauge?: number;
  oldestSeconds?: number;
}

async function runBurst(stack: BenchStack, opts: { rate: number; seconds: number; deadline: number }) {
  const perCustomer = 3;
  const total = opts.rate * opts.seconds;
  const customerCount = Math.max(1, Math.ceil(total / perCustomer));
  const customers = await seedCustomers(stack.db, 'burst-', customerCount);
  const prefix = 'burst-ev-';
  const eventFor = (slot: number): PostedEvent => {
    const customerId = customers[slot % customerCount]!;
    const k = Math.floor(slot / customerCount);
    const id = `${prefix}${customerId}-${k}`;
    return k === 0 ? { id, customerId, type: 'customer.signed_up' } : { id, customerId, type: 'order.placed', properties: { orderId: id } };
  };

  const samples: BacklogSample[] = [];
  let sampling = true;
  const t0 = performance.now();
  const sampler = (async () => {
    while (sampling) {
      const { stored, routed } = await routingCounts(stack.db, prefix);
      samples.push({ t: Math.round(performance.now() - t0), unrouted: stored - routed, ...(await backlogGauges(stack.api)) });
      await sleep(500);
    }
  })();

  // Open loop: slot s goes out at s / rate seconds, after the same customer's previous event was answered.
  const previous = new Map<string, Promise<unknown>>();
  const answered: Array<Promise<{ id: string; status: number; ms: number }>> = [];
  for (let slot = 0; slot < total && Date.now() < opts.deadline; slot++) {
    const due = t0 + (slot * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const event = eventFor(slot);
    const answer = (previous.get(event.customerId) ?? Promise.resolve())
      .then(() => postEvent(stack.api, event))
      .then((a) => ({ ...a, id: event.id }), () => ({ id: event.id, status: 0, ms: NaN }));
    previous.set(event.customerId, answer);
    answered.push(answer);
  }
  const postingSeconds = (performance.now() - t0) / 1000;
  const answers = await Promise.all(answered);
  const answeredSeconds = (performance.now() - t0) / 1000;
  const acceptedIds = answers.filter((a) => a.status === 202 || a.status === 200).map((a) => a.id);
  // Every stored event counts, answered 2xx or not (a 503 is stored too, and routed later).
  const { stored } = await routingCounts(stack.db, prefix);
  const routedAt = await waitRouted(stack.db, prefix, stored, opts.deadline + 300_000);
  sampling = false;
  await sampler;
  const [missing] = (await stack.db.execute(sql`
    select count(*)::int as n from jsonb_array_elements_text(${JSON.stringify(acceptedIds)}::jsonb) as a(id)
    where not exists (select 1 from events e where e.id = a.id)`)) as unknown as Array<{ n: number }>;
  // The worker catches up with the burst's runs, so the next section does not pay for them.
  await waitRuns(stack.db, 'order-confirmation', 'burst-', stored - customerCount, opts.deadline + 300_000);

  const [check] = (await stack.db.execute(sql`
    select count(*)::int as stored, count(routed_at)::int as routed,
      count(*) filter (where routing_attempts > 1)::int as reRouted,
      count(*) filter (where dead_lettered_at is not null)::int as deadLettered
    from events where id like ${`${prefix}%`}`)) as unknown as Array<{ stored: number; routed: number; rerouted: number; deadlettered: number }>;
  // Posting order per customer is the k in the id; routed order is routed_at (then the sequence the router took).
  const [order] = (await stack.db.execute(sql`
    select count(*)::int as out_of_order from (
      select split_part(id, '-', 5)::int as k, lag(split_part(id, '-', 5)::int) over (partition by customer_id order by routed_at, received_at) as prev_k
      from events where id like ${`${prefix}%`} and routed_at is not null) t
    where prev_k is not null and prev_k > k`)) as unknown as Array<{ out_of_order: number }>;
  const [runs] = (await stack.db.execute(sql`
    select count(*)::int as runs, count(distinct trigger_event_id)::int as triggers from journey_runs
    where journey = 'order-confirmation' and customer_id like 'burst-%'`)) as unknown as Array<{ runs: number; triggers: number }>;
  const gauges = samples.filter((s) => s.gauge !== undefined);
  return {
    postedPerSecond: opts.rate,
    postingSeconds: Number(postingSeconds.toFixed(1)),
    posted: answers.length,
    accepted: acceptedIds.length,
    answeredNot2xx: answers.length - acceptedIds.length,
    answeredWithin: Number(answeredSeconds.toFixed(1)),
    answerLatencyMs: percentiles(answers.map((a) => a.ms)),
    drainSecondsAfterPosting: routedAt === undefined ? undefined : Number(((routedAt - t0) / 1000 - postingSeconds).toFixed(1)),
    lost: missing?.n ?? 0,
    unrouted: (check?.stored ?? 0) - (check?.routed ?? 0),
    routedMoreThanOnce: check?.rerouted ?? 0,
    deadLettered: check?.deadlettered ?? 0,
    outOfOrder: order?.out_of_order ?? 0,
    orderConfirmationRuns: runs?.runs ?? 0,
    orderConfirmationTriggers: runs?.triggers ?? 0,
    backlogMax: Math.max(0, ...samples.map((s) => s.unrouted)),
    backlogGaugeMax: gauges.length ? Math.max(...gauges.map((s) => s.gauge!)) : 'absent',
    backlogOldestSecondsMax: gauges.length ? Math.max(...gauges.map((s) => s.oldestSeconds ?? 0)) : 'absent',
    backlogGaugeLast: gauges.at(-1)?.gauge ?? 'absent',
    backlogSamples: samples.filter((_, i) => i % 4 === 0),
  };
}

/** The backlog gauges from the API's /metrics, when it has them. */
async function backlogGauges(api: { url: string }): Promise<{ gauge?: number; oldestSeconds?: number }> {
  try {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    const read = (name: string) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    return { gauge: read('cascade_unrouted_events'), oldestSeconds: read('cascade_unrouted_event_age_seconds') };
  } catch {
    return {};
  }
}
