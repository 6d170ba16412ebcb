/** Postgres's errors as the queries meet them: drizzle wraps postgres.js's PostgresError in its own. */
import postgres from 'postgres';

/** Did this statement break the unique index or constraint `name`? */
export function isConstraintViolation(err: unknown, name: string): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof postgres.PostgresError) return e.code === '23505' && e.constraint_name === name;
  }
  return false;
}
