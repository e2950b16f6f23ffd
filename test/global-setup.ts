import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON_VAR, resolvePython } from './helpers/python.js';

/**
 * End-to-end tests spawn the built CLI, and every worker thread runs its compiled module from dist/
 * even when the test imports the sources (src/worker/script.ts), so build dist/ once before any
 * test file runs.
 * tsc emits even when it reports type errors; those fail `npm run typecheck` (run by .ci/run before
 * the tests), so here they are shown but do not stop the suite.
 * It also resolves `python3` once for the whole run (test/helpers/python.ts says why); the test
 * workers inherit the variable.
 */
export default function setup(): void {
  if (!process.env[PYTHON_VAR]) process.env[PYTHON_VAR] = resolvePython();
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    process.stderr.write(`global-setup: tsc reported errors (dist/ still emitted):\n${r.stdout}${r.stderr}\n`);
}
