/**
 * Acceptance, and a burst of ten times the ingest rate.
 * - acceptance: page views (`product.viewed`, which no journey reads: the bulk of a retailer's
 *   events) posted at high concurrency, counted when answered (stored), against the same posts to a
 *   minimal `node:http` handler doing the same INSERT into the same `events` table over a pool of
 *   the API's size, in a process of its own (bench/raw-ingest-server.ts): the fair raw limit of an
 *   HTTP ingest on this box. Interleaved rounds (bench/rounds.ts), median ratio and spread.
 * - burst: for `burstSeconds`, events posted open-loop at ten times the rate ingest-fresh took
 *   sign-ups to sent emails at (a sale): per customer a sign-up and then two orders, each posted
 *   after the previous one was answered. Then: how long the backlog takes to drain, whether every
 *   answered event is stored and routed once, whether each customer's events were routed in the
 *   order they were posted, and the backlog as /metrics showed it (`cascade_unrouted_events`,
 *   `cascade_unrouted_event_age_seconds`) and as the events table did.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { API_DATABASE_CONNECTIONS } from '../processes/api';
import { percentiles, pool } from './measure';
import { postEvent, routingCounts, seedCustomers, waitRouted, waitRuns, type Api, type PostedEvent } from './events';
import { startRawIngestProcess } from './processes';
import { interleave, middle, PAIRS, ratioOfRounds } from './rounds';
import type { BenchStack } from './stack';

const CONCURRENCY = 64;

/** One phase: `events` page views posted to `api`, CONCURRENCY in flight, counted when answered. */
export async function acceptPhase(api: Api, events: PostedEvent[], deadline: number) {
  const latencies: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  const posted = await pool(
    events,
    CONCURRENCY,
    async (event) => {
      const answer = await postEvent(api, event);
      latencies.push(answer.ms);
      if (answer.status !== 202) failed++;
    },
    deadline,
  );
  return { posted, failed, perSecond: Math.round(posted / ((performance.now() - t0) / 1000)), answerLatencyMs: percentiles(latencies) };
}

export async function benchAcceptance(
  stack: BenchStack,
  opts: { events: number; burstSeconds: number; ingestRate: number; deadline: number },
): Promise<Record<string, unknown>> {
  const customers = await seedCustomers(stack.db, 'acc-', 1000);
  const perRound = Math.max(200, Math.floor(opts.events / PAIRS));
  const pageViews = (prefix: string, n = perRound) =>
    Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, customerId: customers[i % customers.length]!, type: 'product.viewed', properties: { category: 'tyres' } }));
  const raw = await startRawIngestProcess({ DATABASE_URL: stack.pgUrl, BENCH_RAW_POOL: String(API_DATABASE_CONNECTIONS) });
  let rounds;
  try {
    // Both handlers warm (pool connected, code compiled) before the first round: the fresh raw
    // process would otherwise pay for its cold start in round 0, and the API not.
    for (const [api, prefix] of [[raw, 'acc-warm-raw-'], [stack.api, 'acc-warm-ev-']] as const) await acceptPhase(api, pageViews(prefix, 4 * CONCURRENCY), opts.deadline);
    rounds = await interleave(opts.deadline, async (round) => {
      // Each answer is the stored row: the raw phase leaves no work behind.
      const bare = await acceptPhase(raw, pageViews(`acc-raw-${round}-`), opts.deadline);
      const prefix = `acc-ev-${round}-`;
      const t0 = performance.now();
      const cascade = await acceptPhase(stack.api, pageViews(prefix), opts.deadline);
      // Drained: inert events are stored as routed, so this holds at once unless one was not.
      const routedAt = await waitRouted(stack.db, prefix, cascade.posted - cascade.failed, opts.deadline + 60_000);
      return { bare, cascade: { ...cascade, routedPerSecond: routedAt === undefined ? undefined : Math.round(cascade.posted / ((routedAt - t0) / 1000)) } };
    });
  } finally {
    await raw.stop();
  }
  const acceptance = {
    events: rounds.reduce((a, r) => a + r.cascade.posted, 0),
    eventsPerRound: perRound,
    concurrency: CONCURRENCY,
    databaseConnections: API_DATABASE_CONNECTIONS,
    pairs: rounds.length,
    rounds,
    acceptedPerSecond: middle(rounds.map((r) => r.cascade.perSecond)),
    failed: rounds.reduce((a, r) => a + r.cascade.failed, 0),
    rawHandlerPerSecond: middle(rounds.map((r) => r.bare.perSecond)),
    rawHandlerFailed: rounds.reduce((a, r) => a + r.bare.failed, 0),
    ...ratioOfRounds(rounds.map((r) => r.cascade.perSecond), rounds.map((r) => r.bare.perSecond)),
  };
  const burst = await runBurst(stack, { rate: Math.round(opts.ingestRate * 10), seconds: opts.burstSeconds, deadline: opts.deadline });
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
  const sample = async () => {
    const { stored, routed } = await routingCounts(stack.db, prefix);
    samples.push({ t: Math.round(performance.now() - t0), unrouted: stored - routed, ...(await backlogGauges(stack.api)) });
  };
  const sampler = (async () => {
    while (sampling) {
      await sample();
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
  // One look once drained: under load a sample takes seconds, and the last may predate the drain.
  await sample();
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
