import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/lab/**'],
    // Timeouts only catch hangs: CI machines may be busy (a 180 s limit was hit under load).
    testTimeout: 1_200_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
  },
});
