/**
 * What one sign-up costs, counted (never timed): from `POST /v1/events` (customer.signed_up, for a
 * customer made with email consent by `PUT /v1/customers/:id`) until the welcome run's first email
 * has its ledger row `sent`. Counted: the statements the API (with its router) and the worker's
 * activities send to Postgres, the gRPC calls the API's Temporal client makes, and from the run's
 * own history the workflow tasks, activity tasks and local activities up to the send.
 *
 * The ledger is watched over a connection of its own, which is not counted. The API's background
 * jobs are quietened where startApi lets them be (the router only wakes for the event, the alert
 * evaluator never runs in the window); the rest (report signal delivery every 5 s, the run
 * reconciler every 60 s, the journey settings every 2 s) are recognised by their SQL and set aside (NOISE below). One sign-up before
 * the measured ones is not counted: it opens the pool's connections and warms the worker. An
 * order's confirmation and a message asked for over `POST /v1/messages` are counted the same way.
 */
// @temporalio/client's own gRPC library (a dependency of it): its interceptors are grpc-js interceptors.
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection, makeGrpcRetryInterceptor, defaultGrpcRetryOptions } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import proto from '@temporalio/proto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiHandle } from '../processes/api';
import type { Database } from '../db/client';
import { TEST_API_KEY, TEST_UNSUBSCRIBE_SECRET, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually } from './support/journeys';
import { localActivityType } from './support/history';
import { devServerEnv, startWorker, taskQueue } from './support/temporal';

/**
 * Per sign-up, the most measured over a few. Temporal is held to the budget the architecture sets
 * (README, Cost per event): 1 signalWithStart, at most 2 workflow tasks, at most 1 activity task
 * (today 2 and 1: the run's start is one activity, its first send a local one, and its variant
 * rides on that send's ledger row). The database is held to today's figure, so a change that adds
 * a round trip fails here; the target is 10 (README says where the other 4 would go and why they
 * are not taken).
 */
const BUDGET = {
  dbRoundTrips: 14,
  clientCalls: 1,
  workflowTasks: 2,
  activityTasks: 1,
};

/**
 * An order's confirmation, to its run's end: the same path, but the email is transactional, which
 * no frequency cap holds to, so its send decides without the customer's lock (3 statements instead
 * of 6); its journey picks no variant, and the run's end is 1.
 */
const ORDER_BUDGET = {
  dbRoundTrips: 12,
  clientCalls: 1,
  workflowTasks: 2,
  activityTasks: 1,
};

/**
 * A message asked for over the API (transactional, so no cap's lock), to its workflow's end: one
 * update-with-start; the API reads the customer (1 statement), the workflow decides the ledger row
 * in one activity (facts and insert: 2) and sends in another (facts again, the sent mark: 2).
 */
const MESSAGE_BUDGET = {
  dbRoundTrips: 5,
  clientCalls: 1,
  workflowTasks: 2,
  activityTasks: 2,
};

const SIGNUPS = 3;

/**
 * Statements of the API's timers, not caused by a sign-up: reports/jobs.ts `deliverPendingSignals`
 * (every 5 s, claims pending_signals) and lifecycle/reconcile-runs.ts `reconcileRuns` (every 60 s,
 * running journey_runs older than a minute). startApi has no option to turn these two off.
 */
const NOISE: Array<{ name: string; re: RegExp }> = [
  { name: 'report signal delivery (reports/pending-signals.ts, every 5 s)', re: /^update "pending_signals" set "next_attempt_at"/ },
  { name: "journey settings (journey-controls/settings.ts, every 2 s: what every event's admission and send read from memory)", re: /^select "journey", "paused", "rollout_percent", "test_recipients", "updated_at" from "journey_settings"/ },
  { name: 'webhook subscriptions (events-out/subscribers.ts, every 2 s: what every change reads from memory to know whether anyone subscribes)', re: /^select "id", "url", "events", "secret" from "webhook_subscriptions"/ },
  { name: 'customer erasures (customer-rights/job.ts, every 30 s: the claim of a due erasure)', re: /^update "erasures" set "next_attempt_at"/ },
  { name: 'run reconciler (lifecycle/reconcile-runs.ts, every 60 s)', re: /^select "run_id", "workflow_id" from "journey_runs" where \("journey_runs"."status" = \$1 and "journey_runs"."started_at" < \$2/ },
];

const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

let env: TestWorkflowEnvironment;
let database: Database;
let worker: Awaited<ReturnType<typeof startWorker>>;
let connection: Connection;
let client: Client;
let api: ApiHandle & { url: string };
let ledgerSql: postgres.Sql;

/** What the counting window has seen; undefined outside one. */
let tally: { statements: string[]; noise: string[]; grpc: string[] } | undefined;

const onStatement = (sql: string) => {
  if (!tally) return;
  const text = sql.replace(/\s+/g, ' ').trim();
  (NOISE.some((n) => n.re.test(text)) ? tally.noise : tally.statements).push(text);
};

/** Counts every gRPC call (each attempt: it sits inside the retry interceptor) by method name. */
const countingInterceptor: Interceptor = (options, nextCall) => {
  if (tally) tally.grpc.push(options.method_definition.path.split('/').pop()!);
  return new InterceptingCall(nextCall(options));
};

beforeAll(async () => {
  const [e, d] = await Promise.all([devServerEnv(), createTestDatabase(onStatement)]);
  env = e;
  database = d;
  ledgerSql = postgres(d.url, { max: 1, onnotice: () => {} });
  worker = await startWorker(env, testDeps(database.db));
  connection = await Connection.connect({
    address: env.address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), countingInterceptor],
  });
  client = new Client({ connection, namespace: env.namespace ?? 'default' });
  const hour = 3_600_000;
  const handle = await startApi({
    db: database.db,
    client,
    taskQueue,
    apiKeys: [TEST_API_KEY],
    port: 0,
    unsubscribeSecret: TEST_UNSUBSCRIBE_SECRET,
    // The router's idle poll would claim (nothing) every 250 ms; woken by the POST it still runs at once.
    router: { idlePollMs: hour },
    alerts: { windowMs: hour, failedShare: 1, minMessages: 1_000_000, everyMs: hour },
  });
  api = { ...handle, url: `http://127.0.0.1:${handle.port}` };
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await connection?.close();
  await env?.teardown();
  await ledgerSql?.end();
  await database?.close();
});

