/**
 * Opens the database: a real Postgres through postgres.js when a URL is given, otherwise an embedded
 * Postgres (PGlite) with its files under the data directory. Same schema, same queries, and the
 * drizzle migrations are applied before anything else touches it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

/**
 * Embedded Postgres sized for a laptop. Postgres touches all of its shared buffers at start, so its
 * default 128 MB is resident from the first second; 32 MB holds the embedded working set (the files
 * are in the OS cache as well) and takes 110 MiB off an idle `npm start` (measured; README).
 */
const PGLITE_START = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

/**
 * initdb in a process of its own. The PGlite instance that runs it holds about 400 MiB until the
 * garbage collector takes it, which an idle process may never get to (measured: 807 MiB resident
 * at rest after a first start, against 354 MiB after a second).
 */
async function initPglite(dir: string): Promise<void> {
  const script = 'const [, url, dir, params] = process.argv; const { PGlite } = await import(url); await (await PGlite.create(dir, { startParams: JSON.parse(params) })).close();';
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dir, JSON.stringify(PGLITE_START)]);
}

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
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true });
    await initPglite(dir);
  }
  const client = await PGlite.create(dir, { startParams: PGLITE_START });
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return { db: db as unknown as Db, kind: 'pglite', close: () => client.close() };
}
