/**
 * The Temporal worker: journeys from workflows/, side effects from activities/, task queue `cascade`.
 * `npm run worker` runs it alone against TEMPORAL_ADDRESS and DATABASE_URL.
 */
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { channelsFromEnv } from './activities/channels';
import { DEFAULT_CAPS, parseCaps } from './contactability/caps';
import { createRenderer } from './activities/templates';
import { openDatabase, type Db } from './db/client';
import { databaseUrlOf } from './servers/embedded-postgres';
import { loadConfig, type Config } from './lib/config';
import { logger } from './lib/logger';
import { isMainModule, runMain } from './lib/main';
import { bundled, fromRoot, prebuiltWorkflowBundle } from './lib/paths';
import { gracefulShutdown } from './lib/shutdown';
import { bundlerLogger, installTemporalLogging } from './lib/temporal-logger';
import { requireUnsubscribeSecret, unsubscribeLinks } from './lib/unsubscribe-token';
import { connectTemporal, ensureSearchAttributes } from './lib/temporal';
import { requireWorkerMetricsToken, serveMetrics } from './metrics/serve';

export const workflowsPath = fromRoot('workflows', 'index.ts');

/**
 * Where the worker's workflow code comes from. In dist/ it is the bundle `npm run build` wrote with
 * the same sources, so no process runs webpack at start (seconds of CPU, and memory the heap keeps).
 * From source it is bundled now: a dist/ bundle could be older than workflows/.
 */
export async function workflowBundle(): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  if (bundled) return { codePath: prebuiltWorkflowBundle };
  return { code: (await bundleWorkflowCode({ workflowsPath, logger: bundlerLogger() })).code };
}

export function activityDepsFromConfig(db: Db, config: Config, env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  return {
    db,
    channels: channelsFromEnv(env, db),
    render: createRenderer(undefined, { defaultLocale: config.CASCADE_DEFAULT_LOCALE, smsMaxSegments: config.CASCADE_SMS_MAX_SEGMENTS }),
    caps: parseCaps(env.CASCADE_FREQUENCY_CAPS ?? DEFAULT_CAPS),
    webhookUrl: env.CASCADE_WEBHOOK_URL,
    unsubscribeUrl: unsubscribeLinks(config.CASCADE_PUBLIC_URL, requireUnsubscribeSecret(config.CASCADE_UNSUBSCRIBE_SECRET)),
  };
}

export async function createWorker(opts: {
  address: string;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  bundle?: WorkerOptions['workflowBundle'];
  /** How long a shutdown lets running activities finish before cancelling them. */
  shutdownGraceMs?: number;
  /** Runs kept in memory between their tasks; the SDK's default grows with the heap limit. */
  maxCachedWorkflows?: number;
}): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    // Campaigns start their members' runs through a client on the worker's own connection.
    activities: createActivities({ client: new Client({ connection, namespace: opts.namespace }), ...opts.deps }),
    workflowBundle: opts.bundle ?? (await workflowBundle()),
    shutdownGraceTime: opts.shutdownGraceMs ?? 0,
    ...(opts.maxCachedWorkflows ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
  });
  return { worker, connection };
}

/** Activities get the shutdown deadline less a margin for closing the connection and the database. */
export function shutdownGraceMs(timeoutMs: number): number {
  return Math.max(0, timeoutMs - 5_000);
}

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

/** Stops polling and waits for `run()` to resolve, which it does once running activities are done. */
export async function drain(worker: Worker, running: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
}

if (isMainModule(import.meta.url)) runMain('worker', main, usage);
