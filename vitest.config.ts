import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { compiledSources, SOURCES_VAR } from './test/compiled-sources.js';
import { SKIP_VAR, skippedFiles } from './test/groups.js';
import { SlowFirstSequencer } from './test/sequencer.js';

const root = fileURLToPath(new URL('.', import.meta.url));
// Heavy groups the caller chose to leave out (test/groups.ts); said out loud, never silent.
const skipped = skippedFiles(process.env[SKIP_VAR], root);
if (skipped.note) process.stderr.write(`vitest.config: ${skipped.note}\n`);
// Tests import the compiled dist/ through Node.js, not src/ through vite (test/compiled-sources.ts).
const compiled = process.env[SOURCES_VAR] !== '1';

export default defineConfig({
  plugins: compiled ? [compiledSources(root)] : [],
  test: {
    // Explicit, so compiled copies under dist/ are never collected.
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...skipped.files],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    server: { deps: { external: compiled ? [/\/dist\//] : [] } },
    // vitest's default is one worker fewer than the cores: one worker on CI's two, so files ran one
    // after another while much of each file's time is spent waiting on the processes it spawns.
    // Two at least (docs/TESTING.md has the measurements).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The slowest files start first, so none is left running alone at the end (test/sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
  },
});
