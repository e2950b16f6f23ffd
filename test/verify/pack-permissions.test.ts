/**
 * A pack (or an artifacts directory) that the verifying user may not fully read is the documented
 * PERMISSION_DENIED (exit 77) for auditpack verify and tools/auditpack_check.py alike, wherever the
 * unreadable directory is: never NOT_A_REGULAR_FILE / PACK_FILE_MISSING / PACK_OXUM_MISMATCH, as if an
 * honest pack had lost its files. Needs root (verify runs as `nobody` through runuser).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { exportSampleDay } from '../pack/helpers.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const AS_NOBODY =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('runuser', ['-u', 'nobody', '--', 'true']).status === 0;

/** A python3 that `nobody` may run (the tests' own may live under /root); undefined when none. */
const NOBODY_PYTHON = [PYTHON, '/usr/bin/python3'].find(
  (py) => AS_NOBODY && spawnSync('runuser', ['-u', 'nobody', '--', py, '-c', 'pass']).status === 0,
);

function asNobody(cmd: string, args: string[]) {
  return spawnSync('runuser', ['-u', 'nobody', '--', 'env', 'NO_COLOR=1', 'HOME=/tmp', cmd, ...args], {
    encoding: 'utf8',
  });
}

describe.skipIf(!AS_NOBODY)('verify as a user who may not read part of a pack', () => {
  it('data/ not listable (0700) or not searchable (0744): exit 77 PERMISSION_DENIED, pack and archive, both checkers', async () => {
    const root = tempDir();
    chmodSync(root, 0o755);
    const artifactsDir = join(root, 'artifacts');
    const r = { path: await exportSampleDay(root, artifactsDir) };
    expect(spawnSync('chmod', ['-R', 'o+rX', artifactsDir]).status).toBe(0);
    for (const mode of [0o700, 0o744]) {
      chmodSync(join(r.path, 'data'), mode);
      for (const target of [r.path, artifactsDir]) {
        const what = `${mode.toString(8)} ${target}`;
        const ts = asNobody(process.execPath, [BIN, 'verify', target, '--no-logs', '--json']);
        expect(ts.status, what).toBe(77);
        expect(ts.stdout + ts.stderr, what).toMatch(/PERMISSION_DENIED/);
        expect(ts.stdout + ts.stderr, what).not.toMatch(/PACK_FILE_MISSING|NOT_A_REGULAR_FILE|PACK_OXUM_MISMATCH/);
        if (NOBODY_PYTHON === undefined) continue;
        const py = asNobody(NOBODY_PYTHON, [CHECKER, target]);
        expect(py.status, `python ${what}`).toBe(77);
        expect(py.stderr, `python ${what}`).toMatch(/^PERMISSION_DENIED: /);
      }
    }
    chmodSync(join(r.path, 'data'), 0o555);
  });
});
