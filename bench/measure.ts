/** Small measuring tools the bench sections share. */
import { performance } from 'node:perf_hooks';

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs `fn` over `items` with at most `concurrency` in flight; takes no new item once `deadline`
 * (epoch ms) has passed. How many items it ran.
 */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>, deadline = Infinity): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length && Date.now() < deadline) await fn(items[next++]!);
    }),
  );
  return next;
}

/** p50, p95 and p99 of `values` (ms), rounded. */
export function percentiles(values: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { p50: NaN, p95: NaN, p99: NaN };
  return { p50: Math.round(percentile(sorted, 50)), p95: Math.round(percentile(sorted, 95)), p99: Math.round(percentile(sorted, 99)) };
}

/** What `fn` answers and the milliseconds it takes: the median of `runs` tries. */
export async function median<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: Math.round(times[Math.floor(runs / 2)]!), value };
}

/** Cascade's figure over the raw limit's, two decimals: the number the goals are stated in. */
export const ratio = (cascade: number, raw: number): number => Number((cascade / raw).toFixed(2));
