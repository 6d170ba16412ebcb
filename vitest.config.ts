import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Each file starts its own Temporal server; two at a time suits the 2-core machines.
    maxWorkers: 2,
    testTimeout: 120_000,
    env: { LOG_LEVEL: 'warn' },
    hookTimeout: 120_000,
  },
});
