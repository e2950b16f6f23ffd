/**
 * A pack (or an artifacts directory) that the verifying user may not fully read is the documented
 * PERMISSION_DENIED (exit 77) for auditpack verify and tools/auditpack_check.py alike, wherever the
 * unreadable directory is: never NOT_A_REGULAR_FILE / PACK_FILE_MISSING / PACK_OXUM_MISMATCH, as if an
 * honest pack had lost its files. Needs root: verify runs as root without the capabilities that bypass
 * file permissions (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), on a `data/` owned by
 * `nobody`; so the checkout itself need not be readable by another user (a clone under /root, or a
 * private temp dir, made a `runuser -u nobody` verify fail to load its own code: exit 1).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { exportSampleDay } from '../pack/helpers.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const NO_DAC_CAPS = ['--inh-caps=-dac_override,-dac_read_search', '--bounding-set=-dac_override,-dac_read_search'];
const WITHOUT_DAC =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('setpriv', [...NO_DAC_CAPS, '--', 'true']).status === 0;
/** `nobody`'s uid and gid (65534 on Debian). */
const NOBODY = 65534;

/** Runs `cmd` as root that file permissions bind (no DAC override or read-search capability). */
function withoutDac(cmd: string, args: string[]) {
  return spawnSync('setpriv', [...NO_DAC_CAPS, '--', 'env', 'NO_COLOR=1', cmd, ...args], { encoding: 'utf8' });
}

describe.skipIf(!WITHOUT_DAC)('verify as a user who may not read part of a pack', () => {
  it('data/ not listable (0700) or not searchable (0744): exit 77 PERMISSION_DENIED, pack and archive, both checkers', async () => {
    const root = tempDir();
    const artifactsDir = join(root, 'artifacts');
    const r = { path: await exportSampleDay(root, artifactsDir) };
    // Owned by another user, so the mode's owner bits do not let root (capabilities dropped) in.
    chownSync(join(r.path, 'data'), NOBODY, NOBODY);
    for (const mode of [0o700, 0o744]) {
      chmodSync(join(r.path, 'data'), mode);
      for (const target of [r.path, artifactsDir]) {
        const what = `${mode.toString(8)} ${target}`;
        const ts = withoutDac(process.execPath, [BIN, 'verify', target, '--no-logs', '--json']);
        expect(ts.status, what).toBe(77);
        expect(ts.stdout + ts.stderr, what).toMatch(/PERMISSION_DENIED/);
        expect(ts.stdout + ts.stderr, what).not.toMatch(/PACK_FILE_MISSING|NOT_A_REGULAR_FILE|PACK_OXUM_MISMATCH/);
        const py = withoutDac(PYTHON, [CHECKER, target]);
        expect(py.status, `python ${what}`).toBe(77);
        expect(py.stderr, `python ${what}`).toMatch(/^PERMISSION_DENIED: /);
      }
    }
    chmodSync(join(r.path, 'data'), 0o755);
  });
});
