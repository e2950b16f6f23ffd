/**
 * A day with superseded versions (D.vN) and no current pack: an `export --force` killed between
 * moving the old pack aside and moving the new one in, or the current pack renamed. The newest
 * pack renamed D -> D.v1 verified intact without a word in both checkers, with the live logs too,
 * its day silently gone from the archive's newest evidence (at58 F7). Both now warn
 * (ARCHIVE_CURRENT_MISSING), naming the day; an honest archive has none.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { verifyArchive } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { makeWritable } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';

const DAYS = ['2026-11-26', '2026-11-27', '2026-11-28'];
let root: string;
let art: string;
let logs: string;

beforeAll(async () => {
  root = tempDir();
  logs = join(root, 'logs');
  art = join(root, 'artifacts');
  mkdirSync(logs);
  for (const d of DAYS) await writeDay(logs, d, SAMPLE_EVENTS);
  for (const d of DAYS)
    await exportPack({ date: d, logDir: logs, artifactsDir: art, version: '0.1.0', compliance: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const named = (ps: readonly { code: string; severity: string; file: string | null }[]) =>
  ps.filter((p) => p.code === 'ARCHIVE_CURRENT_MISSING').map((p) => `${p.severity} ${p.file}`);

describe('a day with superseded versions and no current pack', () => {
  it('the honest archive: no such warning', async () => {
    const r = await verifyArchive(art, { logDir: logs });
    expect(r.ok).toBe(true);
    expect(named(r.problems)).toEqual([]);
    expect(named(pythonPackCheck(art).all)).toEqual([]);
  });

  it('the newest pack renamed to .v1: a warning naming it, in both checkers, with the live logs too', async () => {
    makeWritable(join(art, DAYS[2] as string));
    renameSync(join(art, DAYS[2] as string), join(art, `${DAYS[2]}.v1`));
    const r = await verifyArchive(art, { logDir: logs });
    expect(named(r.problems)).toEqual([`warning ${DAYS[2]}.v1`]);
    expect(named(pythonPackCheck(art).all)).toEqual([`warning ${DAYS[2]}.v1`]);
  });
});
