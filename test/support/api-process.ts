/**
 * Cascade's API in a process of its own, for tests that kill it (test/chaos-api.test.ts): the real
 * entry point, `npm run api` (processes/api.ts main), configured from the environment like production:
 * DATABASE_URL, TEMPORAL_ADDRESS, CASCADE_API_KEYS, CASCADE_UNSUBSCRIBE_SECRET, PORT. The port stays
 * the same across restarts, so a client keeps its URL, as it would behind a load balancer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../servers/free-port';

const entry = fileURLToPath(new URL('../../processes/api.ts', import.meta.url));

export interface ApiProcess {
  url: string;
  key: string;
  /** The running process, if any. */
  child: ChildProcess | undefined;
  start(): Promise<void>;
  /** SIGKILL: no graceful shutdown, requests in flight get no answer. */
  kill(): Promise<void>;
}

export async function apiProcess(env: { DATABASE_URL: string; TEMPORAL_ADDRESS: string; TEMPORAL_TASK_QUEUE: string } & Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const key = `chaos-${randomBytes(16).toString('hex')}`;
  const unsubscribeSecret = randomBytes(32).toString('hex');
  const handle: ApiProcess = {
    url: `http://127.0.0.1:${port}`,
    key,
    child: undefined,
    async start() {
      const child = spawn(process.execPath, ['--import', 'tsx', entry], {
        env: {
          ...process.env,
          CASCADE_API_KEYS: key,
          CASCADE_UNSUBSCRIBE_SECRET: unsubscribeSecret,
          CASCADE_RATE_LIMIT: 'off',
          LOG_LEVEL: 'warn',
          ...env,
          PORT: String(port),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      handle.child = child;
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code, signal) => reject(new Error(`API process exited (${code ?? signal}) before it was ready:\n${stderr}`))),
      );
      exited.catch(() => undefined);
      await Promise.race([exited, healthy(handle.url, () => child.exitCode === null && child.signalCode === null)]);
    },
    async kill() {
      const child = handle.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
      handle.child = undefined;
    },
  };
  return handle;
}

/** Ready when /healthz says Postgres and Temporal answer (the listener is up by then too). */
async function healthy(url: string, alive: () => boolean): Promise<void> {
  while (alive()) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
