/**
 * Cascade's processes as production runs them (`npm run api`, `npm run worker`: each its own Node
 * process, configured by the environment), started and stopped by the bench, with their memory read
 * from /proc. One place decides how an entry point is launched, so the switch to the ahead-of-time
 * build (`node dist/…`) is one line here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface CascadeProcess {
  pid: number;
  /** SIGTERM, then wait for the graceful stop (a CPU profile, when asked for, is written then). */
  stop(): Promise<void>;
}

/** The built entry when `npm run build` made one, else the TypeScript source under tsx. */
function entryArgs(entry: 'api' | 'worker'): string[] {
  const built = `dist/${entry}.js`;
  if (existsSync(built)) return [built];
  return ['--import', 'tsx', entry === 'api' ? 'processes/api.ts' : 'processes/worker.ts'];
}

export interface ProcessEnv {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_TASK_QUEUE: string;
  [name: string]: string;
}

const COMMON = {
  LOG_LEVEL: 'warn',
  CASCADE_UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef',
  CASCADE_RATE_LIMIT: 'off',
  CASCADE_DATA_DIR: '.data/bench',
  // On this machine only: the API's and the worker's /metrics are then served without a token.
  CASCADE_API_HOST: '127.0.0.1',
  CASCADE_WORKER_METRICS_HOST: '127.0.0.1',
};

export interface LaunchOptions {
  nodeArgs?: string[];
  /** A CPU list for `taskset -c` (util-linux), e.g. "0": the process and its threads run only there. */
  cpus?: string;
}

function launch(entry: string, args: string[], env: Record<string, string>, cpus?: string): ChildProcess {
  // taskset execs node in place, so the pid held is still the process that serves.
  const [command, argv] = cpus === undefined ? [process.execPath, args] : ['taskset', ['-c', cpus, process.execPath, ...args]];
  const child = spawn(command, argv, {
    env: { ...process.env, ...COMMON, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') console.error(`bench: ${entry} process ${child.pid} exited (${code ?? signal})`);
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timeout = sleep(30_000).then(() => child.kill('SIGKILL'));
  await Promise.race([exited, timeout]);
}

async function waitForHttp(url: string, child: ChildProcess, what: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
}

export interface ApiProcess extends CascadeProcess {
  url: string;
  key: string;
}

export async function startApiProcess(env: ProcessEnv, opts: LaunchOptions = {}): Promise<ApiProcess> {
  const port = await freePort();
  const key = 'bench-key-0123456789abcdef0123456789';
  const child = launch('api', [...(opts.nodeArgs ?? []), ...entryArgs('api')], { ...env, PORT: String(port), CASCADE_API_KEYS: key }, opts.cpus);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/openapi.json`, child, 'the API process');
  return { pid: child.pid!, url, key, stop: () => stopChild(child) };
}

/** Ready once its /metrics answers, which processes/worker.ts serves after the worker polls. */
export async function startWorkerProcess(env: ProcessEnv, opts: LaunchOptions = {}): Promise<CascadeProcess> {
  const port = await freePort();
  const child = launch('worker', [...(opts.nodeArgs ?? []), ...entryArgs('worker')], { ...env, CASCADE_WORKER_METRICS_PORT: String(port) }, opts.cpus);
  await waitForHttp(`http://127.0.0.1:${port}/metrics`, child, 'the worker process');
  return { pid: child.pid!, stop: () => stopChild(child) };
}

/** The acceptance row's raw limit (bench/raw-ingest-server.ts): a process of its own, as the API is. */
export async function startRawIngestProcess(env: { DATABASE_URL: string; BENCH_RAW_POOL: string }): Promise<ApiProcess> {
  const port = await freePort();
  const child = launch('raw ingest', ['--import', 'tsx', 'bench/raw-ingest-server.ts'], { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, child, 'the raw ingest process');
  return { pid: child.pid!, url, key: 'none', stop: () => stopChild(child) };
}

/** `root` and its descendants (a Postgres server's backends, a process's children), from /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => (out.push(pid), (children.get(pid) ?? []).forEach(walk));
  walk(root);
  return out;
}

/** A process tree's memory in MiB, each process read by `perProcess` (VmRSS by default; `pssKiB` for its share). */
export function treeRssMiB(rootPid: number, perProcess: (pid: number) => number = rssKiB): number {
  const kib = processTree(rootPid).reduce((sum, pid) => sum + perProcess(pid), 0);
  return Math.round(kib / 1024);
}

export function rssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The process's proportional share of the pages it maps (Postgres backends share their buffers). */
export function pssKiB(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
