import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/lab/**'],
    // Timeouts only catch hangs: CI machines may be busy (a 180 s limit was hit under load).
    testTimeout: 1_200_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    // Two test files at once: the default here is one (cores - 1), which left the second core
    // idle while an e2e file waited on its child processes (2,527 s serial for the suite).
    maxWorkers: 2,
    minWorkers: 1,
  },
});
