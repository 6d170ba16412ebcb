/**
 * Stored events at size (issue 21, "Retention and partitions"): whether what ingest and the router
 * do every moment costs the same beside ten million stored events as beside none, and whether
 * retention drops a month in under a second.
 *
 * Two databases on the bench's Postgres server, both migrated: one holding `events` stored fast in
 * SQL (six months of received_at, evenly spread, a tenth page views (`inert`), the rest routed, over
 * a few thousand customers; then VACUUM ANALYZE), and one empty. Then, interleaved pairs (which
 * database goes first alternates):
 * - acceptance: page views posted to an API process of each database, as bench/acceptance.ts posts
 *   them; full over empty events/s;
 * - ingest's store write (routing/store-events.ts `storeEvents`, STORE_BATCH page views, rolled back);
 * - the router's claim (outbox/claim.ts `claimDue`, a batch of the router's size) with OWED unrouted
 *   events on each, each claim rolled back so every one finds the same rows; and the backlog gauges'
 *   read (metrics/database-gauges.ts `readDatabaseGauges`); TRIES a round on each database, one by
 *   one in turn, their medians; empty ms over full ms, with each statement's EXPLAIN (ANALYZE,
 *   BUFFERS) on each database.
 * Last, `dropMonth` (retention/months.ts) of the oldest whole month of the full database.
 *
 *   BENCH_ONLY=stored-events BENCH_STORED_EVENTS=1000000 npm run bench -- --topology embedded
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { openDatabase, reservedConnection, type Db } from '../db/client';
import * as schema from '../db/schema';
import { readDatabaseGauges } from '../metrics/database-gauges';
import { claimDue } from '../outbox/claim';
import { dropMonth, listMonths, MONTHLY_KINDS } from '../retention/months';
import { DEFAULT_ROUTER, eventsTable } from '../routing/router';
import { storeEvents } from '../routing/store-events';
import { acceptPhase } from './acceptance';
import { seedCustomers } from './events';
import { startApiProcess } from './processes';
import { interleave, middle, ratioOfRounds } from './rounds';
import type { BenchStack } from './stack';

/** A 10 % goal on a shared box wants more pairs than the bench's usual three; a phase here takes seconds. */
const PAIRS = 7;
const CUSTOMERS = 3_000;
/** Unrouted events waiting on each database while the claim is timed: ten router batches. */
const OWED = 2_000;
/** Claims (and gauge reads) a round on each database, their median its figure: one takes milliseconds. */
const TRIES = 25;
/** Page views a timed store write carries: about what group commit gathers at the acceptance row's 64 in flight. */
const STORE_BATCH = 64;
/** Rows a fill statement inserts: one statement per chunk, so the log shows it advance. */
const CHUNK = 1_000_000;

interface Statement {
  query: string;
  params: unknown[];
}

/** A database of the bench's server: migrated (openDatabase), plus one connection that keeps the statements it sends, to EXPLAIN them. */
async function openBenchDatabase(pgUrl: string, name: string) {
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.href, max: 4 });
  const sent: Statement[] = [];
  const client = postgres(url.href, { max: 1, onnotice: () => {}, debug: (_conn, query, params) => void sent.push({ query, params: params as unknown[] }) });
  return {
    name,
    url: url.href,
    db: database.db,
    /** One connection: claims and gauge reads timed on it, and their statements kept in `sent`. */
    timed: drizzle(client, { schema }) as unknown as Db,
    sent,
    close: async () => (await client.end(), await database.close()),
  };
}
type BenchDatabase = Awaited<ReturnType<typeof openBenchDatabase>>;

/**
 * `n` events over the six months before now, evenly: every tenth a page view (`inert`), the rest
 * routed (`routed_to` empty), on CUSTOMERS customers; each month's partitions made first. Then
 * VACUUM ANALYZE, as autovacuum would have left a table that grew over months.
 */
async function fill(db: Db, n: number, log: (line: string) => void): Promise<void> {
  const now = new Date();
  const start = new Date(now);
  start.setUTCMonth(start.getUTCMonth() - 6);
  for (const kind of MONTHLY_KINDS) {
    for (let back = 0; back <= 6; back++) {
      await db.execute(sql`select cascade_event_partition(${kind}, ${new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString()}::timestamptz)`);
    }
  }
  const stepSeconds = (now.getTime() - start.getTime()) / 1000 / Math.max(1, n);
  const t0 = performance.now();
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK) - 1;
    await db.execute(sql`
      insert into events (id, kind, customer_id, type, properties, occurred_at, received_at, routed_at, routed_to)
      select 'se-ev-' || i, case when i % 10 = 0 then 'inert' else 'routed' end, 'se-' || (i % ${CUSTOMERS}),
        case when i % 10 = 0 then 'product.viewed' else 'order.placed' end, '{"category": "tyres"}'::jsonb, t, t, t, '[]'::jsonb
      from generate_series(${from}::int, ${to}::int) as i,
        lateral (select ${start.toISOString()}::timestamptz + make_interval(secs => i * ${stepSeconds}::float8) as t) as at`);
    log(`${(to + 1).toLocaleString('en-US')} of ${n.toLocaleString('en-US')} stored (${Math.round((to + 1) / ((performance.now() - t0) / 1000)).toLocaleString('en-US')}/s)`);
  }
}

