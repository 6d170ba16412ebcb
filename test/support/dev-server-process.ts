/**
 * The Temporal dev server as a child process with its history in a SQLite file, for tests that kill
 * it: `kill()` is `kill -9`, `start()` brings it back on the same file and port, so clients and
 * workers that keep their address reconnect by themselves. (The SDK's own TestWorkflowEnvironment
 * cannot restart its server.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { devServerSearchAttributeArgs } from '../../lib/temporal';
import { killChild } from './worker-child';

/** WAL with synchronous=normal: a crash of the process loses nothing committed (a power cut may lose the last ones). */
const SQLITE_PRAGMAS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];

export interface DevServerProcess {
  address: string;
  dbFile: string;
  /** Starts it (again) on the same file and port; resolves once it answers. */
  start(): Promise<void>;
  /** `kill -9`. */
  kill(): Promise<void>;
  /** Kills it and deletes its files. */
  dispose(): Promise<void>;
}

export async function devServerProcess(): Promise<DevServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-temporal-'));
  const dbFile = join(dir, 'temporal.db');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const server: DevServerProcess = {
    address,
    dbFile,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error('the dev server is already running');
      output = '';
      const started = spawn(
        inject('temporalCli'),
        ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, '--log-level', 'warn', ...SQLITE_PRAGMAS, ...devServerSearchAttributeArgs],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      started.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      started.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      await answers(address, started, () => output);
    },
    async kill() {
      if (child) await killChild(child);
    },
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** Polls until the frontend answers a real call (the port opens before the server is ready). */
async function answers(address: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited (${child.exitCode}):\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer in 30 s: ${(err as Error).message}\n${output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
