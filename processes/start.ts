/**
 * `npm start`: Cascade in one process for a laptop. Without TEMPORAL_ADDRESS it runs the Temporal dev
 * server (SQLite under .data/, Web UI on :8233); without DATABASE_URL, a real Postgres from npm
 * (.data/postgres); without provider credentials, the outbox channel. Same code paths as production
 * otherwise. Both servers are its children; a start after a `kill -9` ends the ones that outlived it
 * (servers/pid-files.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { isMainModule, runMain } from '../lib/main';
import { ensureSearchAttributes } from '../lib/temporal';
import { gracefulShutdown } from '../lib/shutdown';
import { installTemporalLogging } from '../lib/temporal-logger';
import { activityDepsFromConfig, createWorker, drain, shutdownGraceMs } from '../worker';
import { startEmbeddedPostgres } from '../servers/embedded-postgres';
import { claimDataDir } from '../servers/pid-files';
import { startDevServer } from '../servers/temporal-dev-server';
import { apiOptionsFromConfig, startApi } from './api';
import { templateToolsFromConfig } from '../template-preview/tools';

const config = loadConfig();
const dataDir = resolve(config.CASCADE_DATA_DIR);

function apiKeys(): string[] {
  if (config.CASCADE_API_KEYS.length) return config.CASCADE_API_KEYS;
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

export const usage = `usage: npm start
  Cascade in one process for a laptop: the API on PORT (3000), the worker and the router. Without
  TEMPORAL_ADDRESS it runs the Temporal dev server (Web UI on :8233), without DATABASE_URL a Postgres
  from npm, without provider credentials the outbox channel; state under CASCADE_DATA_DIR (.data).
  It takes no arguments: everything is set by the environment (README, Environment).`;

export async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  installTemporalLogging({ metricsAddress: config.CASCADE_TEMPORAL_METRICS_ADDRESS });
  const release = claimDataDir(dataDir);
  process.on('exit', release);
  // The two servers start side by side: each takes about a second, and neither needs the other.
  const [devStart, pgStart] = await Promise.allSettled([
    config.TEMPORAL_ADDRESS ? undefined : startDevServer(dataDir, config),
    config.DATABASE_URL ? undefined : startEmbeddedPostgres(dataDir),
  ]);
  const dev = devStart.status === 'fulfilled' ? devStart.value : undefined;
  const pg = pgStart.status === 'fulfilled' ? pgStart.value : undefined;
  // However Cascade exits from here on, its servers go with it (a kill -9 leaves them to the next start).
  process.on('exit', () => {
    for (const [pid, signal] of [[dev?.child.pid, 'SIGTERM'], [pg?.pid, 'SIGINT']] as const) {
      try {
        if (pid) process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    }
  });
  for (const r of [devStart, pgStart]) if (r.status === 'rejected') throw r.reason;
  if (dev) {
    logger.info({ route: dev.route }, 'Temporal dev server started');
    dev.child.on('exit', (code) => {
      logger.fatal({ code }, 'Temporal dev server exited');
      process.exit(1);
    });
  }
  const address = config.TEMPORAL_ADDRESS ?? dev!.address;
  const database = await openDatabase({ url: config.DATABASE_URL ?? pg!.url });
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
    maxCachedWorkflows: config.CASCADE_WORKER_CACHED_RUNS,
  });
  const running = worker.run();
  const keys = apiKeys();
  const api = await startApi({ ...apiOptionsFromConfig(config), db: database.db, client, apiKeys: keys, unsubscribeSecret: unsubscribe, templates: templateToolsFromConfig(database.db, config) });

  console.log(`Cascade is running.
  API:          http://127.0.0.1:${api.port}   (Authorization: Bearer <key>; key in ${join(dataDir, 'api-key')} unless CASCADE_API_KEYS is set)
  Temporal:     ${address}${dev ? `   (embedded dev server, history in ${dev.historyFile})` : ''}
  Temporal UI:  ${dev ? dev.uiUrl : 'your cluster\'s UI'}
  Database:     ${pg ? `embedded Postgres ${pg.host}:${pg.port}, data in ${join(dataDir, 'postgres')}` : 'DATABASE_URL'}
  Channels:     ${process.env.RESEND_API_KEY ? 'Resend' : 'outbox (GET /v1/outbox)'}`);

  const shutdown = gracefulShutdown(
    [
      { name: 'http server', run: () => api.stop() },
      { name: 'worker', run: () => drain(worker, running) },
      { name: 'temporal connections', run: () => Promise.all([workerConnection.close(), connection.close()]) },
      { name: 'database', run: () => database.close() },
      ...(pg ? [{ name: 'embedded Postgres', run: () => pg.stop() }] : []),
      ...(dev ? [{ name: 'Temporal dev server', run: () => dev.stop() }] : []),
    ],
    { timeoutMs: config.CASCADE_SHUTDOWN_TIMEOUT_MS },
  );
  running.catch((err) => {
    logger.fatal({ err }, 'worker failed');
    void shutdown.run('worker failed', 1);
  });
}

if (isMainModule(import.meta.url)) runMain('Cascade', main, usage);
