/**
 * `npm run build`: the ahead-of-time build that `npm start`, `npm run api`, `npm run worker` and the
 * Docker image run, so no process transpiles TypeScript or runs webpack at start. Writes the
 * git-ignored dist/:
 *   - one ESM bundle per long-running process (ENTRIES), packages left to node_modules, with source
 *     maps (run with --enable-source-maps, stack traces name the .ts lines);
 *   - workflow-bundle.js, the journeys' code as the Temporal worker loads it (worker.ts).
 * `--if-stale` builds only when dist/ is missing or a source is newer than the last build, which is
 * what the npm scripts call first: a fresh clone's `npm ci && npm start` builds once, later starts
 * check a few hundred mtimes and go.
 *
 * Plain JavaScript on purpose: it runs before anything is compiled, on every Node the project allows.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * The processes, each `{ out, module, name }`: `module` exports `main()` and `usage` (what `--help`
 * prints), `name` is what its fatal log line says failed (lib/main.ts). dist/<out>.js runs it. Add a process here.
 */
export const ENTRIES = [
  { out: 'start', module: 'processes/start.ts', name: 'Cascade' },
  { out: 'api', module: 'processes/api.ts', name: 'api' },
  { out: 'worker', module: 'processes/worker.ts', name: 'worker' },
  { out: 'router', module: 'processes/router.ts', name: 'router' },
];

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stamp = join(dist, '.built');
/** Not sources of a process: a change here needs no new build. */
const IGNORED = new Set(['node_modules', 'dist', '.data', '.tools', '.git', '.ci', 'test', 'bench', 'docs', 'examples', 'deploy', 'templates']);

function newestSource(dir = root) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (IGNORED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|mjs|json)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function stale() {
  try {
    return statSync(stamp).mtimeMs < newestSource();
  } catch {
    return true; // never built
  }
}

/** Each process's entry: run the module's main, as `node <module>` from source would. */
const mainEntries = {
  name: 'main-entries',
  setup(b) {
    b.onResolve({ filter: /^main:/ }, (args) => ({ path: args.path.slice('main:'.length), namespace: 'main' }));
    b.onLoad({ filter: /.*/, namespace: 'main' }, (args) => {
      const entry = ENTRIES.find((e) => e.module === args.path);
      return {
        resolveDir: root,
        loader: 'js',
        contents: [
          `import { main, usage } from ${JSON.stringify(`./${entry.module}`)};`,
          `import { runMain } from './lib/main.ts';`,
          `runMain(${JSON.stringify(entry.name)}, main, usage);`,
        ].join('\n'),
      };
    });
  },
};

/**
 * Packages stay in node_modules, imported as Node's ESM loader will find them. A deep import without
 * an extension (`@temporalio/common/lib/time`) resolves in TypeScript and tsx but not in Node when
 * the package has no `exports` map: such an import is written out with its file's extension.
 */
function nodeSpecifier(specifier) {
  for (const candidate of [specifier, `${specifier}.js`, `${specifier}.mjs`, `${specifier}.cjs`]) {
    try {
      // Resolving does not look at the disk when no `exports` map answers; existsSync does.
      if (existsSync(fileURLToPath(import.meta.resolve(candidate)))) return candidate;
    } catch {
      // not exported under this name
    }
  }
  throw new Error(`Node cannot import ${specifier}, with or without an extension`);
}

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^(@[^/]+\/)?[^./][^/]*\/./ }, (args) => ({
      path: args.path.startsWith('node:') ? args.path : nodeSpecifier(args.path),
      external: true,
    }));
    b.onResolve({ filter: /^(@[^/]+\/)?[^./][^/]*$/ }, (args) => ({ path: args.path, external: true }));
  },
};

export async function buildDist() {
  const started = Date.now();
  // Loaded here, not above: `--if-stale` with nothing to do should not pay for webpack and esbuild.
  const [{ build }, { bundleWorkflowCode }] = await Promise.all([import('esbuild'), import('@temporalio/worker')]);
  // Written aside, then each file renamed in: a process starting meanwhile (npm run api and npm run
  // worker launched together) reads a whole old file or a whole new one, never half of one.
  const write = (path, contents) => {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  };
  mkdirSync(dist, { recursive: true });
  const { outputFiles } = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(ENTRIES.map((e) => [e.out, `main:${e.module}`])),
    plugins: [mainEntries, externalPackages],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    sourcemap: true,
    // lib/paths.ts: bundled, the worker loads the prebuilt workflow bundle and mains run from here.
    define: { CASCADE_BUNDLED: 'true' },
    outdir: dist,
    write: false,
    logLevel: 'warning',
  });
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(root, 'workflows', 'index.ts'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  for (const file of outputFiles) write(file.path, file.contents);
  write(join(dist, 'workflow-bundle.js'), code);
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  console.error(`built ${relative(process.cwd(), dist) || '.'}/ (${ENTRIES.map((e) => `${e.out}.js`).join(', ')}, workflow-bundle.js) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const USAGE = `usage: npm run build [-- --if-stale]
  Writes dist/: one bundle per process (start, api, worker, router) and the journeys' workflow bundle.
  --if-stale  only when dist/ is missing or a source is newer than the last build`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // lib/cli.ts's rules (--help: exit 0; a mistake: exit 2), written out: this file runs before any TypeScript.
  let values;
  try {
    ({ values } = parseArgs({ options: { 'if-stale': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`${err.message.replace(/\. To specify a positional argument.*$/s, '')}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!values['if-stale'] || stale()) await buildDist();
}
