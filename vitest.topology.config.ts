/**
 * `npm run test:topology`: the e2e subset against the production topology (topology/start.ts), apart
 * from `npm test` because its first run builds the Temporal server from source (minutes).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/topology/**/*.test.ts'],
    globalSetup: ['test/topology/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    // Starting the topology: Postgres, schema, server, and a worker bundling the journeys.
    hookTimeout: 600_000,
    env: { LOG_LEVEL: 'warn' },
  },
});
