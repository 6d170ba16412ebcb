/**
 * docs/capacity.md's model checked where this machine cannot scale out: the production topology
 * (topology/start.ts: the Go-built Temporal server on a durable Postgres) with 2 API processes and 2
 * workers, then 4 and 2, each Cascade process pinned with `taskset` (the APIs to one core, the
 * workers to the other) so the share of the 2 cores each role had is known. Temporal, Postgres and
 * this load generator are not pinned: they float over both cores. Per shape: a bare signalWithStart
 * loop (the raw limit of this run), then sign-ups posted to POST /v1/events round-robin over the
 * APIs until every welcome email is `sent` (bench/events.ts, as ingest-fresh measures it); the CPU
 * each process spent, Postgres's commits and WAL, and the Temporal actions the runs' histories hold,
 * per sign-up. Then the bytes a stored row takes, from 100k copies of rows the run wrote.
 *
 *   npm run bench:capacity                                   # writes bench/results/capacity.json and docs/capacity.md's table
 *   BENCH_CAPACITY_SIGNUPS=600 npm run bench:capacity        # fewer sign-ups a shape (default 1,500)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import postgres from 'postgres';
import { openDatabase, type Db } from '../db/client';
import { parseCommandLine } from '../lib/cli';
import { startTopology, type Topology } from '../topology/start';
import { TEMPORAL_SERVER_VERSION } from '../topology/temporal-build';
import { postEvent, runsOf, seedCustomers, waitRouted, waitSent, type Api } from './events';
import { loadAverage, machine } from './machine';
import { percentiles, pool } from './measure';
import { processTree, startApiProcess, startWorkerProcess, type CascadeProcess } from './processes';
import { bareSignUps } from './raw';
import { waitQuiet } from './rounds';

const SHAPES = [
  { apis: 2, workers: 2 },
  { apis: 4, workers: 2 },
];
const API_CPUS = '0';
const WORKER_CPUS = '1';
const SIGNUPS = Number(process.env.BENCH_CAPACITY_SIGNUPS ?? 1500);
const CONCURRENCY = 32;
const DRAIN_MS = 300_000;
const SIZE_ROWS = Number(process.env.BENCH_CAPACITY_SIZE_ROWS ?? 100_000);
const TASK_QUEUE = 'cascade';
const RESULT = 'bench/results/capacity.json';
const DOC = 'docs/capacity.md';

/**
 * The model's coefficients for a sign-up, read from what earlier runs recorded (never from this
 * run): docs/capacity.md names each. A sign-up costs Temporal 1 signalWithStart, 2 workflow tasks
 * and 1 activity task (test/cost.test.ts BUDGET): four history writes against a bare loop's one.
 */
export function priorCoefficients() {
  const read = (name: string) => JSON.parse(readFileSync(`bench/results/${name}.json`, 'utf8'));
  const production = read('production');
  const embedded = read('embedded');
  const fresh = production.sections['ingest-fresh'];
  const profile = embedded.sections.profile;
  const busyMs = profile.apiCpu.totalMs - profile.apiCpu.byOwner.find(([owner]: [string]) => owner === '(idle)')[1];
  return {
    routedPerApiProcess: fresh.cascade.routedPerSecond as number,
    apiCpuMsPerRoutedEvent: Number((busyMs / profile.ingest.customers).toFixed(1)),
    bareSignalWithStartPerSecond: fresh.bareSignalWithStartPerSecond as number,
    temporalWritesPerSignUp: 4,
    sources: {
      routedPerApiProcess: `bench/results/production.json ingest-fresh (${production.date.slice(0, 10)}): one API process, 32 in flight`,
      apiCpuMsPerRoutedEvent: `bench/results/embedded.json profile: API CPU not idle over ${profile.ingest.customers} sign-ups`,
      bareSignalWithStartPerSecond: `bench/results/production.json ingest-fresh: bare loop, 8 history shards`,
      temporalWritesPerSignUp: 'test/cost.test.ts BUDGET: 1 signalWithStart + 2 workflow tasks + 1 activity task',
    },
  };
}
type Coefficients = ReturnType<typeof priorCoefficients>;

