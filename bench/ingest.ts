/**
 * Event ingest against the raw limit, on one stack, end to end: until the email each event leads to
 * is `sent` in the ledger.
 * - fresh: sign-ups of customers with no running run, through POST /v1/events, until every welcome
 *   email is sent, against a bare loop of the signal-with-start the router makes for each;
 * - busy: orders of customers with three running runs that listen to `order.placed` (welcome,
 *   quarterly-bonus, tyre-season), until every order confirmation is sent, against a bare loop of
 *   the calls routing one makes: a signal-with-start of order-confirmation and a signal to each of
 *   the three runs.
 * Interleaved rounds (bench/rounds.ts): bare loop, Cascade, bare loop, Cascade…, each on customers
 * of its own, at the same concurrency on the same server and worker. The bare loops' runs sit on a
 * task queue no worker polls (bench/raw.ts), so they cost nothing once the loop ends; a Cascade
 * phase ends when its emails are sent and is drained (its runs quiet) before the next loop starts.
 *
 *   BENCH_ONLY=ingest-fresh,ingest-busy BENCH_CUSTOMERS=2000 npm run bench -- --topology embedded
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { BenchStack } from './stack';
import { percentiles, pool } from './measure';
import { postEvent, runsOf, seedCustomers, waitRouted, waitRuns, waitSent, type PostedEvent } from './events';
import { bareLoop, bareSignUps, enrol, eventOf, NO_WORKER_QUEUE, signalRun, triggerRun } from './raw';
import { interleave, middle, PAIRS, ratioOfRounds, waitQuiet } from './rounds';

export interface IngestOptions {
  customers: number;
  concurrency: number;
  /** Epoch ms after which the section stops taking new work and reports what it has. */
  deadline: number;
  /** Distinguishes this run's customers from another run's on the same stack. */
  tag: string;
  /** Rounds of bare loop and Cascade; PAIRS unless a caller wants fewer (the profile wants one). */
  pairs?: number;
}

/** After the posting stops, how long the emails may take to be sent and the runs to go quiet. */
const DRAIN_MS = 120_000;

/**
 * Cascade's phase: posts `events` (one per customer of `customerPrefix`), `concurrency` at a time,
 * timed from the first post until every accepted event's `template` email is sent; then waits until
 * the customers' runs are quiet, so none of their work runs in the next phase.
 */
async function cascadePhase(stack: BenchStack, customerPrefix: string, eventPrefix: string, events: PostedEvent[], template: string, concurrency: number, deadline: number) {
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
  const routedAt = await waitRouted(stack.db, eventPrefix, posted - failed, deadline + DRAIN_MS);
  const sentAt = await waitSent(stack.db, template, customerPrefix, posted - failed, deadline + DRAIN_MS);
  const perSecond = (at: number | undefined) => (at === undefined ? undefined : Math.round((posted - failed) / ((at - t0) / 1000)));
  const quiet = await waitQuiet(stack.client, await runsOf(stack.db, customerPrefix), deadline + DRAIN_MS);
  const [calls] = (await stack.db.execute(
    sql`select avg(jsonb_array_length(routed_to))::float as runs from events where id like ${`${eventPrefix}%`} and routed_at is not null`,
  )) as unknown as Array<{ runs: number | null }>;
  return {
    posted,
    cut: posted < events.length,
    failed,
    answeredPerSecond: Math.round(posted / answeredSeconds),
    routedPerSecond: perSecond(routedAt),
    sentPerSecond: perSecond(sentAt),
    allSent: sentAt !== undefined,
    drained: quiet,
    answerLatencyMs: percentiles(latencies),
    runsReachedPerEvent: Number((calls?.runs ?? 0).toFixed(2)),
  };
}

type Phase = Awaited<ReturnType<typeof cascadePhase>>;

/** The rounds as the section's result: Cascade's and the bare loop's medians, the ratio's median and spread. */
function summary(rounds: Array<{ bare: number; cascade: Phase }>) {
  const sent = rounds.map((r) => r.cascade.sentPerSecond ?? NaN);
  const median = (xs: Array<number | undefined>) => {
    const measured = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
    return measured.length ? middle(measured) : undefined;
  };
  return {
    pairs: rounds.length,
    rounds,
    cascade: {
      sentPerSecond: median(sent),
      routedPerSecond: median(rounds.map((r) => r.cascade.routedPerSecond)),
      answeredPerSecond: median(rounds.map((r) => r.cascade.answeredPerSecond)),
      runsReachedPerEvent: median(rounds.map((r) => r.cascade.runsReachedPerEvent)),
      failed: rounds.reduce((a, r) => a + r.cascade.failed, 0),
      allSent: rounds.every((r) => r.cascade.allSent),
      drained: rounds.every((r) => r.cascade.drained),
    },
    bareMedianPerSecond: middle(rounds.map((r) => r.bare)),
    ...ratioOfRounds(sent, rounds.map((r) => r.bare)),
  };
}

const idsOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

export async function benchIngestFresh(stack: BenchStack, opts: IngestOptions): Promise<Record<string, unknown>> {
  const { concurrency, deadline, tag, pairs = PAIRS } = opts;
  const perRound = Math.max(50, Math.floor(opts.customers / pairs));
  for (let round = 0; round < pairs; round++) await seedCustomers(stack.db, `${tag}-fresh-cas-${round}-`, perRound);

  const rounds = await interleave(
    deadline,
    async (round) => {
      const bare = await bareSignUps(stack.client, idsOf(`${tag}-fresh-raw-${round}-`, perRound), concurrency, `${tag}-raw-signup-`);
      const customerPrefix = `${tag}-fresh-cas-${round}-`;
      const eventPrefix = `${tag}-fresh-ev-${round}-`;
      const events = idsOf(customerPrefix, perRound).map((c) => ({ id: `${eventPrefix}${c}`, customerId: c, type: 'customer.signed_up' }));
      return { bare: bare.perSecond, cascade: await cascadePhase(stack, customerPrefix, eventPrefix, events, 'welcome-hello', concurrency, deadline) };
    },
    pairs,
  );
  const { bareMedianPerSecond, ...rest } = summary(rounds);
  return { customers: perRound * rounds.length, customersPerRound: perRound, concurrency, bareSignalWithStartPerSecond: bareMedianPerSecond, ...rest };
}

export async function benchIngestBusy(stack: BenchStack, opts: IngestOptions): Promise<Record<string, unknown>> {
  const { concurrency, deadline, tag, pairs = PAIRS } = opts;
  const perRound = Math.max(20, Math.floor(opts.customers / pairs));
  const raw = { client: stack.client, taskQueue: NO_WORKER_QUEUE };
  const rawIds = (round: number) => idsOf(`${tag}-busy-raw-${round}-`, perRound);
  const casPrefix = (round: number) => `${tag}-busy-cas-${round}-`;

  // Three running runs per customer, each listening to order.placed, before anything is timed:
  // Cascade's on its worker (settled and quiet), the bare loop's where no worker runs them.
  const welcomeOf = new Map<string, string>();
  const prepare = (t: typeof raw) => async (c: string) => {
    welcomeOf.set(c, await triggerRun(t, 'welcome', c, eventOf(`${tag}-busy-signup-${c}`, 'customer.signed_up')));
    await enrol(t, 'quarterly-bonus', c, 'busy');
    await enrol(t, 'tyre-season', c, 'busy');
  };
  const p0 = performance.now();
  for (let round = 0; round < pairs; round++) {
    await seedCustomers(stack.db, casPrefix(round), perRound);
    await pool(idsOf(casPrefix(round), perRound), concurrency, prepare(stack));
    await pool(rawIds(round), concurrency, prepare(raw));
  }
  for (const journey of ['welcome', 'quarterly-bonus', 'tyre-season']) {
    await waitRuns(stack.db, journey, `${tag}-busy-cas-`, pairs * perRound, deadline);
  }
  await waitQuiet(stack.client, await runsOf(stack.db, `${tag}-busy-cas-`), deadline);
  const prepareSeconds = (performance.now() - p0) / 1000;

  const rounds = await interleave(
    deadline,
    async (round) => {
      const bare = await bareLoop(rawIds(round), concurrency, async (c) => {
        const order = eventOf(`${tag}-raw-order-${c}`, 'order.placed', { orderId: `${tag}-raw-order-${c}` });
        await triggerRun(raw, 'order-confirmation', c, order);
        for (const workflowId of [welcomeOf.get(c)!, `quarterly-bonus/${c}/busy`, `tyre-season/${c}/busy`]) await signalRun(raw, workflowId, order);
      });
      const eventPrefix = `${tag}-busy-ev-${round}-`;
      const events = idsOf(casPrefix(round), perRound).map((c) => ({ id: `${eventPrefix}${c}`, customerId: c, type: 'order.placed', properties: { orderId: `${eventPrefix}${c}` } }));
      return { bare: bare.perSecond, cascade: await cascadePhase(stack, casPrefix(round), eventPrefix, events, 'order-confirmation', concurrency, deadline) };
    },
    pairs,
  );
  const { bareMedianPerSecond, ...rest } = summary(rounds);
  return {
    customers: perRound * rounds.length,
    customersPerRound: perRound,
    concurrency,
    runningRunsPerCustomer: 3,
    prepareSeconds: Number(prepareSeconds.toFixed(1)),
    bareEventsPerSecond: bareMedianPerSecond,
    bareTemporalCallsPerEvent: 4,
    ...rest,
  };
}
