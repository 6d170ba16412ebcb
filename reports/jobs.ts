/**
 * The background work of provider reports, run by the API process: delivering queued
 * `message.<status>` signals (after a Temporal outage, or a crash between commit and signal) and,
 * when SMSC is configured, polling status.php for callbacks that never came.
 */
import type { Client } from '@temporalio/client';
import { SmscApi, type SmscConfig } from '../activities/channels/smsc';
import type { Db } from '../db/client';
import { logger } from '../lib/logger';
import { deliverPendingSignals } from './pending-signals';
import { SmscPoller } from './smsc-poller';

export interface ReportJobOptions {
  smsc?: SmscConfig;
  pollEveryMs?: number;
  signalsEveryMs?: number;
}

const SIGNAL_BATCH = 100;

export function startReportJobs(deps: { db: Db; client: Client }, opts: ReportJobOptions = {}): { stop(): Promise<void> } {
  const jobs = [
    every(opts.signalsEveryMs ?? 5_000, async (abort) => {
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
      every(opts.pollEveryMs ?? 60_000, async (abort) => {
        const { applied } = await poller.poll(new Date(), abort);
        if (applied) logger.info({ applied }, 'SMSC poller recorded final statuses that no callback brought');
      }),
    );
  }
  return { stop: async () => void (await Promise.all(jobs.map((job) => job.stop()))) };
}

/** Runs `work` every `ms`, never two at once; stop() aborts and waits for the run in progress. */
function every(ms: number, work: (abort: AbortSignal) => Promise<void>): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const stopping = new AbortController();
  const timer = setInterval(() => {
    if (running) return;
    running = work(stopping.signal)
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'report job failed; will retry'))
      .finally(() => (running = undefined));
  }, ms);
  timer.unref();
  return {
    async stop() {
      stopping.abort();
      clearInterval(timer);
      await running;
    },
  };
}