/**
 * Sign-ups a second to sent email for `apis` API processes sharing one core: the smaller of routing
 * (each router's rate, at most one core's worth of API CPU) and Temporal (its raw signalWithStart
 * rate over the writes a sign-up costs it). Workers do not appear: no earlier run isolated them.
 */
export function predict(apis: number, c: Coefficients, bareSignalWithStartPerSecond = c.bareSignalWithStartPerSecond) {
  const routing = Math.min(apis * c.routedPerApiProcess, 1000 / c.apiCpuMsPerRoutedEvent);
  const temporal = bareSignalWithStartPerSecond / c.temporalWritesPerSignUp;
  return { routingBound: Math.round(routing), temporalBound: Math.round(temporal), sentPerSecond: Math.round(Math.min(routing, temporal)), bound: routing < temporal ? 'routing' : 'Temporal' };
}

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** CPU time (user + system, all threads) a process has used, ms. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of each core, from /proc/stat. */
function coreTimes(): Record<string, { busy: number; total: number }> {
  const out: Record<string, { busy: number; total: number }> = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!.split(/\s+/).map(Number);
    const idle = v[3]! + v[4]!;
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    out[m[1]!] = { busy: total - idle, total };
  }
  return out;
}

interface Roles {
  api: number[];
  worker: number[];
  temporal: number[];
  postgres: number[];
}

function cpuOfRoles(roles: Roles): Record<keyof Roles | 'loadGenerator', number> {
  const sum = (pids: number[]) => pids.reduce((a, p) => a + cpuMs(p), 0);
  const self = process.cpuUsage();
  return { api: sum(roles.api), worker: sum(roles.worker), temporal: sum(roles.temporal), postgres: sum(roles.postgres), loadGenerator: (self.user + self.system) / 1000 };
}

/** What Postgres did, cluster-wide and per database: commits, rows written, WAL, sizes. */
async function pgCounters(admin: postgres.Sql) {
  const [wal] = await admin<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
  const dbs = await admin<{ datname: string; commits: number; written: number; bytes: number }[]>`
    select datname, xact_commit::float8 as commits, (tup_inserted + tup_updated + tup_deleted)::float8 as written, pg_database_size(datname)::float8 as bytes
    from pg_stat_database where datname in ('cascade', 'temporal', 'temporal_visibility')`;
  return { lsn: wal!.lsn, dbs: Object.fromEntries(dbs.map((d) => [d.datname, d])) };
}

const { EventType } = proto.temporal.api.enums.v1;

/**
 * Temporal Cloud's billable actions in a run's history, by https://docs.temporal.io/cloud/actions:
 * a start (a signalWithStart is one action with its signal), each further signal, each activity
 * scheduled, each timer, each search-attribute upsert, and the local activities of one workflow
 * task as one.
 */
async function actionsOf(client: Client, workflowId: string): Promise<Record<string, number>> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const count = (t: number) => events.filter((e) => e.eventType === t).length;
  const localActivityTasks = new Set(
    events
      .filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      .map((e) => String(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId)),
  );
  const counted = {
    start: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
    signals: Math.max(0, count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) - 1),
    activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    timers: count(EventType.EVENT_TYPE_TIMER_STARTED),
    searchAttributeUpserts: count(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
    localActivityTasks: localActivityTasks.size,
  };
  return { ...counted, total: Object.values(counted).reduce((a, b) => a + b, 0), historyEvents: events.length };
}

interface Stack {
  topology: Topology;
  db: Db;
  close(): Promise<void>;
  admin: postgres.Sql;
  client: Client;
  apis: Api[];
  roles: Roles;
}

