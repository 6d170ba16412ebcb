/**
 * `npm start`: Cascade in one process for a laptop. Without TEMPORAL_ADDRESS it runs the Temporal dev
 * server (SQLite under .data/, Web UI on :8233); without DATABASE_URL, embedded Postgres (PGlite);
 * without provider credentials, the outbox channel. Same code paths as production otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { smscConfigFromEnv } from '../activities/channels/smsc';
import { parseRateLimit } from '../api/rate-limit';
import { apiKeysFrom, startApi } from '../api/server';
import { openDatabase } from '../db/client';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { isMainModule, runMain } from '../lib/main';
import { devServerSearchAttributeArgs, devServerTuningArgs, ensureSearchAttributes } from '../lib/temporal';
import { gracefulShutdown } from '../lib/shutdown';
import { installTemporalLogging } from '../lib/temporal-logger';
import { alertOptionsFromConfig } from '../alerts/options';
import { activityDepsFromConfig, createWorker, drain, shutdownGraceMs } from '../worker';
import { ensureTemporalBinaries } from './temporal-binaries';
import { importLimitsOf } from '../import/parse';

const config = loadConfig();
const dataDir = resolve(config.CASCADE_DATA_DIR);
mkdirSync(dataDir, { recursive: true });

/**
 * A laptop's share of runs held in memory. The SDK sizes its cache from the heap limit (about 2,300
 * runs on a 24 GiB machine), and a cached run costs 350-380 KiB (README, Benchmark): 500 keep the
 * worker within about 180 MiB of them. A run out of the cache replays its history at its next wake-up,
 * which for journeys that sleep for days is a few milliseconds now and then.
 */
const EMBEDDED_CACHED_RUNS = 500;

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((done, fail) => {
    const attempt = () => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        done();
      });
      socket.on('error', () => {
        socket.destroy();
        if (Date.now() > deadline) fail(new Error(`Temporal dev server did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

function startDevServer(): { address: string; child: ChildProcess } {
  const { cli } = ensureTemporalBinaries();
  const port = 7233;
  const child = spawn(
    cli.path,
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', '8233',
      '--db-filename', join(dataDir, 'temporal.db'), '--log-level', 'warn', ...devServerSearchAttributeArgs,
      ...devServerTuningArgs(config.CASCADE_TEMPORAL_SQLITE_SYNC)],
    // Its own process group: Ctrl+C reaches only Cascade, which stops the server last, after the
    // worker has drained against it. Whatever way Cascade exits, the server goes with it.
    { stdio: ['ignore', 'inherit', 'inherit'], detached: true },
  );
  child.on('exit', (code) => {
    logger.fatal({ code }, 'Temporal dev server exited');
    process.exit(1);
  });
  process.on('exit', () => child.kill('SIGTERM'));
  logger.info({ route: cli.route }, 'Temporal dev server starting');
  return { address: `127.0.0.1:${port}`, child };
}

async function stopDevServer(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

function apiKeys(): string[] {
  const fromEnv = apiKeysFrom(config.CASCADE_API_KEYS);
  if (fromEnv.length) return fromEnv;
  const file = join(dataDir, 'api-key');
  if (existsSync(file)) return [readFileSync(file, 'utf8').trim()];
  const key = `csk_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  // Printed once, on purpose, to the terminal of the person who just started Cascade.
  process.stdout.write(`\nNew API key (kept in ${file}, shown only now):\n  ${key}\n\n`);
  return [key];
}

/** Like the API key: kept under .data/ so links in emails already sent keep working after a restart. */
function unsubscribeSecret(): string {
  if (config.CASCADE_UNSUBSCRIBE_SECRET) return config.CASCADE_UNSUBSCRIBE_SECRET;
  const file = join(dataDir, 'unsubscribe-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export async function main(): Promise<void> {
  installTemporalLogging({ metricsAddress: config.CASCADE_TEMPORAL_METRICS_ADDRESS });
  const dev = config.TEMPORAL_ADDRESS ? undefined : startDevServer();
  const address = config.TEMPORAL_ADDRESS ?? dev!.address;
  if (dev) await waitForPort(7233, 30_000);

  const database = await openDatabase({ url: config.DATABASE_URL, dataDir });
  const connection = await Connection.connect({ address });
  if (!dev) await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const unsubscribe = unsubscribeSecret();
  const { worker, connection: workerConnection } = await createWorker({
    address,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: activityDepsFromConfig(database.db, { ...config, CASCADE_UNSUBSCRIBE_SECRET: unsubscribe }),
    shutdownGraceMs: shutdownGraceMs(config.CASCADE_SHUTDOWN_TIMEOUT_MS),
    maxCachedWorkflows: EMBEDDED_CACHED_RUNS,
  });
  const running = worker.run();
  const keys = apiKeys();
  const api = await startApi({
    db: database.db,
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    apiKeys: keys,
    rateLimit: parseRateLimit(config.CASCADE_RATE_LIMIT),
    port: config.PORT,
    unsubscribeSecret: unsubscribe,
    resendWebhookSecret: config.RESEND_WEBHOOK_SECRET,
    smscCallbackSecret: config.SMSC_CALLBACK_SECRET,
    smsc: smscConfigFromEnv(process.env),
    webhookUrl: process.env.CASCADE_WEBHOOK_URL,
    metricsToken: config.CASCADE_METRICS_TOKEN,
    alerts: alertOptionsFromConfig(config),
    importLimits: importLimitsOf(config),
    journeyAudiences: true,
  });

  console.log(`Cascade is running.
  API:          http://127.0.0.1:${api.port}   (Authorization: Bearer <key>; key in ${join(dataDir, 'api-key')} unless CASCADE_API_KEYS is set)
  Temporal:     ${address}${dev ? `   (embedded dev server, history in ${join(dataDir, 'temporal.db')})` : ''}
  Temporal UI:  ${dev ? 'http://127.0.0.1:8233' : 'your cluster\'s UI'}
  Database:     ${database.kind === 'pglite' ? `embedded Postgres in ${join(dataDir, 'pglite')}` : 'DATABASE_URL'}
  Channels:     ${process.env.RESEND_API_KEY ? 'Resend' : 'outbox (GET /v1/outbox)'}`);

  const shutdown = gracefulShutdown(
    [
      { name: 'http server', run: () => api.stop() },
      { name: 'worker', run: () => drain(worker, running) },
      { name: 'temporal connections', run: () => Promise.all([workerConnection.close(), connection.close()]) },
      { name: 'database', run: () => database.close() },
      ...(dev ? [{ name: 'Temporal dev server', run: () => stopDevServer(dev.child) }] : []),
    ],
    { timeoutMs: config.CASCADE_SHUTDOWN_TIMEOUT_MS },
  );
  running.catch((err) => {
    logger.fatal({ err }, 'worker failed');
    void shutdown.run('worker failed', 1);
  });
}

if (isMainModule(import.meta.url)) runMain('Cascade', main);
