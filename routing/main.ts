/**
 * `npm run router`: a router process of its own (routing/router.ts), for when routing should scale
 * apart from the API (run the API with CASCADE_ROUTER=off, and as many of these as Temporal takes).
 * Routers share the backlog without reordering any customer's events.
 */
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client';
import { databaseUrlOf } from '../servers/embedded-postgres';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { isMainModule, runMain } from '../lib/main';
import { gracefulShutdown } from '../lib/shutdown';
import { routerConnections, startRouter } from './router';

export const usage = `usage: npm run router
  A router process of its own: routes stored events to Temporal (run the API with CASCADE_ROUTER=off
  and as many of these as Temporal takes). It takes no arguments: it needs TEMPORAL_ADDRESS and
  DATABASE_URL in the environment.`;

export async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.TEMPORAL_ADDRESS || !config.DATABASE_URL) {
    throw new Error('npm run router needs TEMPORAL_ADDRESS and DATABASE_URL');
  }
  const database = await openDatabase({ url: databaseUrlOf(config), max: routerConnections(2) });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const router = startRouter({ db: database.db, client, taskQueue: config.TEMPORAL_TASK_QUEUE, webhookUrl: process.env.CASCADE_WEBHOOK_URL });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'router started');
  gracefulShutdown(
    [
      { name: 'router', run: () => router.stop() },
      { name: 'temporal connection', run: () => connection.close() },
      { name: 'database', run: () => database.close() },
    ],
    { timeoutMs: config.CASCADE_SHUTDOWN_TIMEOUT_MS },
  );
}

if (isMainModule(import.meta.url)) runMain('router', main, usage);
