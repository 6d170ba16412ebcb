/** Small measuring tools the bench sections share. */
import { performance } from 'node:perf_hooks';

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Milliseconds `fn` takes, the median of `times` tries. */
export async function medianMs(times: number, fn: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  return Number(runs[Math.floor(runs.length / 2)]!.toFixed(1));
}

/** Cascade's figure over the raw limit's, two decimals: the number the goals are stated in. */
export const ratio = (cascade: number, raw: number): number => Number((cascade / raw).toFixed(2));
