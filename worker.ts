/**
 * The Temporal worker: journeys from workflows/, side effects from activities/, task queue `cascade`.
 * The processes that run it are composed in processes/ (`npm run worker`: processes/worker.ts).
 */
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { channelsFromEnv } from './activities/channels';
import { DEFAULT_CAPS, parseCaps } from './contactability/caps';
import type { Db } from './db/client';
import { recordJourneyGraphs } from './journey-map/record';
import { createRenderer } from './activities/templates';
import type { Config } from './lib/config';
import { bundled, fromRoot, prebuiltWorkflowBundle } from './lib/paths';
import { bundlerLogger } from './lib/temporal-logger';
import { requireUnsubscribeSecret, unsubscribeLinks } from './lib/unsubscribe-token';

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
    sunsetDays: config.CASCADE_SUNSET_DAYS,
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
  /** Runs kept in memory between their tasks (CASCADE_WORKER_CACHED_RUNS); the SDK's default grows with the heap limit. */
  maxCachedWorkflows?: number;
}): Promise<{ worker: Worker; connection: NativeConnection }> {
  // First: a body the dry run cannot draw fails the start, by name, before any run is polled.
  await recordJourneyGraphs(opts.deps.db);
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

/** Stops polling and waits for `run()` to resolve, which it does once running activities are done. */
export async function drain(worker: Worker, running: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
}

