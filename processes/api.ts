/**
 * The API process: the HTTP server (api/server.ts) and the background jobs beside it
 * (background-jobs.ts; CASCADE_ROUTER=off leaves routing to `npm run router` processes).
 * `npm run api` runs it alone against TEMPORAL_ADDRESS and DATABASE_URL; `npm start` inside itself.
 */
import type { Client } from '@temporalio/client';
import { smscConfigFromEnv } from '../activities/channels/smsc/adapter';
import { telegramRoutesFromEnv } from '../activities/channels/telegram/bot-api';
import { alertOptionsFromConfig } from '../alerts/options';
import type { AppDeps } from '../api/app';
import { accessOptionsFromConfig } from '../api/limits/from-config';
import { serveHttp, type HttpHandle } from '../api/server';
import { ensureJourneyAudiences } from '../campaigns/journey-audiences';
import type { Db } from '../db/client';
import { importLimitsOf } from '../import/parse';
import { loadConfig, type Config } from '../lib/config';
import { logger } from '../lib/logger';
import { isMainModule, runMain } from '../lib/main';
import { gracefulShutdown } from '../lib/shutdown';
import { segmentEventMapFrom } from '../segment-ingest/event-names';
import { requireUnsubscribeSecret } from '../lib/unsubscribe-token';
import { routerConnections } from '../routing/router';
import { startBackgroundJobs, type BackgroundJobOptions } from './background-jobs';
import { connectFromConfig } from './connect';
import { retentionFromConfig } from '../retention/settings';
import { templateToolsFromConfig } from '../template-preview/tools';

export type ApiHandle = HttpHandle;

export type ApiOptions = Omit<AppDeps, 'metricsClosed' | 'searchAttributes'> &
  BackgroundJobOptions & {
    db: Db;
    client: Client;
    port: number;
    /** Where to listen; 127.0.0.1 without it. Beyond loopback, /metrics wants a token (metrics/serve.ts). */
    host?: string;
    /**
     * Make the Schedules of journeys that name their audience (campaigns/journey-audiences.ts). The
     * processes do; tests leave it off (the time-skipping server has no Schedules).
     */
    journeyAudiences?: boolean;
  };

export async function startApi(opts: ApiOptions): Promise<ApiHandle> {
  const { router, smsc, alerts, retention, journeyAudiences, ...http } = opts;
  const deps = { db: opts.db, client: opts.client, taskQueue: opts.taskQueue, webhookUrl: opts.webhookUrl };
  if (journeyAudiences) await ensureJourneyAudiences(deps);
  const server = await serveHttp(http);
  const jobs = startBackgroundJobs(deps, { router, smsc, alerts, retention });
  return {
    ...server,
    async stop() {
      // Stop taking requests and finish those in flight, then let the background jobs end their pass.
      await server.stop();
      await jobs.stop();
    },
  };
}

/** What the environment says of an API process, as `npm run api` and `npm start` both run it. */
export function apiOptionsFromConfig(config: Config, env: NodeJS.ProcessEnv = process.env) {
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...accessOptionsFromConfig(config),
    port: config.PORT,
    publicUrl: config.CASCADE_PUBLIC_URL,
    resendWebhookSecret: config.RESEND_WEBHOOK_SECRET,
    smscCallbackSecret: config.SMSC_CALLBACK_SECRET,
    smsc: smscConfigFromEnv(env),
    telegram: telegramRoutesFromEnv(env),
    webhookUrl: env.CASCADE_WEBHOOK_URL,
    metricsToken: config.CASCADE_METRICS_TOKEN,
    alerts: alertOptionsFromConfig(config),
    retention: retentionFromConfig(config),
    importLimits: importLimitsOf(config),
    segmentEventMap: segmentEventMapFrom(config.CASCADE_SEGMENT_EVENT_MAP),
    sunsetDays: config.CASCADE_SUNSET_DAYS,
    journeyAudiences: true,
  } satisfies Partial<ApiOptions>;
}

/** The API process's database pool: the router's connections and ten for requests and background jobs. */
export const API_DATABASE_CONNECTIONS = routerConnections(10);

export const usage = `usage: npm run api
  The API alone, on PORT (3000), from the compiled build (dist/api.js). It takes no arguments: it is
  configured by the environment, and needs TEMPORAL_ADDRESS, DATABASE_URL, CASCADE_API_KEYS and
  CASCADE_UNSUBSCRIBE_SECRET (README, Environment). npm start runs everything on one laptop instead.`;

export async function main(): Promise<void> {
  const config = loadConfig();
  const { database, client, closing } = await connectFromConfig(config, { name: 'api', connections: API_DATABASE_CONNECTIONS, needs: ['CASCADE_API_KEYS'] });
  const api = await startApi({
    ...apiOptionsFromConfig(config),
    db: database.db,
    client,
    apiKeys: config.CASCADE_API_KEYS,
    unsubscribeSecret: requireUnsubscribeSecret(config.CASCADE_UNSUBSCRIBE_SECRET),
    templates: templateToolsFromConfig(database.db, config),
    host: config.CASCADE_API_HOST,
    router: config.CASCADE_ROUTER === 'off' ? false : {},
  });
  logger.info({ host: config.CASCADE_API_HOST, port: api.port, router: config.CASCADE_ROUTER }, 'api listening');
  gracefulShutdown([{ name: 'http server', run: () => api.stop() }, ...closing], { timeoutMs: config.CASCADE_SHUTDOWN_TIMEOUT_MS });
}

if (isMainModule(import.meta.url)) runMain('api', main, usage);
