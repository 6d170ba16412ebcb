/**
 * `npm run bench`: how fast Cascade takes events and sends, on this machine, on real parts: the
 * Temporal dev server (frontend RPS raised past its 2400 default), a Postgres server, the worker
 * and the API in this process, the outbox channel. Writes bench/results.json and prints a summary.
 *
 *   BENCH_CUSTOMERS=2000 BENCH_CONCURRENCY=32 npm run bench
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { count, eq } from 'drizzle-orm';
import { createActivities } from '../activities';
import { startApi } from '../api/server';
import { openDatabase } from '../db/client';
import { messages } from '../db/schema';
import { loadConfig } from '../lib/config';
import { ensureTemporalBinaries } from '../scripts/temporal-binaries';
import { startPostgresServer } from '../test/support/postgres-server';
import { activityDepsFromConfig, workflowsPath } from '../worker';
import { searchAttributes } from '../workflows/contract';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const KEY = 'bench-key';
const taskQueue = 'cascade-bench';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  process.env.LOG_LEVEL = 'warn';
  const bins = ensureTemporalBinaries();
  const pg = await startPostgresServer();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: bins.cli.path },
      searchAttributes,
      extraArgs: ['--dynamic-config-value', 'frontend.namespaceRPS=20000', '--dynamic-config-value', 'frontend.rps=20000'],
    },
  });
  const database = await openDatabase({ url: pg.url, dataDir: '.data', max: 20 });
  const config = loadConfig({ ...process.env, DATABASE_URL: pg.url, CASCADE_UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef' });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: createActivities(activityDepsFromConfig(database.db, config, {})),
    maxCachedWorkflows: CUSTOMERS + 100,
  });
  const running = worker.run();
  const api = await startApi({ db: database.db, client: env.client, taskQueue, apiKeys: [KEY], port: 0 });
  const base = `http://127.0.0.1:${api.port}`;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const ids = Array.from({ length: CUSTOMERS }, (_, i) => `bench-${i}`);

  const rssBefore = process.memoryUsage().rss;
  for (const id of ids) {
    await fetch(`${base}/v1/customers/${id}`, { method: 'PUT', headers, body: JSON.stringify({ email: `${id}@example.com`, consents: { email: true } }) });
  }

  const latencies: number[] = [];
  let failures = 0;
  const t0 = performance.now();
  await pool(ids, CONCURRENCY, async (id) => {
    const start = performance.now();
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ id: `signup-${id}`, customerId: id, type: 'customer.signed_up' }) });
    latencies.push(performance.now() - start);
    if (res.status !== 202) failures++;
  });
  const ingestSeconds = (performance.now() - t0) / 1000;

  let sent = 0;
  for (;;) {
    const [row] = await database.db.select({ n: count() }).from(messages).where(eq(messages.status, 'sent'));
    sent = row?.n ?? 0;
    if (sent >= CUSTOMERS || performance.now() - t0 > 600_000) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const endToEndSeconds = (performance.now() - t0) / 1000;
  const rssAfter = process.memoryUsage().rss;
  latencies.sort((a, b) => a - b);

  const results = {
    date: new Date().toISOString(),
    machine: { cores: (await import('node:os')).cpus().length, node: process.version, temporalCli: bins.cli.route },
    customers: CUSTOMERS,
    concurrency: CONCURRENCY,
    eventsPerSecond: Math.round(CUSTOMERS / ingestSeconds),
    eventLatencyMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), p99: Math.round(percentile(latencies, 99)) },
    failedEvents: failures,
    firstEmailsSent: sent,
    signupToFirstEmailAllSeconds: Number(endToEndSeconds.toFixed(1)),
    sendsPerSecond: Math.round(sent / endToEndSeconds),
    processRssMiB: { before: Math.round(rssBefore / 2 ** 20), withRunsCached: Math.round(rssAfter / 2 ** 20) },
    rssKiBPerCachedRun: Math.round((rssAfter - rssBefore) / 1024 / CUSTOMERS),
  };
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));

  await api.stop();
  worker.shutdown();
  await running;
  await env.teardown();
  await database.close();
  await pg.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