/** Every leaf of `events`: how many, their rows as the statistics count them, and their size with indexes. */
async function sizeOf(db: Db) {
  const [row] = (await db.execute(sql`
    select count(*)::int as leaves, coalesce(sum(c.reltuples) filter (where c.reltuples > 0), 0)::bigint as rows,
      sum(pg_total_relation_size(t.relid))::bigint as bytes, sum(pg_indexes_size(t.relid))::bigint as index_bytes
    from pg_partition_tree('events') t join pg_class c on c.oid = t.relid where t.isleaf`)) as unknown as Array<{ leaves: number; rows: string; bytes: string; index_bytes: string }>;
  const mib = (bytes: string) => Math.round(Number(bytes) / 2 ** 20);
  return { leaves: row!.leaves, estimatedRows: Number(row!.rows), totalMiB: mib(row!.bytes), indexMiB: mib(row!.index_bytes) };
}

/** The milliseconds `fn` itself takes, in a transaction rolled back after it: nothing it writes stays. */
async function timedRolledBack(db: Db, fn: (tx: Db) => Promise<unknown>): Promise<number> {
  let ms = NaN;
  await db
    .transaction(async (tx) => {
      const t0 = performance.now();
      await fn(tx as unknown as Db);
      ms = performance.now() - t0;
      tx.rollback();
    })
    .catch((err: unknown) => {
      if (Number.isNaN(ms)) throw err;
    });
  return ms;
}

/** One write of STORE_BATCH page views as ingest makes it (`storeEvents`: one statement), rolled back, so every one stores the same ids. */
const storeMs = (d: BenchDatabase) =>
  timedRolledBack(d.timed, async (tx) => {
    const views = Array.from({ length: STORE_BATCH }, (_, i) => ({ id: `se-store-${i}`, customerId: `se-${i}`, type: 'product.viewed', properties: { category: 'tyres' }, occurredAt: new Date() }));
    const stored = await storeEvents(tx, views);
    if (stored.some((s) => s.kind !== 'stored')) throw new Error(`a page view on ${d.name} was not stored`);
  });

/** One claim of the router's batch, as the router issues it, rolled back. */
const claimMs = (d: BenchDatabase) =>
  timedRolledBack(d.timed, async (tx) => {
    const rows = await claimDue(tx, eventsTable, { limit: DEFAULT_ROUTER.batch, leaseMs: DEFAULT_ROUTER.leaseMs });
    if (rows.length !== Math.min(DEFAULT_ROUTER.batch, OWED)) throw new Error(`the claim on ${d.name} took ${rows.length} rows, not ${DEFAULT_ROUTER.batch}`);
  });

/** One read of the backlog gauges, as a scrape of /metrics makes it past the gauges' cache. */
async function gaugeMs(d: BenchDatabase): Promise<number> {
  const t0 = performance.now();
  const { unrouted: backlog } = await readDatabaseGauges(d.timed);
  const ms = performance.now() - t0;
  if (backlog !== OWED) throw new Error(`the backlog gauge on ${d.name} read ${backlog}, not ${OWED}`);
  return ms;
}

/** Both sides of a pair, the empty one first in even rounds and the full one in odd: neither always runs in the other's wake. */
async function inTurn<T>(round: number, empty: () => Promise<T>, full: () => Promise<T>): Promise<{ empty: T; full: T }> {
  if (round % 2 === 0) {
    const e = await empty();
    return { empty: e, full: await full() };
  }
  const f = await full();
  return { empty: await empty(), full: f };
}

/** TRIES of `once` on each database, one by one in turn (a moment of load falls on both): each side's median ms. */
async function mediansInTurn(empty: () => Promise<number>, full: () => Promise<number>): Promise<{ empty: number; full: number }> {
  const times = { empty: [] as number[], full: [] as number[] };
  for (let i = 0; i < TRIES; i++) {
    const t = await inTurn(i, empty, full);
    times.empty.push(t.empty);
    times.full.push(t.full);
  }
  return { empty: Number(middle(times.empty).toFixed(2)), full: Number(middle(times.full).toFixed(2)) };
}

