/**
 * Retention in the background: every API process runs it hourly (one at a time: run.ts), and once
 * at start, so a process started after a long stop makes this month's partitions before it stores.
 */
import type { Db } from '../db/client';
import { every, type Job } from '../lib/every';
import { logger } from '../lib/logger';
import { runRetention } from './run';
import type { RetentionSettings } from './settings';

const HOUR_MS = 3_600_000;

export function startRetentionJob(db: Db, settings: RetentionSettings, opts: { everyMs?: number } = {}): Job {
  const pass = async (abort: AbortSignal) => {
    const report = await runRetention(db, settings, new Date(), abort);
    if (report && (report.dropped.length || report.released || report.messageBodiesCleared || report.webhookDeliveriesPruned)) logger.info(report, 'retention pass');
  };
  const first = new AbortController();
  const starting = pass(first.signal).catch((err: unknown) => logger.warn({ err, job: 'retention' }, 'retention failed; will retry'));
  const job = every(opts.everyMs ?? HOUR_MS, 'retention', pass);
  return {
    async stop() {
      first.abort();
      await Promise.all([starting, job.stop()]);
    },
  };
}
