import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWritable } from '../../src/fsx/dirs.js';
import { holdLockFile, removePrefixed } from '../../src/fsx/lock-file.js';
import { loadFileLock } from '../../src/logger/index.js';
import { tempDir } from '../helpers/tmp.js';

describe('holdLockFile', () => {
  it('makes a second holder wait until the first releases, and release twice is harmless', async () => {
    const dir = tempDir();
    const path = join(dir, '.lock');
    const first = await holdLockFile(path, loadFileLock(), 1000, 'first');
    let got = false;
    const second = holdLockFile(path, loadFileLock(), 10_000, 'second').then((r) => {
      got = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toBe(false);
    first();
    first();
    const release = await second;
    expect(got).toBe(true);
    release();
  });

  it('gives LOCK_FAILED naming the holder after waitMs', async () => {
    const dir = tempDir();
    const path = join(dir, '.lock');
    const first = await holdLockFile(path, loadFileLock(), 1000, 'first');
    try {
      await expect(holdLockFile(path, loadFileLock(), 50, 'another rollup')).rejects.toMatchObject({
        code: 'LOCK_FAILED',
        message: expect.stringContaining('another rollup has held'),
      });
    } finally {
      first();
    }
  });
});

describe('removePrefixed', () => {
  it('removes only prefixed entries, removes a link without following it, and a missing dir holds nothing', () => {
    const dir = tempDir();
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'x');
    const work = join(dir, 'work');
    mkdirSync(join(work, '.tmp-a', 'deep'), { recursive: true });
    writeFileSync(join(work, '.tmp-a', 'deep', 'f'), 'x');
    symlinkSync(outside, join(work, '.tmp-link'));
    writeFileSync(join(work, '2025-01-01'), 'x');
    expect(removePrefixed(work, '.tmp-', makeWritable).sort()).toEqual(['.tmp-a', '.tmp-link']);
    expect(readdirSync(work)).toEqual(['2025-01-01']);
    expect(existsSync(join(outside, 'keep'))).toBe(true);
    expect(removePrefixed(join(dir, 'nope'), '.tmp-', makeWritable)).toEqual([]);
  });
});
