/**
 * Once per test run: the Temporal binaries (offline routes), one Postgres server (TEST_DATABASE_URL
 * or a throwaway one), and the workflow bundle, built once instead of once per worker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { ensureTemporalBinaries } from '../../servers/temporal-binaries';
import { workflowsPath } from '../../worker';
import { startPostgresServer } from '../../servers/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalCli: string;
    temporalTestServer: string;
    postgresUrl: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const bins = ensureTemporalBinaries();
  console.log(`Temporal CLI via ${bins.cli.route}; test server via ${bins.testServer.route}`);
  const pg = process.env.TEST_DATABASE_URL ? undefined : await startPostgresServer();
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never });
  const dir = join(process.cwd(), '.tools');
  mkdirSync(dir, { recursive: true });
  const bundlePath = join(dir, 'test-workflow-bundle.js');
  writeFileSync(bundlePath, code);
  project.provide('temporalCli', bins.cli.path);
  project.provide('temporalTestServer', bins.testServer.path);
  project.provide('postgresUrl', process.env.TEST_DATABASE_URL ?? pg!.url);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await pg?.stop();
  };
}
