/**
 * Worker memory against the number of sleeping runs: a worker process of its own on a task queue of
 * its own, then 1k, 10k and 100k quarterly-bonus runs started (each sends its email to the outbox and
 * then waits out its 30-day goal window: the customers consent, since a run whose send was skipped
 * has no goal window and ends at once); after each step the worker catches up, then 30 s to settle,
 * then its resident memory is read from /proc. Goal: 100k under 1.5 times 1k (the worker keeps a
 * bounded cache of runs, not all of them).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ratio } from './measure';
import { countRuns, seedCustomers, waitRuns } from './events';
import { rssKiB } from './processes';
import { enrol } from './raw';
import { pool } from './measure';
import type { BenchStack } from './stack';

const TASK_QUEUE = 'cascade-bench-rss';

export async function benchWorkerRss(stack: BenchStack, opts: { steps: number[]; deadline: number; settleMs?: number }): Promise<Record<string, unknown>> {
  const worker = await stack.startWorker(TASK_QUEUE);
  const temporal = { client: stack.client, taskQueue: TASK_QUEUE };
  const rssMiB: Record<string, number> = {};
  let started = 0;
  let cut: string | undefined;
  let atCap: { started: number; asleep: number; rssMiB: number } | undefined;
  try {
    await sleep(opts.settleMs ?? 30_000);
    rssMiB['0'] = Math.round(rssKiB(worker.pid) / 1024);
    for (const step of opts.steps) {
      const ids = await seedCustomers(stack.db, `rss-${started}-`, step - started);
      started += await pool(ids, 50, async (c) => void (await enrol(temporal, 'quarterly-bonus', c, 'rss')), opts.deadline);
      if (!(await waitRuns(stack.db, 'quarterly-bonus', 'rss-', started, opts.deadline)) || started < step) {
        // Read at once (the cap has passed), with how many of the runs started are asleep by then.
        const asleep = await countRuns(stack.db, 'quarterly-bonus', 'rss-');
        atCap = { started, asleep, rssMiB: Math.round(rssKiB(worker.pid) / 1024) };
        cut = `${started} runs started, ${asleep} of them asleep at the cap`;
        break;
      }
      await sleep(opts.settleMs ?? 30_000);
      rssMiB[String(step)] = Math.round(rssKiB(worker.pid) / 1024);
    }
  } finally {
    await worker.stop();
  }
  // The furthest reading, a step reached or the cap: how the worker grows from the first step.
  const first = rssMiB[String(opts.steps[0])];
  const last = atCap?.rssMiB ?? rssMiB[String(Math.max(...Object.keys(rssMiB).map(Number)))];
  return {
    runsStarted: started,
    workerRssMiB: rssMiB,
    ...(atCap ? { atCap } : {}),
    ...(first && last ? { ratioLastToFirst: ratio(last, first) } : {}),
    ...(cut ? { cut } : {}),
  };
}
