/**
 * The production topology on one machine: a durable Postgres server, the Go-built Temporal server on
 * it (deploy/temporal-server.env, the dynamic config, N history shards, SQL visibility with
 * Cascade's search attributes), then Cascade's API and workers as separate processes against both.
 * `npm run topology` runs it from a terminal, `npm run test:topology` tests it, the benchmark
 * measures it (with `workers: 0` and no API for a bare client loop against the same server).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startCascadeProcess, type CascadeProcess } from './cascade-process';
import { startPostgresServer } from '../servers/postgres';
import { ensureTemporalServerBinaries } from './temporal-build';
import { setUpTemporalSchema } from './temporal-schema';
import { startTemporalServer, type TemporalServer } from './temporal-server';

export interface TopologyOptions {
  /** Default: NUM_HISTORY_SHARDS of deploy/temporal-server.env. */
  historyShards?: number;
  /** Worker processes; 0 for none. Default 1. */
  workers?: number;
  /** An API process. Default true. */
  api?: boolean;
  /** More environment for the API and workers: provider URLs of fakes, CASCADE_RATE_LIMIT, LOG_LEVEL… */
  env?: Record<string, string>;
  /** Where phase timings go ("postgres 1.4 s"). Default: nowhere. */
  log?: (line: string) => void;
}

export interface Topology {
  /** Logs (temporal.log, api.log, worker-1.log…) and cascade.env (mode 0600: the variables to run `npm run api` by hand). */
  dir: string;
  temporal: TemporalServer;
  /** Cascade's database (`cascade`) on the topology's Postgres; the URL carries the password. */
  databaseUrl: string;
  /** The Postgres server itself (`postgres` database), for bare loops against the same server. */
  postgresUrl: string;
  api?: CascadeProcess & { key: string };
  workers: CascadeProcess[];
  /** The environment every Cascade process got; a process started with it joins this topology. */
  cascadeEnv: Record<string, string>;
  /** Seconds per phase: binaries, postgres, schema, temporal, api, workers. */
  phases: Record<string, number>;
  /** Starts one more worker process. */
  addWorker(): Promise<CascadeProcess>;
  stop(): Promise<void>;
}

const secret = () => randomBytes(24).toString('hex');

export async function startTopology(opts: TopologyOptions = {}): Promise<Topology> {
  const log = opts.log ?? (() => {});
  const phases: Record<string, number> = {};
  const phase = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const value = await run();
    phases[name] = Math.round((Date.now() - started) / 100) / 10;
    log(`${name}: ${phases[name]} s`);
    return value;
  };
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };

  try {
    const binaries = await phase('binaries', () => ensureTemporalServerBinaries({ log }));
    log(`Temporal server: ${binaries.route}`);
    const dir = mkdtempSync(join(tmpdir(), 'cascade-topology-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    const password = secret();
    const pg = await phase('postgres', () => startPostgresServer({ durable: true, user: 'cascade', password }));
    stops.push(() => pg.stop());
    await phase('schema', async () => {
      await setUpTemporalSchema({ sqlTool: binaries.sql, host: pg.host, port: pg.port, user: pg.user, password });
      const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
      await admin`create database cascade`.finally(() => admin.end());
    });
    const temporal = await phase('temporal', () =>
      startTemporalServer({ binary: binaries.server, postgres: { host: pg.host, port: pg.port, user: pg.user, password }, historyShards: opts.historyShards, dir }),
    );
    stops.push(() => temporal.process.stop());

    const apiKey = secret();
    const cascadeEnv: Record<string, string> = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      DATABASE_URL: pg.urlOf('cascade'),
      CASCADE_API_KEYS: apiKey,
      CASCADE_UNSUBSCRIBE_SECRET: secret(),
      CASCADE_DATA_DIR: join(dir, 'data'),
      // A topology on one machine listens on loopback only, so /metrics needs no token.
      CASCADE_API_HOST: '127.0.0.1',
      CASCADE_WORKER_METRICS_HOST: '127.0.0.1',
      ...opts.env,
    };
    const secrets = [password, apiKey, cascadeEnv.CASCADE_UNSUBSCRIBE_SECRET!];
    writeFileSync(join(dir, 'cascade.env'), Object.entries(cascadeEnv).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });

    // Cascade stops before the server and the database it drains against.
    const cascade: CascadeProcess[] = [];
    stops.push(() => Promise.all(cascade.map((c) => c.process.stop())));
    const start = (role: 'api' | 'worker', name: string) =>
      startCascadeProcess({ role, name, env: cascadeEnv, dir, secrets }).then((c) => (cascade.push(c), c));

    // Side by side (their migrations run once, under a lock): the workers' webpack is the long part.
    const [workers, api] = await Promise.all([
      phase('workers', () => Promise.all(Array.from({ length: opts.workers ?? 1 }, (_, i) => start('worker', `worker-${i + 1}`)))),
      opts.api === false ? undefined : phase('api', () => start('api', 'api')),
    ]);

    return {
      dir,
      temporal,
      databaseUrl: pg.urlOf('cascade'),
      postgresUrl: pg.url,
      api: api && { ...api, key: apiKey },
      workers,
      cascadeEnv,
      phases,
      addWorker: async () => {
        const worker = await start('worker', `worker-${workers.length + 1}`);
        workers.push(worker);
        return worker;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
