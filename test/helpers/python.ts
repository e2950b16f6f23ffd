import { spawnSync } from 'node:child_process';

/** The environment variable test/global-setup.ts sets to the interpreter it resolved, once per run. */
export const PYTHON_VAR = 'AUDITPACK_TEST_PYTHON';

/**
 * The interpreter the tests run the Python checkers with: `python3` on the PATH, resolved to the
 * executable it starts (`sys.executable`), so every spawn runs the same Python a shell would. Where
 * `python3` is a version manager's shim (pyenv's is a bash script that runs `pyenv exec`), each
 * spawn through it costs about 0.6 s of CPU before Python starts, and the suite spawns the checkers
 * several hundred times. If python3 cannot be resolved, the name itself is kept, so a missing
 * interpreter fails the tests exactly as before.
 */
export function resolvePython(): string {
  const r = spawnSync('python3', ['-c', 'import sys; sys.stdout.write(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.startsWith('/') ? r.stdout : 'python3';
}

/** `python3`, resolved once per run by test/global-setup.ts (or here, for a file run without it). */
export const PYTHON: string = process.env[PYTHON_VAR] || resolvePython();
