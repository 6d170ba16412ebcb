/** A fresh database per test file on the run's Postgres server, migrated like production. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../db/client';

/** A database of its own on the run's Postgres server, not migrated: its URL. */
export async function createEmptyDatabase(): Promise<string> {
  const serverUrl = inject('postgresUrl');
  const name = `cascade_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(onStatement?: (sql: string) => void): Promise<Database & { url: string }> {
  const url = await createEmptyDatabase();
  const database = await openDatabase({ url, onStatement });
  return { ...database, url };
}
