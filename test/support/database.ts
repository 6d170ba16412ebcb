/** A fresh database per test file on the run's Postgres server, migrated like production. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../db/client';

export async function createTestDatabase(onStatement?: (sql: string) => void): Promise<Database & { url: string }> {
  const serverUrl = inject('postgresUrl');
  const name = `cascade_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), onStatement });
  return { ...database, url: url.toString() };
}
