/**
 * A pack's layout is fixed: its only directory is data/. Any other directory, empty or not (a
 * `.tmp-` leftover included), is PACK_FILE_UNEXPECTED to both checkers, verify and
 * tools/auditpack_check.py; a `.tmp-` entry directly in the artifacts directory is a killed
 * export's leftover and is ignored by both (docs/FORMAT.md "Layout").
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { verifyArchive, verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { pythonPackCheck } from './helpers/python-check.js';

const DATE = '2026-11-28';

describe('directories inside a pack', () => {
  it('an extra directory, empty or not, at the root or under data/, is PACK_FILE_UNEXPECTED in both checkers', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    mkdirSync(logDir);
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const art = join(root, 'artifacts');
    const r = await exportPack({ date: DATE, logDir, artifactsDir: art, version: '0.1.0', recordEvent: false });
    chmodSync(r.path, 0o755);
    chmodSync(join(r.path, 'data'), 0o755);
    // A leftover directly in the artifacts directory: ignored by both.
    mkdirSync(join(art, '.tmp-1'));
    expect((await verifyArchive(art)).ok).toBe(true);
    expect(pythonPackCheck(art).errors).toEqual([]);
    for (const extra of ['empty', '.tmp-1', 'data/empty', 'data/x/y']) {
      const made = join(r.path, extra);
      mkdirSync(made, { recursive: true });
      const top = extra.startsWith('data/') ? extra.split('/').slice(0, 2).join('/') : extra;
      const ts = await verifyPack(r.path);
      expect(
        ts.problems.filter((p) => p.code === 'PACK_FILE_UNEXPECTED').map((p) => p.file),
        extra,
      ).toEqual([top]);
      expect(ts.ok).toBe(false);
      const py = pythonPackCheck(r.path);
      expect(py.status, extra).toBe(1);
      expect(
        py.errors.filter((p) => p.code === 'PACK_FILE_UNEXPECTED').map((p) => p.file),
        extra,
      ).toEqual([`${DATE}/${top}`]);
      rmSync(join(r.path, top), { recursive: true });
    }
    expect((await verifyPack(r.path)).problems.filter((p) => p.severity === 'error')).toEqual([]);
  }, 180_000);
});
