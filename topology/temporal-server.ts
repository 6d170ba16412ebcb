/**
 * The Go-built Temporal server on Postgres, configured as docker-compose.yml configures the
 * temporalio/server image: `start` with no config file renders the server's embedded template from
 * the environment, here deploy/temporal-server.env plus the connection and ports of this machine.
 * Then the `default` namespace and Cascade's search attributes, and a wait until a visibility query
 * by CascadeCustomerId is answered (the namespace and attribute caches have caught up).
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureSearchAttributes } from '../lib/temporal';
import { freePort } from '../servers/free-port';
import { startProcess, until, type ManagedProcess } from './process';
import { dynamicConfigPath, serverSettings } from './server-settings';

/** How long closed runs stay readable; `temporal-namespace` in docker-compose.yml passes the same. */
export const NAMESPACE_RETENTION_HOURS = 72;

export interface TemporalServer {
  address: string;
  namespace: string;
  historyShards: number;
  /** The server's Prometheus endpoint. */
  metricsUrl: string;
  process: ManagedProcess;
}

export async function startTemporalServer(opts: {
  binary: string;
  postgres: { host: string; port: number; user: string; password: string };
  historyShards?: number;
  dir: string;
  namespace?: string;
}): Promise<TemporalServer> {
  const settings = serverSettings();
  const historyShards = opts.historyShards ?? settings.historyShards;
  const namespace = opts.namespace ?? 'default';
  const port = async () => String(await freePort({ below: 32_768 }));
  const ports = {
    FRONTEND_GRPC_PORT: await port(),
    FRONTEND_HTTP_PORT: await port(),
    FRONTEND_MEMBERSHIP_PORT: await port(),
    HISTORY_GRPC_PORT: await port(),
    HISTORY_MEMBERSHIP_PORT: await port(),
    MATCHING_GRPC_PORT: await port(),
    MATCHING_MEMBERSHIP_PORT: await port(),
    WORKER_GRPC_PORT: await port(),
    WORKER_MEMBERSHIP_PORT: await port(),
  };
  const metrics = `127.0.0.1:${await port()}`;
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  // A clean environment: only the shared settings and this machine's, so no stray variable of the
  // caller's shell (the template reads dozens) configures the server differently from compose.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...settings.env,
    NUM_HISTORY_SHARDS: String(historyShards),
    POSTGRES_SEEDS: opts.postgres.host,
    DB_PORT: String(opts.postgres.port),
    POSTGRES_USER: opts.postgres.user,
    POSTGRES_PWD: opts.postgres.password,
    BIND_ON_IP: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigPath,
    PROMETHEUS_ENDPOINT: metrics,
    LOG_LEVEL: 'warn',
    ...ports,
  };
  const process_ = await startProcess({
    name: 'Temporal server',
    command: opts.binary,
    args: ['start'],
    env,
    cwd: opts.dir,
    logFile: join(opts.dir, 'temporal.log'),
    secrets: [opts.postgres.password],
    readyTimeoutMs: 120_000,
    ready: async (_, waiting) => {
      await until(async () => {
        const probe = await Connection.connect({ address, connectTimeout: 2_000 });
        try {
          await probe.workflowService.getClusterInfo({});
          return true;
        } finally {
          await probe.close();
        }
      }, waiting);
    },
  });
  const connection = await Connection.connect({ address });
  try {
    await setUpNamespace(connection, namespace);
  } finally {
    await connection.close();
  }
  return { address, namespace, historyShards, metricsUrl: `http://${metrics}/metrics`, process: process_ };
}

async function setUpNamespace(connection: Connection, namespace: string): Promise<void> {
  const exists = await connection.workflowService.describeNamespace({ namespace }).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION_HOURS * 3600_000),
    });
  }
  // Right after registration the frontend's namespace cache may not know it yet (it refreshes every
  // 2 s); both steps are retried until a query by Cascade's own attribute is answered.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await ensureSearchAttributes(connection, namespace);
      await connection.workflowService.listWorkflowExecutions({ namespace, query: 'CascadeCustomerId = "readiness-probe"', pageSize: 1 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} not usable within 60 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
