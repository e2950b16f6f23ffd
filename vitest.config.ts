import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Explicit, so compiled copies under dist/ are never collected.
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
