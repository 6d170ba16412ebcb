/**
 * `npm run bench`: how fast Cascade is on this machine, on real parts (bench/stack.ts), section by
 * section, each Cascade figure beside the raw limit measured in the same run. Writes
 * bench/results.json and prints it.
 *
 *   BENCH_CUSTOMERS=2000 BENCH_CONCURRENCY=32 npm run bench
 *   BENCH_ONLY=ingest npm run bench
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchIngest } from './ingest';
import { benchEnrolment } from './enrolment';
import { benchImport } from './import';
import { benchSegments } from './segments';
import { startBenchStack, type BenchStack } from './stack';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ONLY = process.env.BENCH_ONLY?.split(',');

const sections: Record<string, (stack: BenchStack) => Promise<Record<string, unknown>>> = {
  ingest: (stack) => benchIngest(stack, { customers: CUSTOMERS, concurrency: CONCURRENCY }),
  segments: (stack) => benchSegments(stack),
  import: (stack) => benchImport(stack),
  enrolment: (stack) => benchEnrolment(stack),
  analytics: (stack) => import('./analytics').then((m) => m.benchAnalytics(stack)),
};

async function main(): Promise<void> {
  const t0 = performance.now();
  const stack = await startBenchStack({ maxCachedWorkflows: CUSTOMERS + 100 });
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)), node: process.version, temporalCli: stack.temporalCli },
  };
  try {
    for (const [name, run] of Object.entries(sections)) {
      if (ONLY && !ONLY.includes(name)) continue;
      console.error(`bench: ${name}…`);
      results[name] = await run(stack);
    }
  } finally {
    await stack.stop();
  }
  results.durationSeconds = Math.round((performance.now() - t0) / 1000);
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
