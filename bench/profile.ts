/**
 * Where the API's time goes during ingest: the API restarted under `node --cpu-prof`, a round of
 * ingest-fresh, the API restarted plain (its graceful stop writes the profile), then the profile's
 * self time summed by package (node_modules/<name>, node's own internals, Cascade's folders) and by
 * function. Open the .cpuprofile in Chrome DevTools for the flame chart.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchIngestFresh, type IngestOptions } from './ingest';
import type { BenchStack } from './stack';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the program a script URL belongs to. */
function ownerOf(url: string): string {
  if (!url) return '(native, GC, idle)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/(api|routing|lifecycle|db|lib|metrics|schemas|workflows|access|contactability)\//.exec(url);
  return own ? `cascade ${own[1]}/` : url.replace(/^file:\/\//, '');
}

export function summariseProfile(profile: CpuProfile, top = 15): { totalMs: number; byOwner: Array<[string, number]>; byFunction: Array<[string, number]> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const frame = byId.get(id);
    if (!frame) return;
    const owner = frame.functionName === '(idle)' ? '(idle)' : ownerOf(frame.url);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${owner}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  });
  const sorted = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => [k, Math.round(us / 1000)] as [string, number]);
  return { totalMs: Math.round(total / 1000), byOwner: sorted(owners), byFunction: sorted(functions) };
}

export async function benchProfile(stack: BenchStack, opts: IngestOptions): Promise<Record<string, unknown>> {
  const dir = resolve('bench/results/profile');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  await stack.restartApi(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const ingest = await benchIngestFresh(stack, opts);
  await stack.restartApi([]);
  const written = readdirSync(dir)
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the API's main thread (others are loader threads).
    .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f) && !before.has(f))
    .sort((a, b) => statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs);
  if (!written.length) throw new Error('the API wrote no CPU profile (did it stop gracefully?)');
  const summary = summariseProfile(JSON.parse(readFileSync(join(dir, written[0]!), 'utf8')) as CpuProfile);
  return { profile: join('bench/results/profile', written[0]!), ingest, apiCpu: summary };
}
