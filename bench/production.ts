/**
 * The production topology for the bench: topology/ (i11-topology) starts the Go-built Temporal
 * server on Postgres with N history shards, Cascade's API and W workers as separate processes; this
 * file adapts it to a BenchStack, and measures how ingest grows with shards (1, 4, 8) and with a
 * second worker. Without topology/ on this branch, the production sections fail with that reason
 * in their result and the run goes on.
 */
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client';
import { benchIngestFresh, type IngestOptions } from './ingest';
import type { BenchStack } from './stack';
import { TASK_QUEUE } from './stack';

/** What the bench needs of topology/startTopology (its brief: addresses, URL and key, worker pids). */
interface Topology {
  temporalAddress: string;
  temporalVersion?: string;
  postgresUrl: string;
  databaseUrl?: string;
  api: { url: string; key: string; pid?: number };
  workerPids: number[];
  taskQueue?: string;
  stop(): Promise<void>;
}

async function startTopology(opts: { historyShards: number; workers: number }): Promise<Topology> {
  // A computed specifier: this branch builds and runs before topology/ lands on it.
  const specifier = '../topology/index';
  const mod = (await import(specifier).catch(() => undefined)) as { startTopology?: (o: object) => Promise<Topology> } | undefined;
  if (!mod?.startTopology) throw new Error('the production topology (topology/startTopology, branch i11-topology) is not on this branch yet');
  return mod.startTopology({ ...opts, taskQueue: TASK_QUEUE });
}

export async function startProductionStack(opts: { historyShards: number; workers: number }): Promise<BenchStack> {
  const topology = await startTopology(opts);
  const dbUrl = topology.databaseUrl ?? topology.postgresUrl;
  const database = await openDatabase({ url: dbUrl, dataDir: '.data/bench', max: 20 });
  const connection = await Connection.connect({ address: topology.temporalAddress });
  return {
    name: `production-${opts.historyShards}-shards-${opts.workers}-workers`,
    db: database.db,
    pgUrl: dbUrl,
    client: new Client({ connection }),
    taskQueue: topology.taskQueue ?? TASK_QUEUE,
    temporalAddress: topology.temporalAddress,
    temporalVersion: topology.temporalVersion ?? 'Temporal server 1.32.2 (Go build) on Postgres',
    api: { url: topology.api.url, key: topology.api.key, pid: topology.api.pid ?? 0 },
    workerPids: () => topology.workerPids,
    startWorker: () => Promise.reject(new Error('extra workers come from startTopology({ workers })')),
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
