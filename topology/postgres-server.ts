/**
 * A throwaway Postgres server: initdb into a temp folder, start on a free port, stop and delete
 * afterwards. The test suite and the benchmark use it without durability (fsync off: a crash loses
 * nothing they need); the production topology asks for `durable` (fsync and synchronous commit on,
 * as a team runs it) and a password (as Temporal and Cascade connect in production).
 * Postgres refuses to run as root, so as root it runs as the `postgres` system user.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

const PG_BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin'];

function pgBin(name: string): string {
  for (const dir of PG_BIN_DIRS) {
    try {
      execFileSync('test', ['-x', join(dir, name)]);
      return join(dir, name);
    } catch {
      /* next */
    }
  }
  throw new Error(`Postgres server binary ${name} not found; install the postgresql package (bash .ci/run does)`);
}

export interface PostgresServer {
  /** `postgres://user[:password]@127.0.0.1:port/postgres` */
  url: string;
  host: string;
  port: number;
  user: string;
  /** `url` on another database of this server. */
  urlOf(database: string): string;
  stop(): Promise<void>;
}

export async function startPostgresServer(opts: { durable?: boolean; user?: string; password?: string } = {}): Promise<PostgresServer> {
  const user = opts.user ?? 'postgres';
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'cascade-pg-'));
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' });
  chmodSync(dir, 0o700);
  // The password reaches initdb through a file (never argv, which `ps` shows), removed once read.
  const pwfile = join(dir, 'pwfile');
  if (opts.password) writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600 });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    if (opts.password) chownSync(pwfile, uid, gid);
  }
  const auth = opts.password ? ['--auth=scram-sha-256', `--pwfile=${pwfile}`] : ['--auth=trust'];
  run(pgBin('initdb'), ['-D', data, '-U', user, ...auth, '-E', 'UTF8', ...(opts.durable ? [] : ['--no-sync'])]);
  rmSync(pwfile, { force: true });
  const port = await freePort();
  const unsafe = opts.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off'];
  const args = ['-D', data, '-p', String(port), '-k', dir, '-h', '127.0.0.1', ...unsafe, '-c', 'max_connections=300'];
  const child = asRoot ? spawn('runuser', ['-u', 'postgres', '--', pgBin('postgres'), ...args], { stdio: 'ignore' }) : spawn(pgBin('postgres'), args, { stdio: 'ignore' });
  const credentials = opts.password ? `${user}:${encodeURIComponent(opts.password)}` : user;
  const urlOf = (database: string) => `postgres://${credentials}@127.0.0.1:${port}/${database}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      execFileSync(pgBin('pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('Postgres did not start within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: urlOf('postgres'),
    host: '127.0.0.1',
    port,
    user,
    urlOf,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      run(pgBin('pg_ctl'), ['stop', '-D', data, '-m', opts.durable ? 'fast' : 'immediate', '-w']);
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
