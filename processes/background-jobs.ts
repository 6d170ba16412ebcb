/**
 * What runs beside the HTTP server in an API process: the router (unless routing runs in processes
 * of its own), the run reconciler, the provider report jobs, the alert evaluator, the delivery of
 * events out (webhook subscriptions), retention and the database gauges. Each finishes its pass on stop.
 */
import { reportPollers } from '../activities/channels';
import type { SmscConfig } from '../activities/channels/smsc/adapter';
import { startAlertEvaluator } from '../alerts/evaluator';
import { startEventsOut } from '../events-out/deliver';
import { alertOptionsFromConfig, type AlertOptions } from '../alerts/options';
import { loadConfig } from '../lib/config';
import type { LifecycleDeps } from '../lifecycle/deps';
import { startRunReconciler } from '../lifecycle/reconcile-runs';
import { watchDatabase } from '../metrics/database-gauges';
import { startReportJobs } from '../reports/jobs';
import { startRouter, type RouterOptions } from '../routing/router';
import { startErasureJob } from '../customer-rights/job';
import { startRetentionJob } from '../retention/job';
import { retentionFromConfig, type RetentionSettings } from '../retention/settings';

export interface BackgroundJobOptions {
  /** The router in this process: its options, or false to leave routing to `npm run router`. */
  router?: Partial<RouterOptions> | false;
  /** With SMSC configured, a poller of status.php covers lost delivery callbacks. */
  smsc?: SmscConfig;
  /** The alert evaluator's settings; without them it runs on the defaults, posting nowhere. */
  alerts?: AlertOptions;
  /** How long each kind of data is kept; the defaults without it. */
  retention?: RetentionSettings;
}

export function startBackgroundJobs(deps: LifecycleDeps, opts: BackgroundJobOptions): { stop(): Promise<void> } {
  const router = opts.router === false ? undefined : startRouter(deps, opts.router);
  const reconciler = startRunReconciler(deps);
  const reportJobs = startReportJobs(deps, { pollers: reportPollers(deps, { smsc: opts.smsc }) });
  const alerter = startAlertEvaluator(deps.db, opts.alerts ?? alertOptionsFromConfig(loadConfig({})));
  // Webhook deliveries are HTTP calls after commit, like the report signals: the API process's work, not the worker's.
  const eventsOut = startEventsOut(deps.db);
  const erasures = startErasureJob(deps);
  const retention = startRetentionJob(deps.db, opts.retention ?? retentionFromConfig(loadConfig({})));
  const unwatch = watchDatabase(deps.db);
  return {
    async stop() {
      await Promise.all([router?.stop(), reconciler.stop(), reportJobs.stop(), alerter.stop(), eventsOut.stop(), erasures.stop(), retention.stop()]);
      unwatch();
    },
  };
}
