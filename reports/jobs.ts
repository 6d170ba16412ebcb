/**
 * The background work of provider reports, run by the API process: delivering queued
 * `message.<status>` signals (after a Temporal outage, or a crash between commit and signal) and,
 * when SMSC is configured, polling status.php for callbacks that never came.
 */
import type { Client } from '@temporalio/client';
import { SmscApi, type SmscConfig } from '../activities/channels/smsc';
import type { Db } from '../db/client';
import { every, type Job } from '../lib/every';
import { logger } from '../lib/logger';
import { deliverPendingSignals } from './pending-signals';
import { SmscPoller } from './smsc-poller';

export interface ReportJobOptions {
  smsc?: SmscConfig;
  pollEveryMs?: number;
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
  ];
  if (opts.smsc) {
    const poller = new SmscPoller({ ...deps, api: new SmscApi(opts.smsc) });
    jobs.push(
      every(opts.pollEveryMs ?? 60_000, 'SMSC status poller', async (abort) => {
        const { applied } = await poller.poll(new Date(), abort);
        if (applied) logger.info({ applied }, 'SMSC poller recorded final statuses that no callback brought');
      }),
    );
  }
  return { stop: async () => void (await Promise.all(jobs.map((job) => job.stop()))) };
}