async function startShape(shape: { apis: number; workers: number }): Promise<Stack> {
  const topology = await startTopology({ workers: 0, api: false, log: (line) => console.error(`capacity: topology ${line}`) });
  const stops: Array<() => Promise<unknown>> = [() => topology.stop()];
  try {
    const database = await openDatabase({ url: topology.databaseUrl, max: 20 });
    stops.push(() => database.close());
    const env = { ...topology.cascadeEnv, DATABASE_URL: topology.databaseUrl, TEMPORAL_ADDRESS: topology.temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, LOG_LEVEL: 'warn', CASCADE_RATE_LIMIT: 'off' };
    const cascade: CascadeProcess[] = [];
    stops.push(() => Promise.all(cascade.map((p) => p.stop())));
    const workers = await Promise.all(Array.from({ length: shape.workers }, () => startWorkerProcess(env, { cpus: WORKER_CPUS }).then((w) => (cascade.push(w), w))));
    const apis = await Promise.all(Array.from({ length: shape.apis }, () => startApiProcess(env, { cpus: API_CPUS }).then((a) => (cascade.push(a), a))));
    const admin = postgres(topology.postgresUrl, { max: 1, onnotice: () => {} });
    stops.push(() => admin.end());
    const [backend] = await admin<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const stat = readFileSync(`/proc/${backend!.pid}/stat`, 'utf8');
    const postmaster = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const connection = await Connection.connect({ address: topology.temporal.address });
    stops.push(() => connection.close());
    return {
      topology,
      db: database.db,
      admin,
      client: new Client({ connection, namespace: topology.temporal.namespace }),
      apis,
      // Postgres's backends come and go with pools: read the tree at each reading.
      get roles() {
        return { api: apis.map((a) => a.pid), worker: workers.map((w) => w.pid), temporal: [topology.temporal.process.pid], postgres: processTree(postmaster) };
      },
      close: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => {});
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw err;
  }
}

/** Sign-ups posted round-robin over the APIs, timed until every welcome email is sent; what each role spent on them. */
async function signUps(stack: Stack, tag: string, n: number) {
  const customerPrefix = `${tag}-c-`;
  const eventPrefix = `${tag}-e-`;
  const customers = await seedCustomers(stack.db, customerPrefix, n);
  const events = customers.map((c) => ({ id: `${eventPrefix}${c}`, customerId: c, type: 'customer.signed_up' }));
  const deadline = Date.now() + DRAIN_MS;
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;

  const cpu0 = cpuOfRoles(stack.roles);
  const cores0 = coreTimes();
  const pg0 = await pgCounters(stack.admin);
  const t0 = performance.now();
  const posted = await pool(events, CONCURRENCY, async (event) => {
    const answer = await postEvent(stack.apis[next++ % stack.apis.length]!, event);
    latencies.push(answer.ms);
    if (answer.status !== 202) failed++;
  });
  const answeredSeconds = (performance.now() - t0) / 1000;
  const routedAt = await waitRouted(stack.db, eventPrefix, posted - failed, deadline);
  const sentAt = await waitSent(stack.db, 'welcome-hello', customerPrefix, posted - failed, deadline);
  const cpu1 = cpuOfRoles(stack.roles);
  const cores1 = coreTimes();
  const pg1 = await pgCounters(stack.admin);
  const seconds = ((sentAt ?? performance.now()) - t0) / 1000;
  const done = posted - failed;

  const perEvent = (x: number) => Number((x / done).toFixed(1));
  const cpuMsPerSignUp = Object.fromEntries(Object.entries(cpu1).map(([role, ms]) => [role, perEvent(ms - cpu0[role as keyof typeof cpu0])]));
  const coreBusyShare = Object.fromEntries(Object.keys(cores1).map((c) => [c, Number(((cores1[c]!.busy - cores0[c]!.busy) / (cores1[c]!.total - cores0[c]!.total)).toFixed(2))]));
  const [wal] = await stack.admin<{ bytes: number }[]>`select pg_wal_lsn_diff(${pg1.lsn}, ${pg0.lsn})::float8 as bytes`;
  const perDb = Object.fromEntries(
    Object.keys(pg1.dbs).map((name) => [
      name,
      { commits: perEvent(pg1.dbs[name]!.commits - pg0.dbs[name]!.commits), rowsWritten: perEvent(pg1.dbs[name]!.written - pg0.dbs[name]!.written), bytesGrown: Math.round((pg1.dbs[name]!.bytes - pg0.dbs[name]!.bytes) / done) },
    ]),
  );
  await waitQuiet(stack.client, await runsOf(stack.db, customerPrefix), deadline);
  return {
    posted,
    failed,
    allSent: sentAt !== undefined,
    answeredPerSecond: Math.round(posted / answeredSeconds),
    routedPerSecond: routedAt === undefined ? undefined : Math.round(done / ((routedAt - t0) / 1000)),
    sentPerSecond: sentAt === undefined ? undefined : Math.round(done / seconds),
    answerLatencyMs: percentiles(latencies),
    seconds: Number(seconds.toFixed(1)),
    cpuMsPerSignUp,
    coreBusyShare,
    postgresPerSignUp: { walBytes: Math.round(wal!.bytes / done), ...perDb },
    customerPrefix,
  };
}

