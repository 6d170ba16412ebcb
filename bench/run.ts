/**
 * `npm run bench`: how fast Cascade is on this machine, each figure beside the raw limit measured in
 * the same run against the same Temporal server and Postgres, on the embedded default and on the
 * production topology. Writes bench/results/<name>.json after every section, then prints the ratio
 * table (bench/report.ts) and writes it into BENCHMARKS.md.
 *
 *   npm run bench                          # the full run, both topologies (see BENCHMARKS.md for its length)
 *   npm run bench -- --quick               # CI smoke: small counts, embedded only, under two minutes
 *   npm run bench -- --topology embedded   # one topology
 *   BENCH_ONLY=ingest-fresh,latency npm run bench -- --topology embedded
 */
import { performance } from 'node:perf_hooks';
import { parseCommandLine } from '../lib/cli';
import { benchAnalytics } from './analytics';
import { benchAcceptance } from './acceptance';
import { benchEnrolment } from './enrolment';
import { benchImport } from './import';
import { benchIngestBusy, benchIngestFresh } from './ingest';
import { benchLatency } from './latency';
import { benchNpmStart } from './npm-start';
import { benchShards, startProductionStack } from './production';
import { benchProfile } from './profile';
import { writeBenchmarksMd, reportTable } from './report';
import { newResultFile, readResultFiles, runSection, writeResultFile, type ResultFile } from './results';
import { benchSegments } from './segments';
import { benchStoredEvents } from './stored-events';
import { startEmbeddedStack, type BenchStack } from './stack';
import { benchWorkerRss } from './worker-rss';

const USAGE = `usage: npm run bench [-- --quick] [--topology embedded|production|embedded,production]
  Measures Cascade beside the raw limits of the same Temporal server and Postgres; writes
  bench/results/<topology>.json and the table in BENCHMARKS.md (which says how long a run takes).
  --quick       the smoke run: embedded only, small counts
  --topology    which topologies (default: both; embedded with --quick)
  BENCH_ONLY=a,b picks sections; BENCH_* variables set the counts (bench/run.ts).`;

const { values: args } = parseCommandLine(USAGE, { options: { quick: { type: 'boolean', default: false }, topology: { type: 'string' } } });
const quick = args.quick!;
const topologies = (args.topology ?? (quick ? 'embedded' : 'embedded,production')).split(',');
const only = process.env.BENCH_ONLY?.split(',');
const num = (name: string, full: number, small: number) => Number(process.env[name] ?? (quick ? small : full));

const counts = {
  customers: num('BENCH_CUSTOMERS', 2000, 150),
  busyCustomers: num('BENCH_BUSY_CUSTOMERS', 1000, 60),
  concurrency: num('BENCH_CONCURRENCY', 32, 16),
  acceptanceEvents: num('BENCH_ACCEPTANCE_EVENTS', 10_000, 600),
  burstSeconds: num('BENCH_BURST_SECONDS', 20, 3),
  latencySeconds: num('BENCH_LATENCY_SECONDS', 60, 8),
  enrolCustomers: num('BENCH_ENROL_CUSTOMERS', 100_000, 2000),
  // One pair of 100k campaigns by default: at the ~100 starts/s a 2-core box gives, a phase takes
  // 15–20 minutes, so three pairs would add over an hour and a half (BENCH_ENROL_PAIRS=3 for them).
  enrolPairs: num('BENCH_ENROL_PAIRS', 1, 3),
  rssRuns: (process.env.BENCH_RSS_RUNS ?? '1000,10000,100000').split(',').map(Number),
  storedEvents: num('BENCH_STORED_EVENTS', 10_000_000, 200_000),
};
const MIN = 60_000;

type Section = { name: string; capMs: number; quick?: boolean; run: (stack: BenchStack, deadline: number, file: ResultFile) => Promise<Record<string, unknown>> };

/** The max rate, ingest-fresh's sign-ups to sent emails: the burst posts ten times it, latency half of it. */
const maxRate = (file: ResultFile): number | undefined => {
  const fresh = file.sections['ingest-fresh']?.cascade as { sentPerSecond?: number } | undefined;
  return fresh?.sentPerSecond;
};

const ingest = (tag: string) => ({ customers: counts.customers, concurrency: counts.concurrency, tag });

