/**
 * The result files (bench/results/*.json) as one ratio table: per topology and row, Cascade's
 * figure, the raw limit it was measured against in the same run, the ratio, the goal, and whether
 * it was met. Printed at the end of `npm run bench` and written between the markers of
 * BENCHMARKS.md (the rest of that file is prose kept by hand).
 *
 *   npx tsx bench/report.ts          # print the table of the files there are
 *   npx tsx bench/report.ts --write  # and write it into BENCHMARKS.md
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from '../lib/cli';
import { readResultFiles, type ResultFile, type SectionResult } from './results';

type Met = boolean | undefined;
interface Row {
  row: string;
  cascade: string;
  raw: string;
  ratio: string;
  goal: string;
  met: Met;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- result files are JSON of known shape, read defensively */
const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const fmt = (v: unknown, unit = ''): string => (n(v) === undefined ? '–' : `${n(v)!.toLocaleString('en-US')}${unit}`);
const atLeast = (v: unknown, goal: number): Met => (n(v) === undefined ? undefined : n(v)! >= goal);
const below = (v: unknown, goal: number): Met => (n(v) === undefined ? undefined : n(v)! < goal);
const both = (...m: Met[]): Met => (m.some((x) => x === undefined) ? undefined : m.every(Boolean));
/** The median ratio of interleaved pairs, and their spread (min–max) beside it. */
const ratioWithSpread = (r: unknown, spread: unknown): string => `${fmt(r)}${Array.isArray(spread) ? ` (${fmt(spread[0])}–${fmt(spread[1])})` : ''}`;
const pairsOf = (section: any): string => (section.pairs === 1 ? 'one pair' : `median of ${fmt(section.pairs)} interleaved pairs`);

function failed(section: SectionResult | undefined, row: string, goal: string): Row | undefined {
  if (!section?.error) return undefined;
  return { row, cascade: `not measured: ${section.error}`, raw: '–', ratio: '–', goal, met: undefined };
}

function ingestRows(s: Record<string, SectionResult>): Row[] {
  const rows: Row[] = [];
  const fresh = s['ingest-fresh'] as any;
  if (fresh) {
    const goal = 'ratio ≥ 0.9';
    rows.push(
      failed(fresh, 'Ingest, no running run', goal) ?? {
        row: `Ingest, no running run (${fmt(fresh.customers)} sign-ups, ${fresh.concurrency} in flight, until the welcome email is sent; ${pairsOf(fresh)})`,
        cascade: `${fmt(fresh.cascade?.sentPerSecond)} emails/s`,
        raw: `${fmt(fresh.bareSignalWithStartPerSecond)} signalWithStart/s`,
        ratio: ratioWithSpread(fresh.ratio, fresh.ratioSpread),
        goal,
        met: atLeast(fresh.ratio, 0.9),
      },
    );
  }
  const busy = s['ingest-busy'] as any;
  if (busy) {
    const goal = 'ratio ≥ 0.7';
    rows.push(
      failed(busy, 'Ingest, three running runs', goal) ?? {
        row: `Ingest, three running runs (${fmt(busy.customers)} orders, runs reached per event ${fmt(busy.cascade?.runsReachedPerEvent)}, until the order confirmation is sent; ${pairsOf(busy)})`,
        cascade: `${fmt(busy.cascade?.sentPerSecond)} events/s`,
        raw: `${fmt(busy.bareEventsPerSecond)} events/s (signalWithStart + 3 signals)`,
        ratio: ratioWithSpread(busy.ratio, busy.ratioSpread),
        goal,
        met: atLeast(busy.ratio, 0.7),
      },
    );
  }
  return rows;
}