/** The last statement `d.timed` sent that `pick` matches, EXPLAIN (ANALYZE, BUFFERS)ed in a transaction rolled back. */
async function explain(d: BenchDatabase, pick: (query: string) => boolean) {
  const statement = d.sent.filter((s) => pick(s.query)).at(-1);
  if (!statement) return undefined;
  const lines = await reservedConnection(d.db, async (conn) => {
    await conn`begin`;
    try {
      const rows = await conn.unsafe<Array<{ 'QUERY PLAN': string }>>(`explain (analyze, buffers) ${statement.query}`, statement.params as never[]);
      return rows.map((r) => r['QUERY PLAN']);
    } finally {
      await conn`rollback`;
    }
  });
  // The first Buffers line is the top node's: all the statement read.
  const buffers = /Buffers: shared hit=(\d+)(?: read=(\d+))?/.exec(lines.find((l) => l.includes('Buffers:')) ?? '');
  // Each scan that ran: the leaf, and the index it went through.
  const scans = lines.flatMap((l) => {
    const m = /Scan (?:using (\w+) )?on (events_\w+)/.exec(l);
    return m && !l.includes('never executed') ? [`${m[2]} ${m[1] ?? 'seq scan'}`] : [];
  });
  return { sharedHit: Number(buffers?.[1] ?? 0), sharedRead: Number(buffers?.[2] ?? 0), scans, plan: lines };
}

const isStore = (q: string) => q.includes('jsonb_to_recordset');
const isClaim = (q: string) => q.startsWith('update "events"');
const isGauge = (q: string) => q.startsWith('select count(*)') && q.includes('"routed_at" is null');

export async function benchStoredEvents(stack: BenchStack, opts: { events: number; acceptanceEvents: number; deadline: number }): Promise<Record<string, unknown>> {
  const log = (line: string) => console.error(`bench: stored-events: ${line}`);
  const names = ['bench_stored_empty', 'bench_stored_full'] as const;
  for (const name of names) {
    await stack.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
    await stack.db.execute(sql.raw(`create database ${name}`));
  }
  const [empty, full] = [await openBenchDatabase(stack.pgUrl, names[0]), await openBenchDatabase(stack.pgUrl, names[1])];
  try {
    for (const d of [empty, full]) await seedCustomers(d.db, 'se-', CUSTOMERS, { consent: false });
    const t0 = performance.now();
    await fill(full.db, opts.events, log);
    const fillMs = performance.now() - t0;
    const t1 = performance.now();
    for (const d of [empty, full]) await d.db.execute(sql`vacuum analyze`);
    const vacuumSeconds = Math.round((performance.now() - t1) / 1000);
    const size = await sizeOf(full.db);
    log(`${opts.events.toLocaleString('en-US')} stored in ${Math.round(fillMs / 1000)} s (vacuum analyze ${vacuumSeconds} s): ${size.totalMiB} MiB in ${size.leaves} leaves`);

    const acceptance = await acceptanceRounds(stack, empty, full, opts);
    const statements = await statementRounds(empty, full, opts.deadline);

    // The oldest whole month: six months back is partly filled, this one still growing.
    const month = (await listMonths(full.db)).filter((m) => m.kind === 'routed')[1]!;
    const [counted] = (await full.db.execute(sql`select count(*)::int as n, pg_total_relation_size(${month.table}::regclass)::bigint as bytes from ${sql.identifier(month.table)}`)) as unknown as Array<{ n: number; bytes: string }>;
    const t2 = performance.now();
    await dropMonth(full.db, month);
    const dropMonthMs = Math.round(performance.now() - t2);
    log(`dropped ${month.table} (${counted!.n} rows) in ${dropMonthMs} ms`);

    return {
      storedEvents: opts.events,
      customers: CUSTOMERS,
      fillSeconds: Math.round(fillMs / 1000),
      fillPerSecond: Math.round(opts.events / (fillMs / 1000)),
      vacuumAnalyzeSeconds: vacuumSeconds,
      size,
      acceptance,
      statements,
      dropMonth: { table: month.table, rows: counted!.n, MiB: Math.round(Number(counted!.bytes) / 2 ** 20), ms: dropMonthMs },
    };
  } finally {
    await empty.close();
    await full.close();
    for (const name of names) await stack.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
  }
}