const embeddedSections: Section[] = [
  { name: 'ingest-fresh', capMs: 10 * MIN, quick: true, run: (s, deadline) => benchIngestFresh(s, { ...ingest('e'), deadline }) },
  { name: 'ingest-busy', capMs: 15 * MIN, quick: true, run: (s, deadline) => benchIngestBusy(s, { ...ingest('e'), customers: counts.busyCustomers, deadline }) },
  { name: 'latency', capMs: 5 * MIN, quick: true, run: (s, deadline, file) => benchLatency(s, { rate: Math.max(1, Math.round((maxRate(file) ?? 50) / 2)), seconds: counts.latencySeconds, deadline }) },
  {
    name: 'acceptance',
    capMs: 10 * MIN,
    quick: true,
    run: (s, deadline, file) => benchAcceptance(s, { events: counts.acceptanceEvents, burstSeconds: counts.burstSeconds, ingestRate: maxRate(file) ?? 100, deadline }),
  },
  { name: 'profile', capMs: 10 * MIN, run: (s, deadline) => benchProfile(s, { ...ingest('prof'), customers: Math.min(counts.customers, 1000), pairs: 1, deadline }) },
  { name: 'enrolment', capMs: 60 * MIN * counts.enrolPairs, run: (s, deadline) => benchEnrolment(s, { customers: counts.enrolCustomers, pairs: counts.enrolPairs, deadline }) },
  { name: 'worker-rss', capMs: 45 * MIN, run: (s, deadline) => benchWorkerRss(s, { steps: counts.rssRuns, deadline }) },
  { name: 'segments', capMs: 10 * MIN, run: (s) => benchSegments(s) },
  { name: 'import', capMs: 10 * MIN, run: (s) => benchImport(s) },
  { name: 'analytics', capMs: 15 * MIN, run: (s) => benchAnalytics(s) },
  {
    name: 'stored-events',
    capMs: 45 * MIN,
    quick: true,
    run: (s, deadline) => benchStoredEvents(s, { events: counts.storedEvents, acceptanceEvents: counts.acceptanceEvents, deadline }),
  },
];

const productionSections: Section[] = [
  { name: 'ingest-fresh', capMs: 10 * MIN, run: (s, deadline) => benchIngestFresh(s, { ...ingest('p'), deadline }) },
  { name: 'ingest-busy', capMs: 15 * MIN, run: (s, deadline) => benchIngestBusy(s, { ...ingest('p'), customers: counts.busyCustomers, deadline }) },
];

const wanted = (name: string, section?: Section) => (!only || only.includes(name)) && (!quick || section?.quick);

async function runTopology(name: string, start: () => Promise<BenchStack>, sections: Section[]): Promise<ResultFile> {
  const file = newResultFile(quick ? 'quick' : name, quick, only !== undefined);
  const t0 = performance.now();
  const todo = sections.filter((s) => wanted(s.name, s));
  if (todo.length) {
    const stack = await start();
    file.temporal = stack.temporalVersion;
    // Stopped by a signal, the bench stops its servers first: they would outlive it otherwise.
    const interrupted = () => void stack.stop().finally(() => process.exit(130));
    process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
    try {
      for (const section of todo) await runSection(file, section.name, section.capMs, (deadline) => section.run(stack, deadline, file));
    } finally {
      process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
      await stack.stop();
    }
  }
  file.durationSeconds = Math.round((performance.now() - t0) / 1000);
  writeResultFile(file);
  return file;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  if (topologies.includes('embedded')) {
    const file = await runTopology('embedded', startEmbeddedStack, embeddedSections);
    // `npm start` itself, and the plain dev server it is compared with: stacks of their own.
    if (wanted('npm-start') && !quick) {
      await runSection(file, 'npm-start', 10 * MIN, (deadline) => benchNpmStart({ customers: counts.customers, concurrency: counts.concurrency, deadline }));
    }
    file.durationSeconds = Math.round((performance.now() - t0) / 1000);
    writeResultFile(file);
  }
  if (topologies.includes('production')) {
    const t1 = performance.now();
    const file = await runTopology('production', () => startProductionStack({ historyShards: 8, workers: 1 }), productionSections);
    if (wanted('shards')) await runSection(file, 'shards', 40 * MIN, (deadline) => benchShards({ ...ingest('s'), deadline }));
    file.durationSeconds = Math.round((performance.now() - t1) / 1000);
    writeResultFile(file);
  }
  const files = readResultFiles();
  console.log(reportTable(files));
  if (!quick) writeBenchmarksMd(files);
  console.error(`bench: done in ${Math.round((performance.now() - t0) / 1000)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
