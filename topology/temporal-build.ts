/**
 * The Temporal server a team runs in production (not the CLI's dev server) and its sql tool, at the
 * version docker-compose.yml pins. Neither ships as an npm or PyPI package, so they are built from
 * the Go module proxy: about 3 minutes of two cores and a 160 MB binary, once; later runs find them
 * in the git-ignored .tools/go and check their version. The server needs a newer Go than Debian's,
 * fetched from the proxy too (GOTOOLCHAIN, or goCommand below for a `go` too old to do it).
 * TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH name binaries built elsewhere.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version of both deployments; test/compose.test.ts holds docker-compose.yml's images to it. */
export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** The server's go.mod wants a Go newer than the machines have; the proxy serves this toolchain. */
export const GO_TOOLCHAIN = 'go1.27.3';

export interface TemporalServerBinaries {
  server: string;
  sql: string;
  /** How they were found: `TEMPORAL_SERVER_PATH`, `cached in .tools/go/bin`, or `built (N s)`. */
  route: string;
}

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const goDir = join(root, '.tools', 'go');
const packages = { server: 'go.temporal.io/server/cmd/server', sql: 'go.temporal.io/server/cmd/tools/sql' } as const;

/** Both binaries print `<name> version X.Y.Z` with --version. */
function hasVersion(binary: string): boolean {
  try {
    const out = execFileSync(binary, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).toString();
    return new RegExp(`version ${TEMPORAL_SERVER_VERSION.replaceAll('.', '\\.')}\\b`).test(out);
  } catch {
    return false;
  }
}

function given(env: NodeJS.ProcessEnv): TemporalServerBinaries | undefined {
  const server = env.TEMPORAL_SERVER_PATH;
  const sql = env.TEMPORAL_SQL_TOOL_PATH;
  if (!server && !sql) return undefined;
  if (!server || !sql) throw new Error('set both TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH, or neither');
  for (const bin of [server, sql]) {
    if (!hasVersion(bin)) throw new Error(`${bin} is not Temporal ${TEMPORAL_SERVER_VERSION} (checked with --version)`);
  }
  return { server, sql, route: 'TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH' };
}

const goEnv = {
  GOPATH: goDir,
  GOMODCACHE: join(goDir, 'mod'),
  GOCACHE: join(goDir, 'cache'),
  // The module cache is read-only by default; this keeps `rm -rf .tools` working.
  GOFLAGS: '-modcacherw',
};

/**
 * A `go` that can build the server. From Go 1.21 on, `go` fetches the toolchain GOTOOLCHAIN names
 * by itself. Older ones (Debian 12's golang-go is 1.19) can still download it as the module it is
 * on the proxy (golang.org/toolchain), which is all `go` does itself; the zip drops the executable
 * bits, which `go` would restore, so they are restored here.
 */
function goCommand(): string {
  let version: string;
  try {
    version = execFileSync('go', ['env', 'GOVERSION'], { env: { ...process.env, GOTOOLCHAIN: 'local' } }).toString().trim();
  } catch (err) {
    throw new Error(`cannot run go (${(err as Error).message.split('\n')[0]}); install Go (Debian: apt-get install golang-go)`);
  }
  const [, minor] = /^go1\.(\d+)/.exec(version) ?? [];
  if (Number(minor) >= 21) return 'go';
  const goArch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!goArch) throw new Error(`no Go toolchain for ${process.arch}`);
  mkdirSync(goDir, { recursive: true });
  const module = `golang.org/toolchain@v0.0.1-${GO_TOOLCHAIN}.linux-${goArch}`;
  const { Dir } = JSON.parse(execFileSync('go', ['mod', 'download', '-json', module], { cwd: goDir, env: { ...process.env, ...goEnv } }).toString()) as { Dir: string };
  for (const dir of [join(Dir, 'bin'), join(Dir, 'pkg', 'tool', `linux_${goArch}`)]) {
    for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o755);
  }
  return join(Dir, 'bin', 'go');
}

/** `go install` of both, its output in .tools/go/build.log (the tail is thrown when it fails). */
async function build(bin: string): Promise<void> {
  mkdirSync(goDir, { recursive: true });
  const logFile = join(goDir, 'build.log');
  const log = createWriteStream(logFile);
  const child = spawn(goCommand(), ['install', ...Object.values(packages).map((p) => `${p}@v${TEMPORAL_SERVER_VERSION}`)], {
    env: {
      ...process.env,
      GOTOOLCHAIN: GO_TOOLCHAIN,
      CGO_ENABLED: '0',
      GOBIN: bin,
      ...goEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', (err) => fail(new Error(`cannot run go: ${err.message}`)));
    child.once('close', done);
  });
  log.end();
  if (code !== 0) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`go install of Temporal ${TEMPORAL_SERVER_VERSION} failed (exit ${code}); ${logFile} ends:\n${tail}`);
  }
}

export async function ensureTemporalServerBinaries(
  opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<TemporalServerBinaries> {
  const fromEnv = given(opts.env ?? process.env);
  if (fromEnv) return fromEnv;
  const bin = join(goDir, 'bin');
  const found = { server: join(bin, 'server'), sql: join(bin, 'sql') };
  if (existsSync(found.server) && existsSync(found.sql) && hasVersion(found.server) && hasVersion(found.sql)) {
    return { ...found, route: 'cached in .tools/go/bin' };
  }
  const started = Date.now();
  opts.log?.(`building Temporal ${TEMPORAL_SERVER_VERSION} and its sql tool from the Go module proxy (minutes; progress in ${join(goDir, 'build.log')})`);
  await build(bin);
  for (const path of Object.values(found)) {
    if (!hasVersion(path)) throw new Error(`go install left no Temporal ${TEMPORAL_SERVER_VERSION} at ${path}`);
  }
  return { ...found, route: `built with ${GO_TOOLCHAIN} in ${Math.round((Date.now() - started) / 1000)} s` };
}