function embeddedRows(s: Record<string, SectionResult>): Row[] {
  const rows: Row[] = [];
  const start = s['npm-start'] as any;
  if (start) {
    rows.push(
      failed(start, '`npm start` sign-up to sent email', 'ratio ≥ 2') ?? {
        row: `\`npm start\` (${start.entry}): sign-ups to sent welcome emails vs a plain \`start-dev\`'s signalWithStart loop, median of ${start.rounds?.length} interleaved pairs`,
        cascade: `${fmt(start.sentPerSecond)} emails/s`,
        raw: `${fmt(start.plainDevServerSignalWithStartPerSecond)} signalWithStart/s`,
        ratio: ratioWithSpread(start.ratio, start.ratioSpread),
        goal: 'ratio ≥ 2',
        met: atLeast(start.ratio, 2),
      },
      ...(start.error
        ? []
        : [
            {
              row: '`npm start`: the same vs a signalWithStart loop on its own tuned dev server',
              cascade: `${fmt(start.sentPerSecond)} emails/s`,
              raw: `${fmt(start.ownDevServerSignalWithStartPerSecond)} signalWithStart/s`,
              ratio: ratioWithSpread(start.ratioOwn, start.ratioOwnSpread),
              goal: 'ratio ≥ 0.9',
              met: atLeast(start.ratioOwn, 0.9),
            },
            { row: '`npm start` at rest (whole process tree, Pss)', cascade: `${fmt(start.idlePssMiB ?? start.idleRssMiB)} MiB`, raw: '–', ratio: '–', goal: '< 400 MiB', met: below(start.idlePssMiB ?? start.idleRssMiB, 400) },
          ]),
    );
  }
  const acc = s.acceptance as any;
  if (acc) {
    const a = acc.acceptance;
    rows.push(
      failed(acc, 'Acceptance', '≥ 2,000/s and ratio ≥ 0.5') ?? {
        row: `Acceptance (${fmt(a?.events)} page views answered, ${a?.concurrency} in flight; ${pairsOf(a ?? {})}) vs a minimal \`node:http\` handler doing the same INSERT`,
        cascade: `${fmt(a?.acceptedPerSecond)} events/s`,
        raw: `${fmt(a?.rawHandlerPerSecond)} events/s (minimal handler)`,
        ratio: ratioWithSpread(a?.ratio, a?.ratioSpread),
        goal: '≥ 2,000/s and ratio ≥ 0.5',
        met: both(atLeast(a?.acceptedPerSecond, 2000), atLeast(a?.ratio, 0.5)),
      },
    );
    const b = acc.burst;
    if (b) {
      const gaugeSeen = typeof b.backlogGaugeMax === 'number' && b.backlogGaugeMax > 0 && b.backlogGaugeLast === 0;
      rows.push({
        row: `10x burst (${fmt(b.postedPerSecond)}/s for ${fmt(b.postingSeconds)} s, ${fmt(b.accepted)} accepted)`,
        cascade: `drained ${fmt(b.drainSecondsAfterPosting)} s after posting; lost ${fmt(b.lost)}, unrouted ${fmt(b.unrouted)}, out of order ${fmt(b.outOfOrder)}; backlog max ${fmt(b.backlogMax)} (gauge ${b.backlogGaugeMax === 'absent' ? 'absent' : fmt(b.backlogGaugeMax)}, oldest ${b.backlogOldestSecondsMax === 'absent' ? 'absent' : fmt(b.backlogOldestSecondsMax, ' s')})`,
        raw: '–',
        ratio: '–',
        goal: 'nothing lost, order kept, backlog seen rising and falling on /metrics',
        met: b.lost === 0 && b.unrouted === 0 && b.outOfOrder === 0 && gaugeSeen,
      });
    }
  }
  const lat = s.latency as any;
  if (lat) {
    rows.push(
      failed(lat, 'Event to send', 'p50 < 100 ms, p99 < 300 ms') ?? {
        row: `Event to send, welcome email at ${fmt(lat.ratePerSecond)}/s (half the max; ${fmt(lat.sent)} of ${fmt(lat.events)} sent)`,
        cascade: `p50 ${fmt(lat.eventToSendMs?.p50)} / p95 ${fmt(lat.eventToSendMs?.p95)} / p99 ${fmt(lat.eventToSendMs?.p99)} ms`,
        raw: '–',
        ratio: '–',
        goal: 'p50 < 100 ms, p99 < 300 ms',
        met: both(below(lat.eventToSendMs?.p50, 100), below(lat.eventToSendMs?.p99, 300)),
      },
    );
  }
  const enrol = s.enrolment as any;
  if (enrol) {
    rows.push(
      failed(enrol, 'Campaign enrolment', 'ratio ≥ 0.8') ?? {
        row: `Campaign enrolment (${fmt(enrol.enrolmentCustomers)} customers a campaign; ${pairsOf(enrol)}${enrol.enrolmentCut ? '; cut by its cap' : ''})`,
        cascade: `${fmt(enrol.enrolmentCampaignStartsPerSecond)} starts/s`,
        raw: `${fmt(enrol.enrolmentBareStartsPerSecond)} starts/s`,
        ratio: ratioWithSpread(enrol.ratio, enrol.ratioSpread),
        goal: 'ratio ≥ 0.8',
        met: enrol.enrolmentCut ? false : atLeast(enrol.ratio, 0.8),
      },
    );
  }
  const rss = s['worker-rss'] as any;
  if (rss) {
    const steps = Object.entries(rss.workerRssMiB ?? {}).map(([runs, mib]) => `${fmt(Number(runs))} runs: ${fmt(mib)} MiB`);
    if (rss.atCap) steps.push(`at the cap (${fmt(rss.atCap.asleep)} asleep of ${fmt(rss.atCap.started)} started): ${fmt(rss.atCap.rssMiB)} MiB`);
    rows.push(
      failed(rss, 'Worker memory', '100k / 1k < 1.5') ?? {
        row: `Worker memory with sleeping runs${rss.cut ? ` (${rss.cut})` : ''}`,
        cascade: steps.join('; '),
        raw: '–',
        ratio: fmt(rss.ratioLastToFirst),
        goal: 'largest / 1k < 1.5',
        met: rss.cut ? false : below(rss.ratioLastToFirst, 1.5),
      },
    );
  }
  const seg = s.segments as any;
  if (seg && !seg.error) {
    rows.push({ row: `Segment count on ${fmt(seg.segmentCustomers)} customers`, cascade: `${fmt(seg.segmentCount1M_ms)} ms`, raw: `${fmt(seg.segmentCountHandSql_ms)} ms (hand-written SQL)`, ratio: fmt(seg.segmentCountVsHandSql_ratio), goal: '< 1 s', met: below(seg.segmentCount1M_ms, 1000) });
  }
  const imp = s.import as any;
  if (imp && !imp.error) {
    rows.push({ row: `Import of ${fmt(imp.importRows)} rows`, cascade: `${fmt(imp.importRowsPerSecond)} rows/s`, raw: `${fmt(imp.copyRowsPerSecond)} rows/s (COPY)`, ratio: fmt(imp.importVsCopy), goal: 'ratio ≥ 0.5', met: atLeast(imp.importVsCopy, 0.5) });
  }
  const an = s.analytics as any;
  if (an && !an.error) {
    rows.push({ row: `Journey results on ${fmt(an.analyticsMessages)} ledger rows`, cascade: `${fmt(an.analytics1M_ms)} ms`, raw: `${fmt(an.analyticsBareCount_ms)} ms (bare count)`, ratio: fmt(an.analyticsVsBareCount_ratio), goal: '< 200 ms', met: below(an.analytics1M_ms, 200) });
  }
  const stored = s['stored-events'] as any;
  if (stored) rows.push(...storedEventRows(stored));
  return rows;
}

