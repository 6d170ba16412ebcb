/**
 * What the checks run against. The CLI opens its own connections from the environment, as
 * `npm run api` would; the API route checks the connections its own process uses.
 */
import type { Client, ConnectionLike } from '@temporalio/client';
import { Connection } from '@temporalio/client';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Db } from '../db/client';
import * as schema from '../db/schema';
import { loadConfig, type Config } from '../lib/config';
import { knownDatabaseUrl } from '../servers/embedded-postgres';
import { runningDevServerAddress } from '../servers/temporal-dev-server';
import { resolve } from 'node:path';
import type { DoctorContext } from './check';
import { dnsServersFrom } from './dns';

export const DEFAULT_TIMEOUT_MS = 8000;

/**
 * The https rule for CASCADE_PUBLIC_URL is the public-url check's to report, with its fix; it must
 * not stop the doctor from checking everything else, as it stops `npm run api` from starting.
 */
function configOf(env: NodeJS.ProcessEnv): Config {
  return loadConfig({ ...env, RESEND_API_KEY: undefined });
}

function common(env: NodeJS.ProcessEnv, config: Config, timeoutMs: number) {
  return {
    env,
    publicUrl: config.CASCADE_PUBLIC_URL,
    dnsServers: dnsServersFrom(env.CASCADE_DNS_SERVERS),
    timeoutMs,
  };
}

/**
 * For `npm run doctor`. Without DATABASE_URL or TEMPORAL_ADDRESS it checks the embedded Postgres and
 * dev server of a running `npm start` on CASCADE_DATA_DIR; with none running, those checks warn. The
 * doctor never migrates or registers anything: it only looks.
 */
export function doctorContextFromEnv(env: NodeJS.ProcessEnv = process.env, timeoutMs = DEFAULT_TIMEOUT_MS): { ctx: DoctorContext; close(): Promise<void> } {
  const config = configOf(env);
  const databaseUrl = knownDatabaseUrl(config);
  const temporalAddress = config.TEMPORAL_ADDRESS ?? runningDevServerAddress(resolve(config.CASCADE_DATA_DIR));
  const sql = databaseUrl ? postgres(databaseUrl, { max: 2, connect_timeout: Math.ceil(timeoutMs / 1000), onnotice: () => {} }) : undefined;
  let connection: Promise<Connection> | undefined;
  const ctx: DoctorContext = {
    ...common(env, config, timeoutMs),
    db: sql ? (drizzle(sql, { schema }) as unknown as Db) : null,
    temporal: temporalAddress
      ? {
          connect: () => (connection ??= Connection.connect({ address: temporalAddress, connectTimeout: timeoutMs - 500 })),
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
        }
      : null,
  };
  return {
    ctx,
    async close() {
      await Promise.all([sql?.end({ timeout: 1 }), connection?.then((c) => c.close(), () => undefined)]);
    },
  };
}

/** For GET /v1/doctor: this API process's own database and Temporal client. */
export function doctorContextForApi(deps: { db: Db; client: Client; taskQueue: string }, env: NodeJS.ProcessEnv = process.env, timeoutMs = DEFAULT_TIMEOUT_MS): DoctorContext {
  const connection: ConnectionLike = deps.client.connection;
  return {
    ...common(env, configOf(env), timeoutMs),
    db: deps.db,
    temporal: { connect: async () => connection, namespace: deps.client.options.namespace, taskQueue: deps.taskQueue },
  };
}
