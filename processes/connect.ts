/**
 * What a process of the production shape (`npm run api`, `npm run router`) opens from the
 * environment: its database pool and its Temporal client, and the shutdown steps that close them.
 */
import { Client, Connection } from '@temporalio/client';
import { openDatabase, type Database } from '../db/client';
import type { Config } from '../lib/config';
import type { ShutdownStep } from '../lib/shutdown';
import { databaseUrlOf } from '../servers/embedded-postgres';

export interface Connected {
  database: Database;
  client: Client;
  /** Last in the process's shutdown: the Temporal connection, then the database. */
  closing: ShutdownStep[];
}

export async function connectFromConfig(config: Config, wanted: { name: string; connections: number; needs?: Array<keyof Config> }): Promise<Connected> {
  const needs: Array<keyof Config> = ['TEMPORAL_ADDRESS', 'DATABASE_URL', ...(wanted.needs ?? [])];
  const missing = needs.filter((name) => { const v = config[name]; return v === undefined || (Array.isArray(v) && !v.length); });
  if (missing.length) throw new Error(`npm run ${wanted.name} needs ${missing.join(', ')} (npm start runs everything embedded)`);
  const database = await openDatabase({ url: databaseUrlOf(config), max: wanted.connections });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  return {
    database,
    client,
    closing: [
      { name: 'temporal connection', run: () => connection.close() },
      { name: 'database', run: () => database.close() },
    ],
  };
}
