/**
 * Once per test run: the Temporal binaries (offline routes), one Postgres server (TEST_DATABASE_URL
 * or a throwaway one), and the workflow bundles (Cascade's and the DSL tests' probes), built once
 * instead of once per worker or file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    probeBundlePath: string;
  }
}

const silent = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} };
const bundles = {
  workflowBundlePath: { workflowsPath, file: 'test-workflow-bundle.js' },
  probeBundlePath: { workflowsPath: fileURLToPath(new URL('../workflows/probes.ts', import.meta.url)), file: 'test-probe-bundle.js' },
} as const;

export default async function setup(project: TestProject) {
  const bins = ensureTemporalBinaries();
  console.log(`Temporal CLI via ${bins.cli.route}; test server via ${bins.testServer.route}`);
  const pg = process.env.TEST_DATABASE_URL ? undefined : await startPostgresServer();
  const dir = join(process.cwd(), '.tools');
  mkdirSync(dir, { recursive: true });
  for (const [key, { workflowsPath: path, file }] of Object.entries(bundles)) {
    const { code } = await bundleWorkflowCode({ workflowsPath: path, logger: silent as never });
    writeFileSync(join(dir, file), code);
    project.provide(key as keyof typeof bundles, join(dir, file));
  }
  project.provide('temporalCli', bins.cli.path);
  project.provide('temporalTestServer', bins.testServer.path);
  project.provide('postgresUrl', process.env.TEST_DATABASE_URL ?? pg!.url);
  return async () => {
    await pg?.stop();
  };
}
