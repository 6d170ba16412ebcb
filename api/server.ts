/**
 * The API process: the Express app on PORT and a router that drains stored events to Temporal
 * (routing/router.ts; CASCADE_ROUTER=off leaves that to `npm run router` processes). `npm run api`
 * runs it alone against TEMPORAL_ADDRESS and DATABASE_URL.
 */
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../db/client';
import { openDatabase } from '../db/client';
import { databaseUrlOf } from '../servers/embedded-postgres';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { isMainModule, runMain } from '../lib/main';
import { closeHttpServer, gracefulShutdown } from '../lib/shutdown';
import { requireUnsubscribeSecret } from '../lib/unsubscribe-token';
import { createApp } from './app';
import type { RateLimit } from './rate-limit';
import { accessOptionsFromConfig } from './limits/from-config';
import type { TrustProxy } from '../lib/config';
import { metricsTokenMissing } from '../metrics/serve';
import { startRunReconciler } from '../lifecycle/reconcile-runs';
import { routerConnections, startRouter, type RouterOptions } from '../routing/router';
import { smscConfigFromEnv, type SmscConfig } from '../activities/channels/smsc';
import { startReportJobs } from '../reports/jobs';
import { startAlertEvaluator } from '../alerts/evaluator';
import { alertOptionsFromConfig, type AlertOptions } from '../alerts/options';
import { watchDatabase } from '../metrics/database-gauges';
import { importLimitsOf, type ImportLimits } from '../import/parse';
import { ensureJourneyAudiences } from '../campaigns/journey-audiences';

export interface ApiHandle {
  server: Server;
  port: number;
  stop(): Promise<void>;
}

export async function startApi(opts: {
  db: Db;
  client: Client;
  taskQueue: string;
  apiKeys: string[];
  apiKeyCacheMs?: number;
  rateLimit?: RateLimit;
  failedAuthLimit?: RateLimit;
  publicRateLimit?: RateLimit;
  trustProxy?: TrustProxy;
  port: number;
  /** Where to listen; 127.0.0.1 without it. Beyond loopback, /metrics wants a token (metrics/serve.ts). */
  host?: string;
  /** The router in this process: its options, or false to leave routing to `npm run router`. */
  router?: Partial<RouterOptions> | false;
  /** The webhook channel's target (CASCADE_WEBHOOK_URL), so admission sees what runs see. */
  webhookUrl?: string;
  unsubscribeSecret?: string;
  /** CASCADE_PUBLIC_URL (the dashboard's cookies are Secure when it is https). */
  publicUrl?: string;
  resendWebhookSecret?: string;
  smscCallbackSecret?: string;
  /** With SMSC configured, a poller of status.php covers lost delivery callbacks. */
  smsc?: SmscConfig;
  /** GET /metrics wants this bearer token when set. */
  metricsToken?: string;
  /** The alert evaluator's settings; without them it runs on the defaults, posting nowhere. */
  alerts?: AlertOptions;
  /** Rows and bytes one import request may carry; the defaults without it. */
  importLimits?: ImportLimits;
  /**
   * Make the Schedules of journeys that name their audience (campaigns/journey-audiences.ts). The
   * processes do; tests leave it off (the time-skipping server has no Schedules).
   */
  journeyAudiences?: boolean;
}): Promise<ApiHandle> {
  const deps = { db: opts.db, client: opts.client, taskQueue: opts.taskQueue, webhookUrl: opts.webhookUrl };
  if (opts.journeyAudiences) await ensureJourneyAudiences(deps);
  const host = opts.host ?? '127.0.0.1';
  const metricsClosed = metricsTokenMissing(host, opts.metricsToken);
  if (metricsClosed) logger.warn(`GET /metrics answers 403: ${metricsClosed}`);
  const app = createApp({
    ...deps,
    apiKeys: opts.apiKeys,
    apiKeyCacheMs: opts.apiKeyCacheMs,
    rateLimit: opts.rateLimit,
    failedAuthLimit: opts.failedAuthLimit,
    publicRateLimit: opts.publicRateLimit,
    trustProxy: opts.trustProxy,
    metricsClosed,
    unsubscribeSecret: opts.unsubscribeSecret,
    publicUrl: opts.publicUrl,
    resendWebhookSecret: opts.resendWebhookSecret,
    smscCallbackSecret: opts.smscCallbackSecret,
    metricsToken: opts.metricsToken,
    importLimits: opts.importLimits,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(opts.port, host, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const router = opts.router === false ? undefined : startRouter(deps, opts.router);
  const reconciler = startRunReconciler(deps);
  const reportJobs = startReportJobs(deps, { smsc: opts.smsc });
  const alerter = startAlertEvaluator(opts.db, opts.alerts ?? alertOptionsFromConfig(loadConfig({})));
  const unwatch = watchDatabase(opts.db);
  return {
    server,
    port,
    async stop() {
      // Stop taking requests and finish those in flight, then let the background jobs end their pass.
      await closeHttpServer(server);
      await Promise.all([router?.stop(), reconciler.stop(), reportJobs.stop(), alerter.stop()]);
      unwatch();
    },
  };
}

/** The API process's database pool: the router's connections and ten for requests and background jobs. */
export const API_DATABASE_CONNECTIONS = routerConnections(10);

export const usage = `usage: npm run api
  The API alone, on PORT (3000), from the compiled build (dist/api.js). It takes no arguments: it is
  configured by the environment, and needs TEMPORAL_ADDRESS, DATABASE_URL, CASCADE_API_KEYS and
  CASCADE_UNSUBSCRIBE_SECRET (README, Environment). npm start runs everything on one laptop instead.`;

export async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.TEMPORAL_ADDRESS || !config.DATABASE_URL || !config.CASCADE_API_KEYS.length) {
    throw new Error('npm run api needs TEMPORAL_ADDRESS, DATABASE_URL and CASCADE_API_KEYS (npm start runs everything embedded)');
  }
  const unsubscribeSecret = requireUnsubscribeSecret(config.CASCADE_UNSUBSCRIBE_SECRET);
  const database = await openDatabase({ url: databaseUrlOf(config), max: API_DATABASE_CONNECTIONS });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const api = await startApi({
    db: database.db,
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    apiKeys: config.CASCADE_API_KEYS,
    ...accessOptionsFromConfig(config),
    port: config.PORT,
    host: config.CASCADE_API_HOST,
    unsubscribeSecret,
    publicUrl: config.CASCADE_PUBLIC_URL,
    resendWebhookSecret: config.RESEND_WEBHOOK_SECRET,
    smscCallbackSecret: config.SMSC_CALLBACK_SECRET,
    smsc: smscConfigFromEnv(process.env),
    webhookUrl: process.env.CASCADE_WEBHOOK_URL,
    metricsToken: config.CASCADE_METRICS_TOKEN,
    alerts: alertOptionsFromConfig(config),
    importLimits: importLimitsOf(config),
    journeyAudiences: true,
    router: config.CASCADE_ROUTER === 'off' ? false : {},
  });
  logger.info({ host: config.CASCADE_API_HOST, port: api.port, router: config.CASCADE_ROUTER }, 'api listening');
  gracefulShutdown(
    [
      { name: 'http server', run: () => api.stop() },
      { name: 'temporal connection', run: () => connection.close() },
      { name: 'database', run: () => database.close() },
    ],
    { timeoutMs: config.CASCADE_SHUTDOWN_TIMEOUT_MS },
  );
}

if (isMainModule(import.meta.url)) runMain('api', main, usage);
