/**
 * A worker for the DSL tests: the probe journeys in test/workflows/probes.ts (bundled once per run by
 * the global setup) with the real activities, and templates from test/templates.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { createRenderer } from '../../activities/templates';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Database } from '../../db/client';
import { testDeps } from './cascade';
import { createTestDatabase } from './database';
import { taskQueue, timeSkippingEnv } from './temporal';

export const probeTemplates = fileURLToPath(new URL('../templates', import.meta.url));

export async function startProbeWorker(env: TestWorkflowEnvironment, deps: ActivityDeps) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { code: readFileSync(inject('probeBundlePath'), 'utf8') },
    activities: createActivities({ ...deps, render: createRenderer(probeTemplates) }),
  });
  const running = worker.run();
  return {
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/**
 * The lifecycle of a probe test file: the time-skipping server, a fresh database and a probe worker
 * before its tests, torn down after. `ready` receives them (and may seed).
 */
export function useProbes(
  ready: (c: { env: TestWorkflowEnvironment; database: Database }) => unknown,
  overrides: Partial<ActivityDeps> = {},
): void {
  let c: { env: TestWorkflowEnvironment; database: Database; worker: Awaited<ReturnType<typeof startProbeWorker>> } | undefined;
  beforeAll(async () => {
    const [env, database] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
    c = { env, database, worker: await startProbeWorker(env, testDeps(database.db, overrides)) };
    await ready(c);
  });
  afterAll(async () => {
    await c?.worker.stop();
    await c?.env.teardown();
    await c?.database.close();
  });
}
