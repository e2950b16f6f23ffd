/**
 * A file the pack layout does not define is an error whatever it holds (PACK_FILE_UNEXPECTED), so
 * neither checker reads it: a sparse file costs no disk whatever its size, and verify hashed it
 * (hours for a terabyte) while tools/auditpack_check.py read it whole into memory (MemoryError, a
 * traceback, under a memory limit; at58 F8). Counted opens and a memory bound, never timed.
 */
import { cpSync, openSync, closeSync, ftruncateSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { exportSampleDay } from '../pack/helpers.js';
import { makeWritable } from './helpers/forge.js';
import { expectUnexpectedUnread } from './helpers/unexpected-unread.js';
import { pythonCheckMeasured } from './helpers/python-check.js';

let root: string;
let pack: string;

beforeAll(async () => {
  root = tempDir();
  pack = await exportSampleDay(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('files the layout does not define', () => {
  it('verify never opens them (data/zz, junk at the root): PACK_FILE_UNEXPECTED for each', () => {
    const dir = join(root, 'planted');
    cpSync(pack, dir, { recursive: true });
    makeWritable(dir);
    expectUnexpectedUnread(dir, root);
  });

  it('the Python checker does not read a sparse 1 GiB one: under 300 MB of memory, a finding', () => {
    expectSparseUnread('sparse', join('data', 'zz'), [], /PACK_FILE_UNEXPECTED/);
  }, 120_000);
});

describe('root files of the layout past their bounds (at62 F9)', () => {
  // The Python checker read each whole: a sparse one (no disk) was a MemoryError under a memory limit.
  for (const [name, code] of [
    ['manifest.json', /PACK_MANIFEST_JSON_INVALID/],
    ['bag-info.txt', /PACK_BAG_INFO_INVALID/],
    ['tagmanifest-sha256.txt', /PACK_MANIFEST_INVALID/],
    ['tsa-certs.pem', /PACK_FILE_UNEXPECTED/],
  ] as const)
    it(`the Python checker reads a sparse 1 GiB ${name} only to its bound, in a pack and in an artifacts directory`, () => {
      expectSparseUnread(`root-${name}`, name, [], code);
      expectSparseUnread(`archive-${name}`, name, ['archive'], code);
    }, 120_000);
});

/**
 * A copy of the pack (`nest` directories deep, named as its day there) with `rel` made a sparse 1 GiB
 * file; the Python checker on the copy (or the directory holding it) stays under 300 MB and finds `code`.
 */
function expectSparseUnread(name: string, rel: string, nest: string[], code: RegExp): void {
  const top = join(root, name);
  const dir = nest.length === 0 ? top : join(top, ...nest.slice(1), pack.split('/').pop() as string);
  cpSync(pack, dir, { recursive: true });
  makeWritable(dir);
  const fd = openSync(join(dir, rel), 'w');
  ftruncateSync(fd, 1024 ** 3);
  closeSync(fd);
  const r = pythonCheckMeasured([top, '--json']);
  expect(r.stderr).not.toMatch(/MemoryError|Traceback/);
  expect(r.maxRssKb).toBeLessThan(300 * 1024);
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(code);
}
