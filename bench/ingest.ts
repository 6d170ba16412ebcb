/**
 * Event ingest against the raw limit, on one stack:
 * - fresh: sign-ups of customers with no running run, through POST /v1/events, counted until every
 *   event is routed, against a bare loop of the signal-with-start the router makes for each;
 * - busy: orders of customers with three running runs that listen to `order.placed` (welcome,
 *   quarterly-bonus, tyre-season), against a bare loop of the calls routing one makes: a
 *   signal-with-start of order-confirmation and a signal to each of the three runs.
 * Both phases use their own customers, the same concurrency, the same server and worker; the worker
 * catches up after each phase so the next does not pay for its backlog.
 *
 *   BENCH_ONLY=ingest-fresh,ingest-busy BENCH_CUSTOMERS=2000 npm run bench -- --topology embedded
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { BenchStack } from './stack';
import { percentiles, pool, ratio } from './measure';
import { postEvent, seedCustomers, waitRouted, waitRuns, type PostedEvent } from './events';
import { bareLoop, enrol, eventOf, signalRun, triggerRun } from './raw';

export interface IngestOptions {
  customers: number;
  concurrency: number;
  /** Epoch ms after which the section stops taking new work and reports what it has. */
  deadline: number;
  /** Distinguishes this run's customers from another run's on the same stack. */
  tag: string;
}

/** Posts `events`, `concurrency` at a time, and waits until they are routed. */
async function postAndRoute(stack: BenchStack, prefix: string, events: PostedEvent[], concurrency: number, deadline: number) {
  const latencies: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  const posted = await pool(
    events,
    concurrency,
    async (event) => {
      const answer = await postEvent(stack.api, event);
      latencies.push(answer.ms);
      if (answer.status !== 202) failed++;
    },
    deadline,
  );
  const answeredSeconds = (performance.now() - t0) / 1000;
  const routedAt = await waitRouted(stack.db, prefix, posted, deadline + 120_000);
  const routedSeconds = routedAt === undefined ? undefined : (routedAt - t0) / 1000;
  const [calls] = (await stack.db.execute(
    sql`select avg(jsonb_array_length(routed_to))::float as runs from events where id like ${`${prefix}%`} and routed_at is not null`,
  )) as unknown as Array<{ runs: number | null }>;
  return {
    posted,
    cut: posted < events.length,
    failed,
    answeredPerSecond: Math.round(posted / answeredSeconds),
    routedPerSecond: routedSeconds === undefined ? undefined : Math.round(posted / routedSeconds),
    allRouted: routedAt !== undefined,
    answerLatencyMs: percentiles(latencies),
    runsReachedPerEvent: Number((calls?.runs ?? 0).toFixed(2)),
  };
}

export async function benchIngestFresh(stack: BenchStack, opts: IngestOptions): Promise<Record<string, unknown>> {
  const { customers: n, concurrency, deadline, tag } = opts;
  const rawIds = await seedCustomers(stack.db, `${tag}-fresh-raw-`, n);
  const casIds = await seedCustomers(stack.db, `${tag}-fresh-cas-`, n);

  const bare = await bareLoop(rawIds, concurrency, (c) => triggerRun(stack, 'welcome', c, eventOf(`${tag}-raw-signup-${c}`, 'customer.signed_up')));
  await waitRuns(stack.db, 'welcome', `${tag}-fresh-raw-`, n, deadline);

  const prefix = `${tag}-fresh-ev-`;
  const cascade = await postAndRoute(stack, prefix, casIds.map((c) => ({ id: `${prefix}${c}`, customerId: c, type: 'customer.signed_up' })), concurrency, deadline);
  await waitRuns(stack.db, 'welcome', `${tag}-fresh-cas-`, cascade.posted, deadline + 120_000);
  return {
    customers: n,
    concurrency,
    bareSignalWithStartPerSecond: bare.perSecond,
    cascade,
    ratio: cascade.routedPerSecond === undefined ? undefined : ratio(cascade.routedPerSecond, bare.perSecond),
  };
}

export async function benchIngestBusy(stack: BenchStack, opts: IngestOptions): Promise<Record<string, unknown>> {
  const { customers: n, concurrency, deadline, tag } = opts;
  const rawIds = await seedCustomers(stack.db, `${tag}-busy-raw-`, n);
  const casIds = await seedCustomers(stack.db, `${tag}-busy-cas-`, n);

  // Three running runs per customer, each listening to order.placed, before anything is timed.
  const welcomeOf = new Map<string, string>();
  const prepare = async (c: string) => {
    welcomeOf.set(c, await triggerRun(stack, 'welcome', c, eventOf(`${tag}-busy-signup-${c}`, 'customer.signed_up')));
    await enrol(stack, 'quarterly-bonus', c, 'busy');
    await enrol(stack, 'tyre-season', c, 'busy');
  };
  const p0 = performance.now();
  await pool([...rawIds, ...casIds], concurrency, prepare);
  const prepareSeconds = (performance.now() - p0) / 1000;
  for (const journey of ['welcome', 'quarterly-bonus', 'tyre-season']) {
    await waitRuns(stack.db, journey, `${tag}-busy-`, 2 * n, deadline);
  }

  const bare = await bareLoop(rawIds, concurrency, async (c) => {
    const order = eventOf(`${tag}-raw-order-${c}`, 'order.placed', { orderId: `${tag}-raw-order-${c}` });
    await triggerRun(stack, 'order-confirmation', c, order);
    for (const workflowId of [welcomeOf.get(c)!, `quarterly-bonus/${c}/busy`, `tyre-season/${c}/busy`]) await signalRun(stack, workflowId, order);
  });
  await waitRuns(stack.db, 'order-confirmation', `${tag}-busy-raw-`, n, deadline);

  const prefix = `${tag}-busy-ev-`;
  const events = casIds.map((c) => ({ id: `${prefix}${c}`, customerId: c, type: 'order.placed', properties: { orderId: `${prefix}${c}` } }));
  const cascade = await postAndRoute(stack, prefix, events, concurrency, deadline);
  await waitRuns(stack.db, 'order-confirmation', `${tag}-busy-cas-`, cascade.posted, deadline + 120_000);
  return {
    customers: n,
    concurrency,
    runningRunsPerCustomer: 3,
    prepareSeconds: Number(prepareSeconds.toFixed(1)),
    bareEventsPerSecond: bare.perSecond,
    bareTemporalCallsPerEvent: 4,
    cascade,
    ratio: cascade.routedPerSecond === undefined ? undefined : ratio(cascade.routedPerSecond, bare.perSecond),
  };
}
