import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SKIP_VAR, skippedFiles } from './test/groups.js';

// Heavy groups the caller chose to leave out (test/groups.ts); said out loud, never silent.
const skipped = skippedFiles(process.env[SKIP_VAR], fileURLToPath(new URL('.', import.meta.url)));
if (skipped.note) process.stderr.write(`vitest.config: ${skipped.note}\n`);

export default defineConfig({
  test: {
    // Explicit, so compiled copies under dist/ are never collected.
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...skipped.files],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
