/**
 * openRegular and its sync twin: a regular file opens; a FIFO (opened without O_NONBLOCK, open(2)
 * would wait for a writer for ever), a device, a directory and, unless links are allowed, a
 * symbolic link are refused with NotRegularFileError (ENOTREG). Also two readers built on it that
 * hostile input reaches: the .tar.gz reader and verify's pruned ledger.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNotRegularFile, openRegular, openRegularSync, readRegular, readRegularSync } from '../../src/fsx/regular.js';
import { readTarGz } from '../../src/fsx/tar-read.js';
import { readLedger } from '../../src/verify/archive-ledger.js';
import { Findings } from '../../src/verify/report.js';
import { tempDir } from '../helpers/tmp.js';

function refusal(run: () => unknown): string {
  try {
    const fd = run();
    if (typeof fd === 'number') closeSync(fd);
  } catch (err) {
    return isNotRegularFile(err) ? `ENOTREG ${err.kind}` : `other ${(err as NodeJS.ErrnoException).code}`;
  }
  return 'opened';
}

async function refusalAsync(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return isNotRegularFile(err) ? `ENOTREG ${err.kind}` : `other ${(err as NodeJS.ErrnoException).code}`;
  }
  return 'opened';
}

describe('openRegular', () => {
  it('opens a regular file; refuses a FIFO, a device, a directory and a link (unless links are allowed)', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'bytes\n');
    symlinkSync(file, join(dir, 'link'));
    symlinkSync(join(dir, 'fifo'), join(dir, 'link-to-fifo'));
    mkdirSync(join(dir, 'sub'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const cases: [string, object | undefined, string][] = [
      [file, undefined, 'opened'],
      [join(dir, 'fifo'), undefined, 'ENOTREG a FIFO'],
      [join(dir, 'sub'), undefined, 'ENOTREG a directory'],
      ['/dev/null', undefined, 'ENOTREG a device'],
      [join(dir, 'link'), undefined, 'ENOTREG a symbolic link, never followed'],
      [join(dir, 'link'), { followLinks: true }, 'opened'],
      [join(dir, 'link-to-fifo'), { followLinks: true }, 'ENOTREG a FIFO'],
      [join(dir, 'missing'), undefined, 'other ENOENT'],
    ];
    for (const [path, options, want] of cases) {
      expect(
        refusal(() => openRegularSync(path, options)),
        path,
      ).toBe(want);
      expect(await refusalAsync(async () => (await openRegular(path, options)).close()), path).toBe(want);
    }
    expect(readRegularSync(file).toString()).toBe('bytes\n');
    expect((await readRegular(join(dir, 'link'), { followLinks: true })).toString()).toBe('bytes\n');
    expect(await refusalAsync(() => readRegular(join(dir, 'fifo')))).toBe('ENOTREG a FIFO');
  });

  it('the .tar.gz reader refuses a FIFO in the archive place at once', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'x.tar.gz')]);
    expect(await refusalAsync(() => readTarGz(join(dir, 'x.tar.gz'), () => undefined))).toBe('ENOTREG a FIFO');
  });

  it("verify's pruned ledger: a FIFO or a link in its place is a finding, never waited on or followed", async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'pruned.jsonl')]);
    writeFileSync(join(dir, 'real.jsonl'), '');
    symlinkSync(join(dir, 'real.jsonl'), join(dir, 'link.jsonl'));
    for (const [name, why] of [
      ['pruned.jsonl', 'not a regular file (a FIFO)'],
      ['link.jsonl', 'not a regular file (a symbolic link, never followed)'],
    ]) {
      const f = new Findings();
      expect(await readLedger(join(dir, name as string), f)).toEqual([]);
      expect(f.toArray().map((p) => `${p.code} ${p.detail}`)).toEqual([`ARCHIVE_PRUNED_LEDGER_INVALID ${why}`]);
    }
  });
});
