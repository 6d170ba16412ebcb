/**
 * Graceful shutdown with real timers: steps in order, each finished before the next; a failing step
 * does not stop the rest; a hung step meets the deadline; a second signal does not wait at all.
 * Signals come from an emitter and the exit code is recorded instead of ending the test process.
 */
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger';
import { gracefulShutdown, type ShutdownStep } from '../lib/shutdown';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(steps: ShutdownStep[], timeoutMs = 2000) {
  const signals = new EventEmitter();
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }), 'info');
  const exits: { code: number; at: number }[] = [];
  let exited!: () => void;
  const exitedOnce = new Promise<void>((r) => (exited = r));
  gracefulShutdown(steps, { timeoutMs, log, signals, exit: (code) => (exits.push({ code, at: Date.now() }), exited()) });
  return { signals, lines, exits, exitedOnce };
}

describe('gracefulShutdown', () => {
  it('runs the steps in order, each to the end, then exits 0', async () => {
    const done: string[] = [];
    const h = harness([
      { name: 'http server', run: async () => (await sleep(80), done.push('http server')) },
      { name: 'worker', run: async () => (await sleep(40), done.push('worker')) },
      { name: 'database', run: () => done.push('database') },
    ]);
    h.signals.emit('SIGTERM');
    await h.exitedOnce;
    expect(done).toEqual(['http server', 'worker', 'database']);
    expect(h.exits.map((e) => e.code)).toEqual([0]);
    expect(h.lines.map((l) => l.msg)).toEqual(['shutting down', 'stopped', 'stopped', 'stopped', 'shut down']);
  });

  it('goes on after a failing step, and exits 1', async () => {
    const done: string[] = [];
    const h = harness([
      { name: 'worker', run: () => Promise.reject(new Error('worker crashed')) },
      { name: 'database', run: () => done.push('database') },
    ]);
    h.signals.emit('SIGINT');
    await h.exitedOnce;
    expect(done).toEqual(['database']);
    expect(h.exits.map((e) => e.code)).toEqual([1]);
    expect(h.lines).toContainEqual(expect.objectContaining({ step: 'worker', msg: 'shutdown step failed; going on with the rest' }));
  });

  it('exits 1 at the deadline when a step hangs, naming the step, without running the rest', async () => {
    const done: string[] = [];
    const h = harness(
      [
        { name: 'worker', run: () => new Promise(() => {}) },
        { name: 'database', run: () => done.push('database') },
      ],
      300,
    );
    const start = Date.now();
    h.signals.emit('SIGTERM');
    await h.exitedOnce;
    expect(h.exits[0]!.code).toBe(1);
    expect(h.exits[0]!.at - start).toBeGreaterThanOrEqual(290);
    expect(h.exits[0]!.at - start).toBeLessThan(1500);
    expect(done).toEqual([]);
    expect(h.lines).toContainEqual(expect.objectContaining({ step: 'worker', timeoutMs: 300, msg: 'shutdown did not finish in time; exiting' }));
  });

  it('exits at once on a second signal', async () => {
    const h = harness([{ name: 'worker', run: () => new Promise(() => {}) }], 10_000);
    h.signals.emit('SIGTERM');
    await sleep(50);
    expect(h.exits).toEqual([]);
    h.signals.emit('SIGINT');
    expect(h.exits.map((e) => e.code)).toEqual([1]);
    expect(h.lines).toContainEqual(expect.objectContaining({ signal: 'SIGINT', msg: 'second signal during shutdown; exiting now' }));
  });
});
