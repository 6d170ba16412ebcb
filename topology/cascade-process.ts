/**
 * Cascade's API and worker as separate Node processes, started the way `npm run api` and `npm run
 * worker` start them but without npm in between, so the pid held is Node's own (a `kill -9`
 * reaches the process that serves, not a wrapper). How a role is launched is one line below.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../servers/free-port';
import { startProcess, until, type ManagedProcess } from './process';

export type CascadeRole = 'api' | 'worker';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Node's arguments per role: package.json's `api` and `worker` scripts, tsx as a loader. */
const launch: Record<CascadeRole, string[]> = {
  api: ['--import', 'tsx', 'processes/api.ts'],
  worker: ['--import', 'tsx', 'processes/worker.ts'],
};

export interface CascadeProcess {
  role: CascadeRole;
  process: ManagedProcess;
  /** The API's base URL, or the worker's /metrics. */
  url: string;
}

/**
 * `env` is all the process gets besides PATH and HOME: the caller's shell (a real RESEND_API_KEY,
 * say) does not leak into a throwaway topology.
 */
export async function startCascadeProcess(opts: {
  role: CascadeRole;
  name: string;
  env: Record<string, string>;
  dir: string;
  secrets: string[];
}): Promise<CascadeProcess> {
  const port = await freePort();
  const own: Record<string, string> = opts.role === 'api' ? { PORT: String(port) } : { CASCADE_WORKER_METRICS_PORT: String(port) };
  const url = opts.role === 'api' ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/metrics`;
  const process_ = await startProcess({
    name: opts.name,
    command: process.execPath,
    args: launch[opts.role],
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? root, ...opts.env, ...own },
    logFile: join(opts.dir, `${opts.name}.log`),
    secrets: opts.secrets,
    // A worker bundles the journeys with webpack first: tens of seconds on two busy cores.
    readyTimeoutMs: 180_000,
    // The API once /healthz says Postgres and Temporal answer; the worker once it polls (it opens
    // its /metrics right after, whatever LOG_LEVEL hides; a 401 under CASCADE_METRICS_TOKEN counts).
    ready: (_, waiting) =>
      opts.role === 'api'
        ? until(async () => (await fetch(`${url}/healthz`)).ok, waiting)
        : until(async () => (await fetch(url)).status > 0, waiting),
  });
  return { role: opts.role, process: process_, url };
}
