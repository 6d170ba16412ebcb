/**
 * The benchmark's report: result files become the ratio table BENCHMARKS.md holds, with each goal
 * met or missed, and a re-run replaces the table without touching the prose around it.
 */
import { describe, expect, it } from 'vitest';
import { reportTable, withTable } from '../bench/report';
import type { ResultFile } from '../bench/results';
import { summariseProfile } from '../bench/profile';
import { ratioOfRounds } from '../bench/rounds';

const section = { loadAverageBefore: 0.4, loadAverageAfter: 1.2, seconds: 30 };
const embedded: ResultFile = {
  name: 'embedded',
  date: '2026-12-01T10:00:00.000Z',
  machine: { cores: 2, cpu: 'Test CPU', memoryGiB: 24, node: 'v26.0.0' },
  temporal: 'temporal version 1.9.1 (Server 1.32.0)',
  quick: false,
  durationSeconds: 3600,
  sections: {
    'ingest-fresh': { ...section, customers: 2000, concurrency: 32, pairs: 3, bareSignalWithStartPerSecond: 300, cascade: { sentPerSecond: 285, routedPerSecond: 400 }, ratio: 0.95, ratioSpread: [0.91, 0.97] },
    'ingest-busy': { ...section, customers: 1000, pairs: 3, bareEventsPerSecond: 100, cascade: { sentPerSecond: 50, runsReachedPerEvent: 4 }, ratio: 0.5, ratioSpread: [0.45, 0.55] },
    latency: { ...section, ratePerSecond: 140, events: 100, sent: 100, eventToSendMs: { p50: 80, p95: 200, p99: 250 } },
    acceptance: {
      ...section,
      acceptance: { events: 9999, concurrency: 64, pairs: 3, acceptedPerSecond: 2400, rawHandlerPerSecond: 6000, ratio: 0.4, ratioSpread: [0.38, 0.45] },
    },
    enrolment: { ...section, enrolmentCustomers: 100_000, pairs: 3, enrolmentCampaignStartsPerSecond: 170, enrolmentBareStartsPerSecond: 200, ratio: 0.85, ratioSpread: [0.8, 0.9], enrolmentCut: false },
    'worker-rss': { ...section, error: 'cut: ran past its cap of 2700 s' },
  },
};

describe('bench report', () => {
  const table = reportTable([embedded]);
  const rows = table.split('\n');

  it('pairs each Cascade figure with its raw limit: the median ratio of interleaved pairs, its spread, and whether the goal is met', () => {
    expect(rows.find((r) => r.includes('no running run'))).toMatch(/until the welcome email is sent; median of 3 interleaved pairs\) \| 285 emails\/s \| 300 signalWithStart\/s \| 0.95 \(0.91–0.97\) \| ratio ≥ 0.9 \| met \|$/);
    expect(rows.find((r) => r.includes('three running runs'))).toMatch(/\| 0.5 \(0.45–0.55\) \| ratio ≥ 0.7 \| \*\*missed\*\* \|$/);
    expect(rows.find((r) => r.includes('Campaign enrolment'))).toMatch(/\| 170 starts\/s \| 200 starts\/s \| 0.85 \(0.8–0.9\) \| ratio ≥ 0.8 \| met \|$/);
  });

  it('holds acceptance to both its floor and the minimal handler, and latency to p50 and p99', () => {
    expect(rows.find((r) => r.includes('Acceptance'))).toMatch(/2,400 events\/s \| 6,000 events\/s \(minimal handler\) \| 0.4 \(0.38–0.45\) \| .* \| \*\*missed\*\* \|$/);
    expect(rows.find((r) => r.includes('Event to send'))).toMatch(/p50 80 \/ p95 200 \/ p99 250 ms .*\| met \|$/);
    const slowMedian = reportTable([{ ...embedded, sections: { latency: { ...section, eventToSendMs: { p50: 120, p95: 200, p99: 250 } } } }]);
    expect(slowMedian).toMatch(/p50 120 .*\| \*\*missed\*\* \|$/m);
  });

  it('says why a section was not measured instead of inventing a figure', () => {
    expect(rows.find((r) => r.includes('not measured'))).toContain('cut: ran past its cap');
  });

  it('replaces the table between the markers and keeps the prose around it', () => {
    const once = withTable('# Benchmarks\n\nWhere the time goes: prose.\n', [embedded]);
    const twice = withTable(`${once}\nMore prose after.\n`, [{ ...embedded, sections: { latency: embedded.sections.latency! } }]);
    expect(twice).toContain('Where the time goes: prose.');
    expect(twice).toContain('More prose after.');
    expect(twice).not.toContain('no running run');
    expect(twice).toContain('2 cores (Test CPU), 24 GiB');
    expect(twice.match(/bench:table:start/g)).toHaveLength(1);
  });
});

describe('bench profile summary', () => {
  it('sums self time by package and by function', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: 'parse', url: 'file:///app/node_modules/zod/index.js', lineNumber: 9 } },
        { id: 2, callFrame: { functionName: 'routeEvent', url: 'file:///app/routing/route-event.ts', lineNumber: 29 } },
        { id: 3, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
      ],
      samples: [1, 1, 2, 3],
      timeDeltas: [1000, 1000, 3000, 500],
    };
    const summary = summariseProfile(profile);
    expect(summary.totalMs).toBe(6);
    expect(summary.byOwner).toEqual([['cascade routing/', 3], ['zod', 2], ['(native, GC, idle)', 1]]);
    expect(summary.byFunction[0]).toEqual(['routeEvent cascade routing/:30', 3]);
  });
});

describe('bench interleaved rounds', () => {
  it('takes the ratio per round, then its median and spread, leaving out a round that measured nothing', () => {
    // Per round 0.5, 1.5, 1.0: the median of the ratios, not the ratio of the medians (20 / 20).
    expect(ratioOfRounds([10, 30, 20, NaN], [20, 20, 20, 20])).toEqual({ ratio: 1, ratioSpread: [0.5, 1.5] });
    expect(ratioOfRounds([NaN], [20])).toEqual({ ratio: undefined, ratioSpread: undefined });
  });
});
