/**
 * The production topology for the bench: topology/ (i11-topology) starts the Go-built Temporal
 * server on Postgres with N history shards, Cascade's API and W workers as separate processes; this
 * file adapts it to a BenchStack, and measures how ingest changes with shards (1, 4, 8) and with a
 * second worker. The first start builds the server from the Go module proxy (minutes; cached after).
 */
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client';
import { startTopology } from '../topology/start';
import { TEMPORAL_SERVER_VERSION } from '../topology/temporal-build';
import { benchIngestFresh, type IngestOptions } from './ingest';
import type { BenchStack } from './stack';

export async function startProductionStack(opts: { historyShards: number; workers: number }): Promise<BenchStack> {
  const topology = await startTopology({ ...opts, env: { CASCADE_RATE_LIMIT: 'off', LOG_LEVEL: 'warn' }, log: (line) => console.error(`bench: topology ${line}`) });
  if (!topology.api) throw new Error('the topology started no API');
  const api = topology.api;
  const database = await openDatabase({ url: topology.databaseUrl, max: 20 });
  const connection = await Connection.connect({ address: topology.temporal.address });
  return {
    name: `production-${opts.historyShards}-shards-${opts.workers}-workers`,
    db: database.db,
    // The bare INSERT loop writes into Cascade's database on the same server.
    pgUrl: topology.databaseUrl,
    client: new Client({ connection, namespace: topology.temporal.namespace }),
    taskQueue: topology.cascadeEnv.TEMPORAL_TASK_QUEUE ?? 'cascade',
    temporalAddress: topology.temporal.address,
    temporalVersion: `Temporal server ${TEMPORAL_SERVER_VERSION} (Go build) on Postgres, ${topology.temporal.historyShards} history shards, ${opts.workers} worker(s)`,
    api: { url: api.url, key: api.key, pid: api.process.pid },
    workerPids: () => topology.workers.map((w) => w.process.pid),
    startWorker: () => Promise.reject(new Error('workers come from startTopology({ workers })')),
    restartApi: () => Promise.reject(new Error('the topology owns its API process')),
    async stop() {
      await connection.close();
      await database.close();
      await topology.stop();
    },
  };
}

/** ingest-fresh on 1, 4 and 8 history shards with one worker, and on 8 with two workers. */
export async function benchShards(opts: Omit<IngestOptions, 'tag'> & { tag: string }): Promise<Record<string, unknown>> {
  const shapes = [
    { historyShards: 1, workers: 1 },
    { historyShards: 4, workers: 1 },
    { historyShards: 8, workers: 1 },
    { historyShards: 8, workers: 2 },
  ];
  const results: Record<string, unknown> = {};
  for (const shape of shapes) {
    if (Date.now() > opts.deadline) {
      results[`${shape.historyShards}s-${shape.workers}w`] = { error: 'cut: no time left' };
      continue;
    }
    const stack = await startProductionStack(shape);
    try {
      results[`${shape.historyShards}s-${shape.workers}w`] = await benchIngestFresh(stack, { ...opts, tag: `${opts.tag}${shape.historyShards}${shape.workers}` });
    } catch (err) {
      results[`${shape.historyShards}s-${shape.workers}w`] = { error: err instanceof Error ? err.message : String(err) };
    } finally {
      await stack.stop();
    }
  }
  return results;
}
