/**
 * A Temporal dev server (`temporal server start-dev`) for the bench: its own free port, its history
 * in a file under a temp folder (as `npm start` keeps it), headless, with the flags the caller picks:
 * the embedded default's tuned flags, or none for the plain server a new user would start. Its
 * logs are off: under load it logs every slow SQLite write, which buries the bench's own output.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { devServerSearchAttributeArgs, devServerTuningArgs } from '../lib/temporal';
import { ensureTemporalBinaries } from '../servers/temporal-binaries';
import { freePort } from './processes';

/** What the embedded default adds to `start-dev`: the flags `npm start` runs it with (lib/temporal.ts). */
export const EMBEDDED_DEV_SERVER_FLAGS = devServerTuningArgs(loadConfig({}).CASCADE_TEMPORAL_SQLITE_SYNC);

export interface DevServer {
  address: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

export function temporalCliVersion(): string {
  const { cli } = ensureTemporalBinaries();
  return `${execFileSync(cli.path, ['--version']).toString().trim()} (${cli.route})`;
}

export async function startDevServer(flags: string[]): Promise<DevServer> {
  const { cli } = ensureTemporalBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'cascade-bench-temporal-'));
  const port = await freePort();
  const child = spawn(
    cli.path,
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', join(dir, 'temporal.db'),
      '--log-level', 'never', ...devServerSearchAttributeArgs, ...flags],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
  return {
    address,
    pid: child.pid!,
    version: temporalCliVersion(),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
