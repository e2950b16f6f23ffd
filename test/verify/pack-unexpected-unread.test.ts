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
    const dir = join(root, 'sparse');
    cpSync(pack, dir, { recursive: true });
    makeWritable(dir);
    const fd = openSync(join(dir, 'data', 'zz'), 'w');
    ftruncateSync(fd, 1024 ** 3);
    closeSync(fd);
    const r = pythonCheckMeasured([dir, '--json']);
    expect(r.stderr).not.toMatch(/MemoryError|Traceback/);
    expect(r.maxRssKb).toBeLessThan(300 * 1024);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/PACK_FILE_UNEXPECTED/);
  }, 120_000);
});
