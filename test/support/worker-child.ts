/**
 * Spawns test/support/worker-process.ts (a Cascade worker in a process of its own) and kills it with
 * SIGKILL, for the tests where a worker dies mid-work: test/smsc-crash.test.ts, test/chaos-*.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { TEST_UNSUBSCRIBE_SECRET } from './cascade';

const script = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const children = new Set<ChildProcess>();

export interface WorkerChild {
  child: ChildProcess;
  /** `kill -9`, resolved once the process is gone. */
  kill(): Promise<void>;
}

/**
 * A worker on `address` and `queue`, with the run's workflow bundle and `env` on top (provider
 * settings, DATABASE_URL); resolves once it polls.
 */
export async function startWorkerProcess(env: Record<string, string> & { TEMPORAL_ADDRESS: string; TEMPORAL_TASK_QUEUE: string; DATABASE_URL: string }): Promise<WorkerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      CASCADE_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      CASCADE_UNSUBSCRIBE_SECRET: TEST_UNSUBSCRIBE_SECRET,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('worker ready')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`worker process exited (${code ?? signal}) before it was ready:\n${output}`)));
  });
  return { child, kill: () => killChild(child) };
}

export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** For afterAll: every worker process this file started and did not kill yet. */
export async function killAllWorkerProcesses(): Promise<void> {
  await Promise.all([...children].map(killChild));
}
