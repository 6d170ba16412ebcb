/**
 * Opens the database: a real Postgres through postgres.js when a URL is given, otherwise an embedded
 * Postgres (PGlite) with its files under the data directory. Same schema, same queries, and the
 * drizzle migrations are applied before anything else touches it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { fromRoot } from '../lib/paths';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

const migrationsFolder = fromRoot('db', 'migrations');

export async function openDatabase(opts: { url?: string; dataDir: string; max?: number }): Promise<Database> {
  if (opts.url) {
    // One connection holding an advisory lock, so an API and a worker starting together migrate once.
    const migrator = postgres(opts.url, { max: 1, onnotice: () => {} });
    try {
      await migrator`select pg_advisory_lock(7233)`;
      await migratePostgres(drizzlePostgres(migrator), { migrationsFolder });
    } finally {
      await migrator.end();
    }
    const client = postgres(opts.url, { max: opts.max ?? 10, onnotice: () => {} });
    return { db: drizzlePostgres(client, { schema }) as unknown as Db, kind: 'postgres', close: () => client.end() };
  }
  const dir = join(opts.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return { db: db as unknown as Db, kind: 'pglite', close: () => client.close() };
}