/** Acceptance, ingest's store write, the router's claim and the backlog gauges beside stored events vs an empty table; a month dropped. */
function storedEventRows(st: any): Row[] {
  const goal = 'ratio ≥ 0.9';
  const failedRow = failed(st, 'Stored events', `${goal}; a month dropped < 1 s`);
  if (failedRow) return [failedRow];
  const { acceptance: acc, statements, dropMonth: drop } = st;
  const stored = `${fmt(st.storedEvents)} stored events (${fmt(st.size?.totalMiB)} MiB, filled in ${fmt(st.fillSeconds)} s)`;
  // Statement ratios are empty ms over full ms: the full database's speed over the empty one's.
  const timed = (what: string, t: any): Row => ({
    row: `${what} with ${fmt(st.storedEvents)} stored events vs an empty table (${pairsOf(statements ?? {})})`,
    cascade: `${fmt(t?.full)} ms`,
    raw: `${fmt(t?.empty)} ms (empty table)`,
    ratio: ratioWithSpread(t?.ratio, t?.ratioSpread),
    goal,
    met: atLeast(t?.ratio, 0.9),
  });
  return [
    {
      row: `Acceptance with ${stored} vs an empty table (${fmt(acc?.eventsPerRound)} page views a round; ${pairsOf(acc ?? {})})`,
      cascade: `${fmt(acc?.fullPerSecond)} events/s`,
      raw: `${fmt(acc?.emptyPerSecond)} events/s (empty table)`,
      ratio: ratioWithSpread(acc?.ratio, acc?.ratioSpread),
      goal,
      met: atLeast(acc?.ratio, 0.9),
    },
    timed(`Ingest's store write (${fmt(statements?.storeBatch)} page views)`, statements?.storeMs),
    timed(`Router claim (${fmt(statements?.batch)} of ${fmt(statements?.owed)} unrouted)`, statements?.claimMs),
    timed('Backlog gauges read', statements?.gaugeMs),
    {
      row: `Dropping a month of ${fmt(st.storedEvents)} stored events (${drop?.table}: ${fmt(drop?.rows)} rows, ${fmt(drop?.MiB)} MiB)`,
      cascade: `${fmt(drop?.ms)} ms`,
      raw: '–',
      ratio: '–',
      goal: '< 1,000 ms',
      met: below(drop?.ms, 1000),
    },
  ];
}