async function runShape(shape: { apis: number; workers: number }, c: Coefficients, tag: string) {
  const loadAverageBefore = loadAverage();
  const started = performance.now();
  const stack = await startShape(shape);
  try {
    // Not measured: opens every process's pools, warms the JIT and the workers' caches.
    await signUps(stack, `${tag}-warm`, 25 * shape.apis);
    const bare = await bareSignUps(stack.client, Array.from({ length: SIGNUPS }, (_, i) => `${tag}-raw-${i}`), CONCURRENCY, `${tag}-raw-e-`);
    const measured = await signUps(stack, tag, SIGNUPS);
    const sample = (await runsOf(stack.db, measured.customerPrefix)).slice(0, 20);
    const actions = await Promise.all(sample.map((id) => actionsOf(stack.client, id)));
    const actionsPerRun = Object.fromEntries(Object.keys(actions[0] ?? {}).map((k) => [k, Math.max(...actions.map((a) => a[k]!))]));
    return {
      shape: `${shape.apis} API processes (cpu ${API_CPUS}) + ${shape.workers} workers (cpu ${WORKER_CPUS})`,
      ...shape,
      historyShards: stack.topology.temporal.historyShards,
      bareSignalWithStartPerSecond: bare.perSecond,
      predicted: predict(shape.apis, c),
      predictedWithThisRunsRaw: predict(shape.apis, c, bare.perSecond),
      measured,
      actionsPerRunToFirstSleep: actionsPerRun,
      loadAverageBefore,
      loadAverageAfter: loadAverage(),
      seconds: Math.round((performance.now() - started) / 1000),
      stack,
    };
  } catch (err) {
    await stack.close();
    throw err;
  }
}

/**
 * Bytes a stored row takes with its indexes and TOAST, from SIZE_ROWS copies of rows the run
 * wrote (the welcome email's ledger row with its body, its run) and of events shaped as stated
 * (an order, a page view), each over SIZE_ROWS customers of its own: the growth of the table's
 * partitions over the count.
 */
