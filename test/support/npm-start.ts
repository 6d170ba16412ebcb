/**
 * `npm start` as a user runs it, for the tests: the built `dist/start.js` on its embedded defaults
 * (its own Postgres from npm and Temporal dev server) in a data folder of the test's, on free ports
 * instead of 3000/7233/8233, with nothing of the suite's environment but what is passed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import { root } from '../../lib/paths';
import { freePort } from '../../servers/free-port';
import { isAlive, readPid } from '../../servers/pid-files';
import { eventually } from './journeys';

export interface NpmStartPorts {
  api: number;
  temporal: number;
  ui: number;
}

export interface RunningNpmStart {
  child: ChildProcess;
  output: () => string;
  url: string;
}

/** `npm run build --if-stale`, as `npm start` does first. */
export function buildIfStale(): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
}

/** Temporal keeps membership ports in a SMALLINT column: its two below 30,000. */
export async function npmStartPorts(): Promise<NpmStartPorts> {
  return { api: await freePort(), temporal: await freePort({ below: 30_000 }), ui: await freePort({ below: 30_000 }) };
}

/** Starts `node dist/start.js` on `dir` and waits for "Cascade is running" (or its exit). */
export async function startNpmStart(dir: string, ports: NpmStartPorts, env: Record<string, string> = {}): Promise<RunningNpmStart> {
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', 'start.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      TEMPORAL_CLI_PATH: inject('temporalCli'),
      CASCADE_DATA_DIR: dir,
      PORT: String(ports.api),
      CASCADE_DEV_SERVER_PORT: String(ports.temporal),
      CASCADE_DEV_SERVER_UI_PORT: String(ports.ui),
      CASCADE_RATE_LIMIT: 'off',
      CASCADE_WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    // A process group of its own, as a shell gives `npm start`.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await eventually(async () => (out.includes('Cascade is running') || child.exitCode !== null ? true : undefined), 90_000);
  expect(out, 'npm start did not come up').toContain('Cascade is running');
  return { child, output: () => out, url: `http://127.0.0.1:${ports.api}` };
}

/** The live processes the data folder's pid files name: the owner, its dev server, its Postgres. */
export function pidFileProcesses(dir: string): number[] {
  return [join(dir, 'temporal-dev-server.pid'), join(dir, 'postgres', 'postmaster.pid'), join(dir, 'cascade.pid')]
    .map((f) => readPid(f))
    .filter((pid): pid is number => pid !== undefined && isAlive(pid));
}

/**
 * Every process whose command line names the data folder or its Postgres cluster (the dev server's
 * database file, Postgres's -D; as root the cluster lives elsewhere and `postgres/` links to it).
 */
export function processesNaming(dir: string): Array<{ pid: number; command: string }> {
  const cluster = join(dir, 'postgres');
  const marks = [dir, ...(existsSync(cluster) ? [realpathSync(cluster)] : [])];
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (marks.some((m) => command.includes(m)) && Number(entry) !== process.pid) found.push({ pid: Number(entry), command });
  }
  return found;
}

/** Sends `signal` and resolves with the exit code (or the signal that ended it). */
export function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<number | NodeJS.Signals | null> {
  const exited = new Promise<number | NodeJS.Signals | null>((r) => child.once('exit', (code, sig) => r(code ?? sig)));
  process.kill(child.pid!, signal);
  return exited;
}
