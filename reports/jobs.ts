/**
 * The background work of provider reports, run by the API process: delivering queued
 * `message.<status>` signals (after a Temporal outage, or a crash between commit and signal) and the
 * providers' polls for reports their callbacks lost (listed by the channel registry,
 * activities/channels/index.ts).
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { every, type Job } from '../lib/every';
import { logger } from '../lib/logger';
import { deliverPendingSignals } from './pending-signals';

/** A provider's poll for the reports its callbacks never brought. */
export interface ReportPoller {
  name: string;
  everyMs: number;
  poll(abort: AbortSignal): Promise<{ applied: number }>;
}

export interface ReportJobOptions {
  pollers?: ReportPoller[];
  signalsEveryMs?: number;
}

const SIGNAL_BATCH = 100;

export function startReportJobs(deps: { db: Db; client: Client }, opts: ReportJobOptions = {}): Job {
  const jobs = [
    every(opts.signalsEveryMs ?? 5_000, 'report signal delivery', async (abort) => {
      // After an outage the backlog can be long: keep going while whole batches go through.
      for (;;) {
        const { delivered, failed } = await deliverPendingSignals(deps, { batch: SIGNAL_BATCH, abort });
        if (delivered || failed) logger.info({ delivered, failed }, 'delivered queued report signals');
        if (delivered < SIGNAL_BATCH || abort.aborted) return;
      }
    }),
    ...(opts.pollers ?? []).map((poller) =>
      every(poller.everyMs, poller.name, async (abort) => {
        const { applied } = await poller.poll(abort);
        if (applied) logger.info({ poller: poller.name, applied }, 'a poller recorded final statuses that no callback brought');
      }),
    ),
  ];
  return { stop: async () => void (await Promise.all(jobs.map((job) => job.stop()))) };
}
