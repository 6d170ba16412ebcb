/**
 * Postgres: reachable, and every migration in db/migrations applied. Drizzle's migrator applies a
 * file when its journal time is newer than the last row of `drizzle.__drizzle_migrations`; the
 * check uses the same rule, so "pending" means exactly what the next start would apply.
 */
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { fail, pass, warn, type CheckFn } from '../check';
import { fromRoot } from '../../lib/paths';

const NAME = 'postgres';
const migrationsFolder = fromRoot('db', 'migrations');

export const postgresCheck: CheckFn = async (ctx) => {
  if (!ctx.db) {
    return [warn(NAME, 'DATABASE_URL is not set and no npm start runs its embedded Postgres on CASCADE_DATA_DIR: nothing to check', 'run npm start first, or set DATABASE_URL=postgres://… for a real Postgres')];
  }
  let applied: Array<{ hash: string; created_at: string | number }>;
  try {
    const exists = await ctx.db.execute<{ table: string | null }>(sql`select to_regclass('drizzle.__drizzle_migrations')::text as table`);
    if (!exists[0]?.table) {
      return [fail(NAME, 'no migrations applied (drizzle.__drizzle_migrations does not exist)', 'start the API or worker once: they migrate before anything else')];
    }
    applied = [...(await ctx.db.execute<{ hash: string; created_at: string | number }>(sql`select hash, created_at from drizzle.__drizzle_migrations`))];
  } catch (err) {
    return [fail(NAME, `could not check: Postgres did not answer (${errorCode(err)})`, 'see that DATABASE_URL points at a running Postgres this host may reach')];
  }
  const files = readMigrationFiles({ migrationsFolder });
  const last = Math.max(0, ...applied.map((r) => Number(r.created_at)));
  const pending = files.filter((f) => f.folderMillis > last);
  const known = new Set(files.map((f) => f.folderMillis));
  const unknown = applied.filter((r) => !known.has(Number(r.created_at)));
  if (pending.length) {
    return [fail(NAME, `${pending.length} of ${files.length} migrations not applied`, 'start the API or worker of this version once: they migrate at start-up')];
  }
  if (unknown.length) {
    return [warn(NAME, `all ${files.length} migrations applied, and ${unknown.length} this code does not know (a newer version ran here)`, 'run the same version of Cascade everywhere')];
  }
  return [pass(NAME, `all ${files.length} migrations applied`)];
};

/** The driver's code (ECONNREFUSED, 28P01…): drizzle wraps the driver's error, which is then its `cause`. */
function errorCode(err: unknown): string {
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code ?? e.name ?? 'error';
}
