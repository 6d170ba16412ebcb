/**
 * A Cascade worker in a process of its own, for tests that kill it (test/smsc-crash.test.ts). Built
 * the way worker.ts builds one (activityDepsFromConfig + createWorker), from the environment:
 * TEMPORAL_ADDRESS, DATABASE_URL, TEMPORAL_TASK_QUEUE and the provider settings. The only
 * difference: CASCADE_WORKFLOW_BUNDLE, the bundle the test run already built, instead of webpack
 * in every process. Prints "worker ready" once it polls.
 */
import { openDatabase } from '../../db/client';
import { loadConfig } from '../../lib/config';
import { activityDepsFromConfig, createWorker } from '../../worker';

const config = loadConfig();
const bundlePath = process.env.CASCADE_WORKFLOW_BUNDLE;
if (!config.TEMPORAL_ADDRESS || !config.DATABASE_URL || !bundlePath) {
  throw new Error('worker-process needs TEMPORAL_ADDRESS, DATABASE_URL and CASCADE_WORKFLOW_BUNDLE');
}
const database = await openDatabase({ url: config.DATABASE_URL!, max: 4 });
const { worker } = await createWorker({
  address: config.TEMPORAL_ADDRESS,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  deps: activityDepsFromConfig(database.db, config),
  bundle: { codePath: bundlePath },
});
const running = worker.run();
process.stdout.write('worker ready\n');
process.once('SIGTERM', () => worker.shutdown());
await running;
await database.close();
