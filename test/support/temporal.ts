/** Real Temporal servers for tests, from the binaries the global setup resolved, and a worker on them. */
import { readFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities';
import { searchAttributes } from '../../workflows/contract';

let quiet = false;
function quietRuntime() {
  if (quiet) return;
  quiet = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** The time-skipping test server: a month of sleeping passes in milliseconds. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServer') } },
  });
}

/** The real dev server (the CLI's `server start-dev`), with Cascade's search attributes. */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: inject('temporalCli') }, searchAttributes },
  });
}

export const taskQueue = 'cascade-test';

export function workflowBundle() {
  return { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
}

/** A worker polling in the background until `stop()`; a failure of the worker fails the next stop. */
export async function startWorker(
  env: TestWorkflowEnvironment,
  deps: ActivityDeps,
  queue = taskQueue,
): Promise<{ worker: Worker; stop: () => Promise<void> }> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: queue,
    workflowBundle: workflowBundle(),
    activities: createActivities({ client: env.client, ...deps }),
  });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
