/**
 * What the bench measures against: a Temporal server, the Postgres it is paired with, and Cascade's
 * API and worker as separate processes (as production runs them). The embedded default is the dev
 * server with Cascade's tuned flags on a Postgres server; the production topology comes from
 * bench/production.ts. Sections talk to Cascade over HTTP and read its database to see what
 * happened; the bare loops use `client` on the same server.
 */
import { Client, Connection } from '@temporalio/client';
import { openDatabase, type Db } from '../db/client';
import { startPostgresServer } from '../servers/postgres';
import { EMBEDDED_DEV_SERVER_FLAGS, startDevServer } from './dev-server';
import { startApiProcess, startWorkerProcess, type ApiProcess, type CascadeProcess } from './processes';

export interface BenchStack {
  name: string;
  db: Db;
  pgUrl: string;
  /** A Temporal client of the bench's own, for the bare loops. */
  client: Client;
  taskQueue: string;
  temporalAddress: string;
  temporalVersion: string;
  api: { url: string; key: string; pid: number };
  workerPids(): number[];
  /** Another worker process on `taskQueue`, stopped by the caller. */
  startWorker(taskQueue: string): Promise<CascadeProcess>;
  /** Restart the API with extra Node flags (e.g. --cpu-prof); the old one stops gracefully first. */
  restartApi(nodeArgs: string[]): Promise<void>;
  stop(): Promise<void>;
}

export const TASK_QUEUE = 'cascade-bench';

export async function startEmbeddedStack(): Promise<BenchStack> {
  const pg = await startPostgresServer();
  const temporal = await startDevServer(EMBEDDED_DEV_SERVER_FLAGS);
  const env = { DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE };
  // The database is migrated by the first process that opens it; the bench opens it before the API.
  const database = await openDatabase({ url: pg.url, max: 20 });
  const worker = await startWorkerProcess(env);
  let api: ApiProcess = await startApiProcess(env);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const extras = new Set<CascadeProcess>();
  const stack: BenchStack = {
    name: 'embedded',
    db: database.db,
    pgUrl: pg.url,
    client,
    taskQueue: TASK_QUEUE,
    temporalAddress: temporal.address,
    temporalVersion: temporal.version,
    api,
    workerPids: () => [worker.pid],
    async startWorker(taskQueue) {
      const extra = await startWorkerProcess({ ...env, TEMPORAL_TASK_QUEUE: taskQueue });
      extras.add(extra);
      return { pid: extra.pid, stop: () => (extras.delete(extra), extra.stop()) };
    },
    async restartApi(nodeArgs) {
      await api.stop();
      api = await startApiProcess(env, { nodeArgs });
      stack.api = api;
    },
    async stop() {
      // A section's own workers too, when a signal ends the bench in the middle of one.
      await Promise.all([...extras].map((w) => w.stop()));
      await api.stop();
      await worker.stop();
      await connection.close();
      await database.close();
      await temporal.stop();
      await pg.stop();
    },
  };
  return stack;
}

export type { CascadeProcess };
