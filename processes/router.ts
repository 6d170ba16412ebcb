/**
 * `npm run router`: a router process of its own (routing/router.ts), for when routing should scale
 * apart from the API (run the API with CASCADE_ROUTER=off, and as many of these as Temporal takes).
 * Routers share the backlog without reordering any customer's events.
 */
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { isMainModule, runMain } from '../lib/main';
import { gracefulShutdown } from '../lib/shutdown';
import { routerConnections, startRouter } from '../routing/router';
import { connectFromConfig } from './connect';

export const usage = `usage: npm run router
  A router process of its own: routes stored events to Temporal (run the API with CASCADE_ROUTER=off
  and as many of these as Temporal takes). It takes no arguments: it needs TEMPORAL_ADDRESS and
  DATABASE_URL in the environment.`;

export async function main(): Promise<void> {
  const config = loadConfig();
  const { database, client, closing } = await connectFromConfig(config, { name: 'router', connections: routerConnections(2) });
  const router = startRouter({ db: database.db, client, taskQueue: config.TEMPORAL_TASK_QUEUE, webhookUrl: process.env.CASCADE_WEBHOOK_URL });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'router started');
  gracefulShutdown([{ name: 'router', run: () => router.stop() }, ...closing], { timeoutMs: config.CASCADE_SHUTDOWN_TIMEOUT_MS });
}

if (isMainModule(import.meta.url)) runMain('router', main, usage);
