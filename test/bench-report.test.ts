/**
 * The benchmark's report: result files become the ratio table BENCHMARKS.md holds, with each goal
 * met or missed, and a re-run replaces the table without touching the prose around it.
 */
import { describe, expect, it } from 'vitest';
import { reportTable, withTable } from '../bench/report';
import type { ResultFile } from '../bench/results';
import { summariseProfile } from '../bench/profile';

const section = { loadAverageBefore: 0.4, loadAverageAfter: 1.2, seconds: 30 };
const embedded: ResultFile = {
  name: 'embedded',
  date: '2026-12-01T10:00:00.000Z',
  machine: { cores: 2, cpu: 'Test CPU', memoryGiB: 24, node: 'v26.0.0' },
  temporal: 'temporal version 1.9.1 (Server 1.32.0)',
  quick: false,
  durationSeconds: 3600,
  sections: {
    'ingest-fresh': { ...section, customers: 2000, concurrency: 32, bareSignalWithStartPerSecond: 300, cascade: { routedPerSecond: 285 }, ratio: 0.95 },
    'ingest-busy': { ...section, customers: 1000, bareEventsPerSecond: 100, cascade: { routedPerSecond: 50, runsReachedPerEvent: 4 }, ratio: 0.5 },
    latency: { ...section, ratePerSecond: 140, events: 100, sent: 100, eventToSendMs: { p50: 80, p95: 200, p99: 450 } },
    'worker-rss': { ...section, error: 'cut: ran past its cap of 2700 s' },
  },
};

describe('bench report', () => {
  const table = reportTable([embedded]);
  const rows = table.split('\n');

  it('pairs each Cascade figure with its raw limit and says whether the goal is met', () => {
    expect(rows.find((r) => r.includes('no running run'))).toMatch(/285 events\/s \| 300 signalWithStart\/s \| 0.95 \| ratio ≥ 0.9 \| met \|$/);
    expect(rows.find((r) => r.includes('three running runs'))).toMatch(/\| 0.5 \| ratio ≥ 0.7 \| \*\*missed\*\* \|$/);
    expect(rows.find((r) => r.includes('Event to send'))).toMatch(/p99 450 ms .*\| met \|$/);
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