async function rowBytes(stack: Stack, customerPrefix: string, tag: string) {
  const cascade = postgres(stack.topology.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const size = async (table: string) => {
      // pg_partition_tree lists nothing for a table that is not partitioned: then the table itself.
      const [row] = await cascade<{ bytes: number }[]>`
        select coalesce((select sum(pg_total_relation_size(relid)) from pg_partition_tree(${table}::regclass) where isleaf), pg_total_relation_size(${table}::regclass))::float8 as bytes`;
      return row!.bytes;
    };
    const columns = async (table: string) =>
      (await cascade<{ name: string }[]>`
        select column_name as name from information_schema.columns
        where table_schema = 'public' and table_name = ${table} and is_identity = 'NO' and coalesce(column_default, '') not like 'nextval%'`).map((r) => r.name);
    /** Inserts SIZE_ROWS copies of the row `template` picks, `overrides` (SQL of `g`, 1..SIZE_ROWS) replacing columns; bytes per row grown. */
    const copies = async (table: string, template: string, overrides: Record<string, string>) => {
      const cols = await columns(table);
      const before = await size(table);
      await cascade.unsafe(`
        insert into ${table} (${cols.map((c) => `"${c}"`).join(', ')})
        select ${cols.map((c) => overrides[c] ?? `t."${c}"`).join(', ')}
        from generate_series(1, ${SIZE_ROWS}) g cross join (${template} limit 1) t`);
      return Math.round(((await size(table)) - before) / SIZE_ROWS);
    };
    // seedCustomers numbers from 0, the copies from 1.
    const customer = `'${tag}-c-' || (g - 1)`;
    const at = `now() - (g || ' ms')::interval`;
    const customersBefore = await size('customers');
    await seedCustomers(stack.db, `${tag}-c-`, SIZE_ROWS, { consent: false });
    const customerBytes = Math.round(((await size('customers')) - customersBefore) / SIZE_ROWS);
    const hasKind = (await columns('events')).includes('kind');
    const kind = (k: string): Record<string, string> => (hasKind ? { kind: `'${k}'` } : {});
    const routedEvent = await copies('events', `select * from events where customer_id like '${customerPrefix}%' and routed_to is not null`, {
      id: `'${tag}-order-' || g`,
      customer_id: customer,
      type: `'order.placed'`,
      properties: `jsonb_build_object('orderId', 'A-' || (1000000 + g), 'total', 15980, 'currency', 'RUB', 'items', 2)`,
      occurred_at: at,
      received_at: at,
      routed_at: `${at} + interval '50 ms'`,
      ...kind('routed'),
    });
    const inertEvent = await copies('events', `select * from events where customer_id like '${customerPrefix}%'`, {
      id: `'${tag}-view-' || g`,
      customer_id: customer,
      type: `'product.viewed'`,
      properties: `jsonb_build_object('productId', 'SKU-' || (100000 + g % 5000), 'category', 'tyres/winter', 'price', 7490, 'url', 'https://shop.example/p/SKU-' || (100000 + g % 5000))`,
      occurred_at: at,
      received_at: at,
      routed_at: at,
      routed_to: 'null',
      ...kind('inert'),
    });
    const message = (prefix: string, withBody: boolean) =>
      copies('messages', `select * from messages where customer_id like '${customerPrefix}%' and status = 'sent'`, {
        idempotency_key: `'${tag}-${prefix}-' || g`,
        customer_id: customer,
        workflow_id: `'welcome/' || ${customer}`,
        provider_message_id: `md5('${prefix}' || g)::uuid::text`,
        requested_at: at,
        created_at: at,
        updated_at: at,
        ...(withBody ? { recipient: `${customer} || '@example.com'` } : { recipient: 'null', subject: 'null', body: 'null' }),
      });
    const messageWithBody = await message('m', true);
    const messageWithoutBody = await message('n', false);
    const run = await copies('journey_runs', `select * from journey_runs where customer_id like '${customerPrefix}%'`, {
      run_id: `md5('run' || g)::uuid::text`,
      workflow_id: `'welcome/' || ${customer}`,
      customer_id: customer,
      trigger_event_id: `'${tag}-signup-' || g`,
      started_at: at,
    });
    const [body] = await cascade<{ bytes: number }[]>`
      select avg(pg_column_size(body))::float8 as bytes from messages where customer_id like ${`${customerPrefix}%`} and status = 'sent'`;
    return {
      rows: SIZE_ROWS,
      method: 'growth of pg_total_relation_size (table, indexes, TOAST; all leaf partitions) over the inserted copies',
      eventsPartitioned: hasKind,
      bytesPerRow: { customer: customerBytes, routedEvent, inertEvent, messageWithBody, messageWithoutBody, journeyRun: run },
      welcomeBodyStoredBytes: Math.round(body!.bytes),
    };
  } finally {
    await cascade.end();
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the shapes' results, read back as the JSON they are written as */
/** The results as docs/capacity.md's table, between its markers. */
function table(result: { date: string; shapes: Array<Record<string, any>> }): string {
  const lines = [
    `Measured ${result.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:capacity\` (bench/results/capacity.json).`,
    '',
    '| Shape | Load avg before→after | Bare signalWithStart/s | Predicted sent/s (bound) | Predicted with this run\'s raw | Measured sent/s | Routed/s | CPU ms per sign-up: API / worker / Temporal / Postgres / load gen | Core busy: cpu0 / cpu1 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of result.shapes) {
    if (s.error) {
      lines.push(`| ${s.shape} | | | | | not measured: ${s.error} | | | |`);
      continue;
    }
    const m = s.measured;
    const c = m.cpuMsPerSignUp;
    lines.push(
      `| ${s.shape} | ${s.loadAverageBefore}→${s.loadAverageAfter} | ${s.bareSignalWithStartPerSecond} | ${s.predicted.sentPerSecond} (${s.predicted.bound}) | ${s.predictedWithThisRunsRaw.sentPerSecond} | ${m.sentPerSecond ?? 'not all sent'} | ${m.routedPerSecond} | ${c.api} / ${c.worker} / ${c.temporal} / ${c.postgres} / ${c.loadGenerator} | ${m.coreBusyShare.cpu0} / ${m.coreBusyShare.cpu1} |`,
    );
  }
  return lines.join('\n');
}

const START = '<!-- capacity:table:start (written by npm run bench:capacity; edit around it) -->';
const END = '<!-- capacity:table:end -->';

function writeDocTable(markdown: string, block: string): string {
  const from = markdown.indexOf(START);
  const to = markdown.indexOf(END);
  if (from === -1 || to === -1) return `${markdown.trimEnd()}\n\n${START}\n${block}\n${END}\n`;
  return `${markdown.slice(0, from)}${START}\n${block}\n${END}${markdown.slice(to + END.length)}`;
}

async function main() {
  const coefficients = priorCoefficients();
  const tag = `cap${Date.now().toString(36)}`;
  const result = {
    name: 'capacity',
    date: new Date().toISOString(),
    machine: machine(),
    temporal: `Temporal server ${TEMPORAL_SERVER_VERSION} (Go build) on Postgres`,
    signUpsPerShape: SIGNUPS,
    concurrency: CONCURRENCY,
    pinning: { api: `taskset -c ${API_CPUS}`, worker: `taskset -c ${WORKER_CPUS}`, temporalPostgresLoadGenerator: 'not pinned (both cores)' },
    loadAverageBefore: loadAverage(),
    loadAverageAfter: 0,
    coefficients,
    shapes: [] as Array<Record<string, unknown>>,
    storage: undefined as unknown,
  };
  const save = () => writeFileSync(RESULT, `${JSON.stringify(result, null, 2)}\n`);
  for (const [i, shape] of SHAPES.entries()) {
    console.error(`capacity: ${shape.apis} APIs + ${shape.workers} workers…`);
    try {
      const { stack, ...measured } = await runShape(shape, coefficients, `${tag}s${i}`);
      try {
        result.shapes.push(measured);
        save();
        if (i === SHAPES.length - 1) {
          console.error('capacity: bytes per row…');
          result.storage = await rowBytes(stack, measured.measured.customerPrefix, `${tag}size`);
        }
      } finally {
        await stack.close();
      }
    } catch (err) {
      console.error(`capacity: shape failed:`, err);
      result.shapes.push({ ...shape, shape: `${shape.apis} API processes + ${shape.workers} workers`, error: err instanceof Error ? err.message : String(err) });
    }
    save();
  }
  result.loadAverageAfter = loadAverage();
  save();
  writeFileSync(DOC, writeDocTable(readFileSync(DOC, 'utf8'), table(result)));
  console.log(table(result));
  console.log(JSON.stringify(result.storage, null, 2));
}

parseCommandLine(
  `usage: npm run bench:capacity
  Runs the production topology with 2, then 4, API processes and 2 workers, each pinned to a core
  with taskset, posts sign-ups until their welcome emails are sent, and writes what each role spent
  beside the capacity model's prediction: bench/results/capacity.json and the table in
  docs/capacity.md. BENCH_CAPACITY_SIGNUPS (default 1500) and BENCH_CAPACITY_SIZE_ROWS (100000) set
  the counts. It takes no arguments.`,
  {},
);
await main();