const call = (path: string, method: string, body: unknown) =>
  fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

interface Measured {
  customer: string;
  dbRoundTrips: number;
  clientCalls: number;
  workflowTasks: number;
  activityTasks: number;
  localActivities: number;
  activityTypes: string[];
  markers: string[];
  history: string[];
  statements: string[];
  noise: string[];
  grpc: string[];
}

/**
 * The run's history up to and including the completion of the send of the first email: the step's
 * activity (ActivityTaskCompleted), or the marker of the send as a local activity.
 */
async function historyUntilSent(workflowId: string, step: string): Promise<HistoryEvent[]> {
  return eventually(async () => {
    const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const marker = events.findIndex((e) => localActivityType(e) === 'send');
    if (marker >= 0) return events.slice(0, marker + 1);
    const send = events.find(
      (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityId === step,
    );
    if (!send) return undefined;
    const done = events.findIndex(
      (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(send.eventId),
    );
    return done < 0 ? undefined : events.slice(0, done + 1);
  });
}

/** A journey's run has recorded its end: a run that ends right after its send would otherwise be counted with or without its end, as the two race. */
const runEnded = async (workflowId: string) => {
  await eventually(async () => {
    const [run] = await ledgerSql<{ status: string }[]>`select status from journey_runs where workflow_id = ${workflowId}`;
    return run && run.status !== 'running' ? run : undefined;
  });
};
/** An event posted for the customer, answered 202. */
const postEvent = (event: { type: string; properties: Record<string, unknown> }) => async (customer: string) =>
  expect((await call('/v1/events', 'POST', { id: `${customer}-${event.type}`, customerId: customer, ...event })).status).toBe(202);

/**
 * What a message costs: a new customer, then `post` for them, until the ledger row of `step` is
 * `sent` (and, with `settled`, until what it waits for after the send). `sentBy`: the activity id
 * of the send in the run's history, when it is not the step.
 */
async function measure(customer: string, post: (customer: string) => Promise<void>, step: string, opts: { settled?: (workflowId: string) => Promise<unknown>; sentBy?: string } = {}): Promise<Measured> {
  const put = await call(`/v1/customers/${customer}`, 'PUT', { email: `${customer}@example.com`, name: customer, timeZone: 'Europe/Moscow', consents: { email: true } });
  expect(put.status).toBe(201);

  const seen = (tally = { statements: [], noise: [], grpc: [] });
  await post(customer);
  const { workflow_id: workflowId } = await eventually(async () => {
    const [row] = await ledgerSql<{ status: string; workflow_id: string }[]>`select status, workflow_id from messages where customer_id = ${customer} and step = ${step}`;
    return row?.status === 'sent' ? row : undefined;
  });
  await opts.settled?.(workflowId);
  tally = undefined;

  const history = await historyUntilSent(workflowId, opts.sentBy ?? step);
  const of = (type: number) => history.filter((e) => e.eventType === type);
  const scheduled = of(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  const markers = of(EventType.EVENT_TYPE_MARKER_RECORDED).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  return {
    customer,
    dbRoundTrips: seen.statements.length,
    clientCalls: seen.grpc.length,
    workflowTasks: of(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    activityTasks: scheduled.length,
    localActivities: markers.length,
    markers: of(EventType.EVENT_TYPE_MARKER_RECORDED).map((e) => localActivityType(e) ?? e.markerRecordedEventAttributes?.markerName ?? '?'),
    history: history.map((e) => EventType[e.eventType!]!.replace(/^EVENT_TYPE_/, '')),
    activityTypes: scheduled.map((e) => `${e.activityTaskScheduledEventAttributes?.activityType?.name} (${e.activityTaskScheduledEventAttributes?.activityId})`),
    statements: seen.statements,
    noise: seen.noise,
    grpc: seen.grpc,
  };
}

type Budget = Pick<Measured, 'dbRoundTrips' | 'clientCalls' | 'workflowTasks' | 'activityTasks'>;

/** Prints what each measured run cost, and fails when the worst of them goes over `budget`. */
function holdTo(title: string, runs: Measured[], budget: Budget) {
  const max = (k: keyof Budget | 'localActivities') => Math.max(...runs.map((r) => r[k]));
  const worst = { dbRoundTrips: max('dbRoundTrips'), clientCalls: max('clientCalls'), workflowTasks: max('workflowTasks'), activityTasks: max('activityTasks'), localActivities: max('localActivities') };

  console.log(`\n${title}`);
  console.table([
    ...runs.map(({ customer, dbRoundTrips, clientCalls, workflowTasks, activityTasks, localActivities, noise }) => ({ customer, dbRoundTrips, clientCalls, workflowTasks, activityTasks, localActivities, noiseExcluded: noise.length })),
    { customer: 'max', ...worst, noiseExcluded: Math.max(...runs.map((r) => r.noise.length)) },
    { customer: 'budget', ...budget },
  ]);
  for (const r of runs) {
    console.log(`\n${r.customer}: ${r.dbRoundTrips} statements`);
    console.table(r.statements.map((s) => ({ sql: s.slice(0, 80) })));
    if (r.noise.length) console.log(`  excluded as background noise: ${r.noise.map((s) => s.slice(0, 80)).join(' | ')}`);
    console.log(`  gRPC from the API's client: ${r.grpc.join(', ') || 'none'}`);
    console.log(`  activity tasks, in order: ${r.activityTypes.join(' → ')}; local activities: ${r.localActivities}; markers: ${r.markers.join(', ') || 'none'}`);
    console.log(`  history up to the send: ${r.history.join(' ')}`);
  }

  expect(worst.dbRoundTrips).toBeLessThanOrEqual(budget.dbRoundTrips);
  expect(worst.clientCalls).toBeLessThanOrEqual(budget.clientCalls);
  expect(worst.workflowTasks).toBeLessThanOrEqual(budget.workflowTasks);
  expect(worst.activityTasks).toBeLessThanOrEqual(budget.activityTasks);
}

describe('the cost of one event', () => {
  const signUp = { type: 'customer.signed_up', properties: { from: 'app' } };
  it(`a sign-up stays within BUDGET over ${SIGNUPS} sign-ups, each measured alone`, async () => {
    // Not counted: the first sign-up of the process opens pooled connections and warms the worker.
    await measure('cost-warmup', postEvent(signUp), 'welcome-hello');
    const runs: Measured[] = [];
    for (let i = 1; i <= SIGNUPS; i++) runs.push(await measure(`cost-${i}`, postEvent(signUp), 'welcome-hello'));
    holdTo('Cost of one sign-up (POST /v1/events → first welcome email sent)', runs, BUDGET);
  });

  it(`an order's confirmation stays within ORDER_BUDGET over ${SIGNUPS} orders, each measured alone`, async () => {
    const runs: Measured[] = [];
    for (let i = 1; i <= SIGNUPS; i++) {
      runs.push(await measure(`cost-order-${i}`, postEvent({ type: 'order.placed', properties: { orderId: `A-${i}`, total: 990 } }), 'order-confirmation', { settled: runEnded }));
    }
    holdTo('Cost of one order (POST /v1/events → its confirmation email sent and the run ended)', runs, ORDER_BUDGET);
  });

  it(`a message through POST /v1/messages stays within MESSAGE_BUDGET over ${SIGNUPS} messages, each measured alone`, async () => {
    const message = async (customer: string) => {
      const body = { customerId: customer, template: 'order-confirmation', channel: 'email', data: { event: { orderId: 'M-1' } }, idempotencyKey: `${customer}-receipt`, category: 'transactional' };
      expect((await call('/v1/messages', 'POST', body)).status).toBe(202);
    };
    const ended = (workflowId: string) => env.client.workflow.getHandle(workflowId).result();
    const runs: Measured[] = [];
    // The send is the apiMessage run's activity named for its channel.
    for (let i = 1; i <= SIGNUPS; i++) runs.push(await measure(`cost-message-${i}`, message, 'order-confirmation', { settled: ended, sentBy: 'email' }));
    holdTo('Cost of one message (POST /v1/messages → the email sent and its workflow ended)', runs, MESSAGE_BUDGET);
  });
});
