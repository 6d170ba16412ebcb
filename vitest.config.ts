import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The production topology has its own run: npm run test:topology (vitest.topology.config.ts).
    exclude: [...configDefaults.exclude, 'test/topology/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Each file starts its own Temporal server; two at a time suits the 2-core machines.
    maxWorkers: 2,
    testTimeout: 120_000,
    env: { LOG_LEVEL: 'warn' },
    hookTimeout: 120_000,
  },
});