/** Not a goal a 2-core box can meet: its shards share the same two cores (BENCHMARKS.md says why). */
const SHARDS_GOAL = 'none on 2 cores; on more, rises with shards';

function shardRows(s: Record<string, SectionResult>): Row[] {
  const shards = s.shards as any;
  if (!shards) return [];
  if (shards.error) return [failed(shards, 'Ingest by history shards and workers', SHARDS_GOAL)!];
  return Object.entries(shards)
    .filter(([, v]) => v && typeof v === 'object')
    .map(([shape, v]: [string, any]) => ({
      row: `Ingest, no running run: ${shape.replace('s-', ' history shards, ').replace(/w$/, ' worker(s)')}`,
      cascade: v.error ? `not measured: ${v.error}` : `${fmt(v.cascade?.sentPerSecond)} emails/s`,
      raw: v.error ? '–' : `${fmt(v.bareSignalWithStartPerSecond)} signalWithStart/s`,
      ratio: ratioWithSpread(v.ratio, v.ratioSpread),
      goal: SHARDS_GOAL,
      met: undefined,
    }));
}

export function rowsOf(file: ResultFile): Row[] {
  return [...ingestRows(file.sections), ...embeddedRows(file.sections), ...shardRows(file.sections)];
}

const metText = (m: Met) => (m === undefined ? '–' : m ? 'met' : '**missed**');

export function reportTable(files: ResultFile[]): string {
  const lines = ['| Topology | What | Cascade | Raw limit (same run) | Ratio | Goal | |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const r of rowsOf(file)) lines.push(`| ${file.name} | ${r.row} | ${r.cascade} | ${r.raw} | ${r.ratio} | ${r.goal} | ${metText(r.met)} |`);
  }
  return lines.join('\n');
}

/** Where each run was measured: machine, date, Temporal, duration, and the load each section ran under. */
export function runsDescribed(files: ResultFile[]): string {
  return [...files]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => {
      const loads = Object.entries(f.sections)
        .filter(([, s]) => s.loadAverageBefore !== undefined)
        .map(([name, s]) => `${name} ${s.loadAverageBefore}→${s.loadAverageAfter} (${s.seconds} s)`);
      return `- **${f.name}**${f.quick ? ' (quick)' : ''}: ${f.date.slice(0, 16).replace('T', ' ')} UTC, ${f.machine.cores} cores (${f.machine.cpu}), ${f.machine.memoryGiB} GiB, Node ${f.machine.node}, ${f.temporal ?? 'Temporal unknown'}; ${f.durationSeconds ?? '?'} s in all. Load average before→after per section: ${loads.join(', ') || 'none ran'}.`;
    })
    .join('\n');
}

const START = '<!-- bench:table:start (written by npm run bench; edit around it) -->';
const END = '<!-- bench:table:end -->';

export function withTable(markdown: string, files: ResultFile[]): string {
  const block = `${START}\n${runsDescribed(files)}\n\n${reportTable(files)}\n${END}`;
  const from = markdown.indexOf(START);
  const to = markdown.indexOf(END);
  if (from === -1 || to === -1) return `${markdown.trimEnd()}\n\n${block}\n`;
  return `${markdown.slice(0, from)}${block}${markdown.slice(to + END.length)}`;
}

export function writeBenchmarksMd(files: ResultFile[], path = 'BENCHMARKS.md'): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  writeFileSync(path, withTable(current, files.filter((f) => !f.quick)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const usage = `usage: npm run bench:report [-- --write]
  Prints the ratio table of bench/results/*.json; --write also writes it into BENCHMARKS.md.`;
  const { values } = parseCommandLine(usage, { options: { write: { type: 'boolean', default: false } } });
  const files = readResultFiles();
  console.log(`${runsDescribed(files)}\n\n${reportTable(files)}`);
  if (values.write) writeBenchmarksMd(files);
}
