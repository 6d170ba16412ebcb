/**
 * What the dev server's SQLite settings are worth: a bare loop of one Node client (no worker, no
 * Cascade) against `temporal server start-dev` with its history in a file, as `npm start` runs it,
 * under each setting in turn: the CLI's defaults, then WAL with `synchronous=full`, `normal` and
 * `off` (lib/temporal.ts devServerTuningArgs). Per setting: signalWithStart of new runs, plain
 * starts, and signals to the running runs, BENCH_OPS of each at BENCH_CONCURRENCY. Run by hand:
 *
 *   TEMPORAL_CLI_PATH=... npx tsx bench/dev-server-pragmas.ts        # BENCH_OPS=2000 BENCH_CONCURRENCY=32 BENCH_ROUNDS=1
 *
 * BENCH_ONLY=normal,off picks the settings whose names contain those words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseCommandLine } from '../lib/cli';
import { devServerTuningArgs } from '../lib/temporal';
import { ensureTemporalBinaries } from '../servers/temporal-binaries';
import { pool } from './measure';

parseCommandLine(
  `usage: [BENCH_OPS=2000 BENCH_CONCURRENCY=32 BENCH_ROUNDS=1 BENCH_ONLY=normal,off] npx tsx bench/dev-server-pragmas.ts
  signalWithStart, start and signal rates of one client against the Temporal dev server under each
  SQLite setting (the CLI's defaults, then WAL with synchronous full, normal, off). No arguments.`,
  {},
);

const OPS = Number(process.env.BENCH_OPS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const ONLY = process.env.BENCH_ONLY?.split(',');

const settings: Record<string, string[]> = {
  'CLI defaults': [],
  'wal + synchronous=full': devServerTuningArgs('full'),
  'wal + synchronous=normal': devServerTuningArgs('normal'),
  'wal + synchronous=off': devServerTuningArgs('off'),
};
// The defaults keep the CLI's frontend limits, which 2,000 operations at 32 in flight never reach.

async function rate(ids: string[], fn: (id: string) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await pool(ids, CONCURRENCY, async (id) => void (await fn(id)));
  return Math.round(ids.length / ((performance.now() - t0) / 1000));
}

async function measure(name: string, args: string[], round: number) {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-pragmas-'));
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: ensureTemporalBinaries().cli.path }, dbFilename: join(dir, 'temporal.db'), extraArgs: args },
  });
  try {
    const wf = env.client.workflow;
    const taskQueue = 'nobody-polls';
    const ids = (kind: string) => Array.from({ length: OPS }, (_, i) => `${kind}-${round}-${i}`);
    const signalWithStart = await rate(ids('sws'), (workflowId) =>
      wf.signalWithStart('journey', { workflowId, taskQueue, signal: 'event', signalArgs: [{ type: 'x' }] }));
    const starts = await rate(ids('start'), (workflowId) => wf.start('journey', { workflowId, taskQueue }));
    const signals = await rate(ids('start'), (workflowId) => wf.getHandle(workflowId).signal('event', { type: 'x' }));
    return { setting: name, round, signalWithStartPerS: signalWithStart, startsPerS: starts, signalsPerS: signals, loadAverageBefore: Number(loadavg()[0]!.toFixed(1)) };
  } finally {
    await env.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, args] of Object.entries(settings)) {
    if (ONLY && !ONLY.some((word) => name.includes(word))) continue;
    const row = await measure(name, args, round);
    console.error(JSON.stringify(row));
    rows.push(row);
  }
}
console.log(JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, ops: OPS, concurrency: CONCURRENCY, rows }, null, 2));
