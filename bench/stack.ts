/**
 * The parts every benchmark section runs on, started once per `npm run bench`: a Postgres server,
 * the Temporal dev server as `npm start` runs it (lib/temporal.ts: frontend RPS raised past its 2400
 * default, so the server's own limit is measured and not a rate limiter's), Cascade's worker and the
 * outbox channel.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities } from '../activities';
import { openDatabase, type Db } from '../db/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../lib/config';
import { devServerTuningArgs } from '../lib/temporal';
import { ensureTemporalBinaries } from '../scripts/temporal-binaries';
import { startPostgresServer } from '../test/support/postgres-server';
import { activityDepsFromConfig, workflowsPath } from '../worker';
import { searchAttributes } from '../workflows/contract';

export interface BenchStack {
  db: Db;
  pgUrl: string;
  client: Client;
  /** The queue Cascade's worker polls in this run. */
  taskQueue: string;
  temporalCli: string;
  stop(): Promise<void>;
}

export async function startBenchStack(opts: { maxCachedWorkflows: number }): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  process.env.LOG_LEVEL = 'warn';
  const bins = ensureTemporalBinaries();
  const pg = await startPostgresServer();
  const historyDir = mkdtempSync(join(tmpdir(), 'cascade-bench-temporal-'));
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: bins.cli.path },
      searchAttributes,
      // History in a file with npm start's flags (WAL, its synchronous setting, raised frontend RPS).
      dbFilename: join(historyDir, 'temporal.db'),
      extraArgs: devServerTuningArgs(loadConfig().CASCADE_TEMPORAL_SQLITE_SYNC),
    },
  });
  const database = await openDatabase({ url: pg.url, dataDir: '.data', max: 20 });
  const config = loadConfig({ ...process.env, DATABASE_URL: pg.url, CASCADE_UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef' });
  const taskQueue = 'cascade-bench';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: createActivities({ ...activityDepsFromConfig(database.db, config, {}), client: env.client }),
    maxCachedWorkflows: opts.maxCachedWorkflows,
  });
  const running = worker.run();
  return {
    db: database.db,
    pgUrl: pg.url,
    client: env.client,
    taskQueue,
    temporalCli: bins.cli.route,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
      rmSync(historyDir, { recursive: true, force: true });
      await database.close();
      await pg.stop();
    },
  };
}
