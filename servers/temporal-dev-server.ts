/**
 * `npm start`'s Temporal when TEMPORAL_ADDRESS is not set: the dev server (SQLite history in the
 * data folder, Web UI on :8233), with a pid file there so a start after a `kill -9` of Cascade ends
 * the server that outlived it instead of failing on its port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../lib/config';
import { devServerSearchAttributeArgs, devServerTuningArgs } from '../lib/temporal';
import { ensureTemporalBinaries } from './temporal-binaries';
import { commandLineOf, endLeftover, isAlive, readPid, writePidFile } from './pid-files';

const PID_FILE = 'temporal-dev-server.pid';

export interface DevServer {
  address: string;
  uiUrl: string;
  historyFile: string;
  route: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((done, fail) => {
    const attempt = () => {
      if (child.exitCode !== null) return fail(new Error(`the Temporal dev server exited with code ${child.exitCode} while starting`));
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        done();
      });
      socket.on('error', () => {
        socket.destroy();
        if (Date.now() > deadline) fail(new Error(`Temporal dev server did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

type DevServerConfig = Pick<Config, 'CASCADE_TEMPORAL_SQLITE_SYNC' | 'CASCADE_DEV_SERVER_PORT' | 'CASCADE_DEV_SERVER_UI_PORT'>;

export async function startDevServer(dataDir: string, config: DevServerConfig): Promise<DevServer> {
  const port = config.CASCADE_DEV_SERVER_PORT;
  const historyFile = join(dataDir, 'temporal.db');
  const pidFile = join(dataDir, PID_FILE);
  await endLeftover(pidFile, historyFile);
  for (const p of [port, config.CASCADE_DEV_SERVER_UI_PORT]) {
    if (!(await portFree(p))) throw new Error(`127.0.0.1:${p} is taken by a process this data folder did not start: stop it, or set TEMPORAL_ADDRESS to use that Temporal`);
  }
  const { cli } = ensureTemporalBinaries();
  const child = spawn(
    cli.path,
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(config.CASCADE_DEV_SERVER_UI_PORT),
      '--db-filename', historyFile, '--log-level', 'warn', ...devServerSearchAttributeArgs, ...devServerTuningArgs(config.CASCADE_TEMPORAL_SQLITE_SYNC)],
    // Its own process group: Ctrl+C reaches only Cascade, which stops the server last, after the
    // worker has drained against it.
    { stdio: ['ignore', 'inherit', 'inherit'], detached: true },
  );
  // The port too, so `npm run doctor` beside it finds the server.
  writePidFile(pidFile, child.pid!, String(port));
  await waitForPort(port, child, 30_000);
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${config.CASCADE_DEV_SERVER_UI_PORT}`,
    historyFile,
    route: cli.route,
    child,
    stop: async () => {
      child.removeAllListeners('exit');
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(pidFile, { force: true });
    },
  };
}

/** The address of the dev server a running `npm start` serves from `dataDir`, if one runs. */
export function runningDevServerAddress(dataDir: string): string | undefined {
  const file = join(dataDir, PID_FILE);
  const pid = readPid(file);
  if (pid === undefined || !isAlive(pid) || !(commandLineOf(pid) ?? '').includes(join(dataDir, 'temporal.db'))) return undefined;
  return `127.0.0.1:${readFileSync(file, 'utf8').split('\n')[1]}`;
}
