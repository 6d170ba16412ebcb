/**
 * The alert evaluator, a background job in the API process: each pass raises what the rules find
 * and posts what is still to be posted. Every API process may run it; the alerts table keeps them
 * from alerting or posting twice.
 */
import type { Db } from '../db/client';
import { every, type Job } from '../lib/every';
import type { AlertOptions } from './options';
import { postPendingAlerts } from './post';
import { raiseAlerts } from './raise';

export async function evaluateAlerts(db: Db, options: AlertOptions, now = new Date()): Promise<{ raised: number; posted: number }> {
  const raised = await raiseAlerts(db, options, now);
  const posted = options.webhookUrl ? await postPendingAlerts(db, options.webhookUrl, options.postTimeoutMs) : 0;
  return { raised: raised.length, posted };
}

export function startAlertEvaluator(db: Db, options: AlertOptions): Job {
  return every(options.everyMs ?? 60_000, 'alert evaluator', () => evaluateAlerts(db, options));
}
