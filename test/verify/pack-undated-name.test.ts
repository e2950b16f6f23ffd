/**
 * A pack copied under a name that is not `YYYY-MM-DD[.vN]` (an auditor's `copy-of-pack`): auditpack
 * verify and tools/auditpack_check.py (the reference checker) both check its dates against its own
 * export_date and say so (PACK_DATE_FROM_CONTENTS, info), for a directory and a `.tar.gz`; a name that
 * is a date must still be the pack's date (PACK_DATE_MISMATCH: a pack replayed as another day).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyPack } from '../../src/verify/index.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { exportSampleDay } from '../pack/helpers.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));

function python(path: string): { status: number | null; codes: string[]; detail: string } {
  const r = spawnSync(PYTHON, [CHECKER, path, '--json'], { encoding: 'utf8' });
  const out = JSON.parse(r.stdout) as { findings: { severity: string; code: string; detail: string }[] };
  const dated = out.findings.find((p) => p.code === 'PACK_DATE_FROM_CONTENTS');
  return {
    status: r.status,
    codes: out.findings.filter((p) => p.severity === 'error').map((p) => p.code),
    detail: dated === undefined ? '' : `${dated.severity} ${dated.detail}`,
  };
}

async function packIn(root: string): Promise<string> {
  return exportSampleDay(root);
}

describe('a pack under a name that is not its date', () => {
  it('a directory copy-of-pack: intact for both, checked against its export_date, and said', async () => {
    const root = tempDir();
    const copy = join(root, 'copy-of-pack');
    execFileSync('cp', ['-a', await packIn(root), copy]);
    const ts = await verifyPack(copy);
    expect(ts.ok).toBe(true);
    const note = ts.problems.find((p) => p.code === 'PACK_DATE_FROM_CONTENTS');
    expect(note?.severity).toBe('info');
    expect(note?.detail).toMatch(/copy-of-pack is not named .*checked against its export_date 2026-11-28/);
    const py = python(copy);
    expect(py).toEqual({ status: 0, codes: [], detail: expect.stringMatching(/^info .*export_date 2026-11-28$/) });
  });

  it('a .tar.gz copy.tar.gz holding copy-of-pack/: intact for both; holding 2026-11-28/: no note', async () => {
    const root = tempDir();
    const pack = await packIn(root);
    execFileSync('cp', ['-a', pack, join(root, 'copy-of-pack')]);
    const tar = (out: string, dir: string) =>
      execFileSync('tar', ['--format=posix', '--sort=name', '-czf', join(root, out), '-C', root, dir]);
    tar('copy.tar.gz', 'copy-of-pack');
    execFileSync('cp', ['-a', join(root, 'artifacts', '2026-11-28'), join(root, '2026-11-28')]);
    tar('other.tar.gz', '2026-11-28');
    for (const [name, noted] of [
      ['copy.tar.gz', true],
      ['other.tar.gz', false],
    ] as const) {
      const ts = await verifyPack(join(root, name));
      expect(ts.ok, name).toBe(true);
      expect(
        ts.problems.some((p) => p.code === 'PACK_DATE_FROM_CONTENTS'),
        name,
      ).toBe(noted);
      const py = python(join(root, name));
      expect([py.status, py.codes, py.detail !== ''], name).toEqual([0, [], noted]);
    }
  });

  it('a name that is another date is still a replayed pack for both (PACK_DATE_MISMATCH)', async () => {
    const root = tempDir();
    const moved = join(root, '2026-11-29');
    execFileSync('cp', ['-a', await packIn(root), moved]);
    const ts = await verifyPack(moved);
    expect(ts.ok).toBe(false);
    expect(ts.problems.map((p) => p.code)).toContain('PACK_DATE_MISMATCH');
    expect(ts.problems.map((p) => p.code)).not.toContain('PACK_DATE_FROM_CONTENTS');
    const py = python(moved);
    expect(py.status).toBe(1);
    expect(py.codes).toContain('PACK_DATE_MISMATCH');
  });
});
