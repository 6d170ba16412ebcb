/**
 * The worker process, `npm run worker`: one Temporal worker (worker.ts) against TEMPORAL_ADDRESS and
 * DATABASE_URL, with its metrics endpoint when CASCADE_WORKER_METRICS_PORT is set.
 */
import { openDatabase } from '../db/client';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { isMainModule, runMain } from '../lib/main';
import { gracefulShutdown } from '../lib/shutdown';
import { connectTemporal, ensureSearchAttributes } from '../lib/temporal';
import { installTemporalLogging } from '../lib/temporal-logger';
import { requireUnsubscribeSecret } from '../lib/unsubscribe-token';
import { requireWorkerMetricsToken, serveMetrics } from '../metrics/serve';
import { databaseUrlOf } from '../servers/embedded-postgres';
import { activityDepsFromConfig, createWorker, drain, shutdownGraceMs } from '../worker';

export const usage = `usage: npm run worker
  One Temporal worker (journeys and their activities) from the compiled build (dist/worker.js). It
  takes no arguments: it is configured by the environment, and needs TEMPORAL_ADDRESS, DATABASE_URL
  and CASCADE_UNSUBSCRIBE_SECRET; provider credentials pick the channels (README, Environment).`;

export async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.TEMPORAL_ADDRESS || !config.DATABASE_URL) {
    throw new Error('npm run worker needs TEMPORAL_ADDRESS and DATABASE_URL (npm start runs everything embedded)');
  }
  requireUnsubscribeSecret(config.CASCADE_UNSUBSCRIBE_SECRET);
  // Before connecting to anything: its metrics server is started only once the worker polls.
  if (config.CASCADE_WORKER_METRICS_PORT) requireWorkerMetricsToken(config.CASCADE_WORKER_METRICS_HOST, config.CASCADE_METRICS_TOKEN);
  installTemporalLogging({ metricsAddress: config.CASCADE_TEMPORAL_METRICS_ADDRESS });
  const database = await openDatabase({ url: databaseUrlOf(config) });
  const client = await connectTemporal(config.TEMPORAL_ADDRESS);
  await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
  await client.close();
  const { worker, connection } = await createWorker({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: activityDepsFromConfig(database.db, config),
    shutdownGraceMs: shutdownGraceMs(config.CASCADE_SHUTDOWN_TIMEOUT_MS),
    maxCachedWorkflows: config.CASCADE_WORKER_CACHED_RUNS,
  });
  const running = worker.run();
  const metrics = config.CASCADE_WORKER_METRICS_PORT ? await serveMetrics({ port: config.CASCADE_WORKER_METRICS_PORT, host: config.CASCADE_WORKER_METRICS_HOST, token: config.CASCADE_METRICS_TOKEN }) : undefined;
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, metricsPort: metrics?.port }, 'worker started');
  const shutdown = gracefulShutdown(
    [
      { name: 'worker', run: () => drain(worker, running) },
      { name: 'metrics server', run: () => metrics?.stop() },
      { name: 'temporal connection', run: () => connection.close() },
      { name: 'database', run: () => database.close() },
    ],
    { timeoutMs: config.CASCADE_SHUTDOWN_TIMEOUT_MS },
  );
  running.catch((err) => {
    logger.fatal({ err }, 'worker failed');
    void shutdown.run('worker failed', 1);
  });
}


if (isMainModule(import.meta.url)) runMain('worker', main, usage);
