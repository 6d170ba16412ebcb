/**
 * Opens the database: Postgres through postgres.js (a server of your own, or the one `npm start`
 * runs from npm: servers/postgres.ts), with the drizzle migrations applied before anything else
 * touches it.
 */
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { drizzle, type PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { fromRoot } from '../lib/paths';
import * as schema from './schema';

/** The database or a transaction on it: every query takes either. */
export type Db = PgDatabase<PostgresJsQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  close(): Promise<void>;
}

const migrationsFolder = fromRoot('db', 'migrations');

export async function openDatabase(opts: {
  url: string;
  max?: number;
  /** Called once per statement sent to the server (the cost test counts round trips with it). */
  onStatement?: (sql: string) => void;
}): Promise<Database> {
  // One connection holding an advisory lock, so an API and a worker starting together migrate once.
  const migrator = postgres(opts.url, { max: 1, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(7233)`;
    await migrate(drizzle(migrator), { migrationsFolder });
  } finally {
    await migrator.end();
  }
  const onStatement = opts.onStatement;
  const client = postgres(opts.url, { max: opts.max ?? 10, onnotice: () => {}, ...(onStatement ? { debug: (_c: number, query: string) => onStatement(query) } : {}) });
  return { db: drizzle(client, { schema }), close: () => client.end() };
}

/**
 * One connection of the pool for `fn` alone, outside any transaction: for statements Postgres
 * refuses inside one (DETACH PARTITION … CONCURRENTLY) and session-level advisory locks.
 */
export async function reservedConnection<T>(db: Db, fn: (conn: postgres.ReservedSql) => Promise<T>): Promise<T> {
  const client = (db as unknown as { $client: postgres.Sql }).$client;
  const conn = await client.reserve();
  try {
    return await fn(conn);
  } finally {
    conn.release();
  }
}