/** Page views to an API process on each database, interleaved: full over empty events/s. */
async function acceptanceRounds(stack: BenchStack, empty: BenchDatabase, full: BenchDatabase, opts: { acceptanceEvents: number; deadline: number }) {
  const perRound = Math.max(200, Math.floor(opts.acceptanceEvents / PAIRS));
  const pageViews = (prefix: string, n = perRound) =>
    Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, customerId: `se-${i % CUSTOMERS}`, type: 'product.viewed', properties: { category: 'tyres' } }));
  // Kept for ever: the API's retention pass at start would otherwise drop the months the fill made.
  const env = (d: BenchDatabase) => ({
    DATABASE_URL: d.url,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    CASCADE_RETENTION_INERT_EVENTS: 'forever',
    CASCADE_RETENTION_ROUTED_EVENTS: 'forever',
  });
  const [emptyApi, fullApi] = [await startApiProcess(env(empty)), await startApiProcess(env(full))];
  try {
    for (const api of [emptyApi, fullApi]) await acceptPhase(api, pageViews(`se-warm-${api.pid}-`, 4 * perRound), opts.deadline);
    const rounds = await interleave(
      opts.deadline,
      (round) =>
        inTurn(
          round,
          () => acceptPhase(emptyApi, pageViews(`se-acc-${round}-`), opts.deadline),
          () => acceptPhase(fullApi, pageViews(`se-acc-${round}-`), opts.deadline),
        ),
      PAIRS,
    );
    return {
      eventsPerRound: perRound,
      pairs: rounds.length,
      rounds,
      fullPerSecond: middle(rounds.map((r) => r.full.perSecond)),
      emptyPerSecond: middle(rounds.map((r) => r.empty.perSecond)),
      failed: rounds.reduce((a, r) => a + r.full.failed + r.empty.failed, 0),
      ...ratioOfRounds(rounds.map((r) => r.full.perSecond), rounds.map((r) => r.empty.perSecond)),
    };
  } finally {
    await emptyApi.stop();
    await fullApi.stop();
  }
}

/**
 * OWED unrouted events of this month on each database (no router runs: the API processes are
 * stopped), then ingest's store write, the router's claim and the gauge read timed in interleaved
 * pairs: empty ms over full ms, so a ratio below 1 is the full database slower.
 */
async function statementRounds(empty: BenchDatabase, full: BenchDatabase, deadline: number) {
  for (const d of [empty, full]) {
    await d.db.execute(sql`
      insert into events (id, kind, customer_id, type, occurred_at)
      select 'se-owed-' || i, 'routed', 'se-' || (i % ${CUSTOMERS}), 'order.placed', now() from generate_series(1, ${OWED}::int) as i`);
    // The statistics autovacuum would soon have: the same on both, whatever its timing.
    await d.db.execute(sql`analyze events`);
    await storeMs(d);
    await claimMs(d);
    await gaugeMs(d);
  }
  const rounds = await interleave(
    deadline,
    async () => {
      const store = await mediansInTurn(() => storeMs(empty), () => storeMs(full));
      const claim = await mediansInTurn(() => claimMs(empty), () => claimMs(full));
      const gauge = await mediansInTurn(() => gaugeMs(empty), () => gaugeMs(full));
      return { emptyStoreMs: store.empty, fullStoreMs: store.full, emptyClaimMs: claim.empty, fullClaimMs: claim.full, emptyGaugeMs: gauge.empty, fullGaugeMs: gauge.full };
    },
    PAIRS,
  );
  const figure = (key: keyof (typeof rounds)[number]) => middle(rounds.map((r) => r[key]));
  return {
    storeBatch: STORE_BATCH,
    owed: OWED,
    batch: DEFAULT_ROUTER.batch,
    triesPerRound: TRIES,
    pairs: rounds.length,
    rounds,
    storeMs: { empty: figure('emptyStoreMs'), full: figure('fullStoreMs'), ...ratioOfRounds(rounds.map((r) => r.emptyStoreMs), rounds.map((r) => r.fullStoreMs)) },
    claimMs: { empty: figure('emptyClaimMs'), full: figure('fullClaimMs'), ...ratioOfRounds(rounds.map((r) => r.emptyClaimMs), rounds.map((r) => r.fullClaimMs)) },
    gaugeMs: { empty: figure('emptyGaugeMs'), full: figure('fullGaugeMs'), ...ratioOfRounds(rounds.map((r) => r.emptyGaugeMs), rounds.map((r) => r.fullGaugeMs)) },
    explain: {
      storeEmpty: await explain(empty, isStore),
      storeFull: await explain(full, isStore),
      claimEmpty: await explain(empty, isClaim),
      claimFull: await explain(full, isClaim),
      gaugeEmpty: await explain(empty, isGauge),
      gaugeFull: await explain(full, isGauge),
    },
  };
}
