/**
 * `npm start`'s database when DATABASE_URL is not set: the Postgres server from npm
 * (servers/postgres.ts), durable, its cluster in `<data dir>/postgres` and its password in
 * `<data dir>/postgres-password` (made at the first start, like the API key). The other commands
 * (`npm run api-key`, `npm run doctor`, a second process) reach the running one through its
 * postmaster.pid, which names its port.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { claimDataDir, isAlive, readPid } from './pid-files';
import { removeCluster, startPostgresServer, type PostgresServer } from './postgres';

const USER = 'cascade';

const clusterOf = (dataDir: string) => join(resolve(dataDir), 'postgres');

const passwordFileOf = (dataDir: string) => join(resolve(dataDir), 'postgres-password');

/** Deletes a data folder `npm start` used, with its cluster wherever it lives (as root, often elsewhere). */
export function removeDataDir(dataDir: string): void {
  removeCluster(clusterOf(dataDir));
  rmSync(dataDir, { recursive: true, force: true });
}

/** The cluster's password, made at the first start. */
function password(dataDir: string): string {
  const file = passwordFileOf(dataDir);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const made = randomBytes(24).toString('base64url');
  writeFileSync(file, `${made}\n`, { mode: 0o600 });
  return made;
}

/**
 * Sized for a laptop. Postgres touches its shared buffers as it uses them and keeps them; 32 MB
 * holds the embedded working set (the files are in the OS cache as well), against 128 MB by default.
 */
const LAPTOP = { shared_buffers: '32MB', max_connections: 100 };

export function startEmbeddedPostgres(dataDir: string): Promise<PostgresServer> {
  return startPostgresServer({ dataDir: clusterOf(dataDir), durable: true, user: USER, password: password(dataDir), settings: LAPTOP });
}

/** The URL of the embedded Postgres serving `dataDir` right now, if one is running. */
function runningEmbeddedPostgresUrl(dataDir: string): string | undefined {
  const pidFile = join(clusterOf(dataDir), 'postmaster.pid');
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) return undefined;
  // postmaster.pid: pid, data folder, start time, port, socket folder, listen address, ...
  const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
  if (!Number.isInteger(port) || port <= 0 || !existsSync(passwordFileOf(dataDir))) return undefined;
  return `postgres://${USER}:${encodeURIComponent(password(dataDir))}@127.0.0.1:${port}/postgres`;
}

type DatabaseConfig = { DATABASE_URL?: string; CASCADE_DATA_DIR: string };

/** DATABASE_URL, else the embedded Postgres a running `npm start` serves from the data folder, if any. */
export function knownDatabaseUrl(config: DatabaseConfig): string | undefined {
  return config.DATABASE_URL ?? runningEmbeddedPostgresUrl(config.CASCADE_DATA_DIR);
}

/** As knownDatabaseUrl, failing with what to do when there is none. */
export function databaseUrlOf(config: DatabaseConfig): string {
  const url = knownDatabaseUrl(config);
  if (!url) throw new Error(`DATABASE_URL is not set and no embedded Postgres is running on ${clusterOf(config.CASCADE_DATA_DIR)}: set DATABASE_URL, or run npm start first`);
  return url;
}

/**
 * For a command beside `npm start` (`npm run api-key`): DATABASE_URL, else the running embedded
 * Postgres, else the embedded one started for the command alone and stopped after it.
 */
export async function databaseForCommand(config: DatabaseConfig): Promise<{ url: string; close(): Promise<void> }> {
  const url = knownDatabaseUrl(config);
  if (url) return { url, close: async () => {} };
  mkdirSync(config.CASCADE_DATA_DIR, { recursive: true });
  const release = claimDataDir(resolve(config.CASCADE_DATA_DIR));
  try {
    const server = await startEmbeddedPostgres(config.CASCADE_DATA_DIR);
    return { url: server.url, close: async () => { await server.stop(); release(); } };
  } catch (err) {
    release();
    throw err;
  }
}
