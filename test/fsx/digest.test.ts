/**
 * The small-file readers: a regular file of at most `max` bytes, never through a link; anything
 * else (missing, a link, a FIFO, a directory, too large) is refused by name, never read.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSmallFile, sha256File, sha256SmallFile } from '../../src/fsx/digest.js';
import { tempDir } from '../helpers/tmp.js';

describe('readSmallFile and sha256SmallFile', () => {
  it('read a regular file within the bound, and refuse links, FIFOs, directories and larger files', () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    writeFileSync(file, '{"a":1}\n');
    symlinkSync(file, join(dir, 'link.json'));
    mkdirSync(join(dir, 'sub'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(readSmallFile(file, 8)).toEqual(Buffer.from('{"a":1}\n'));
    expect(sha256SmallFile(file, 8)).toBe(createHash('sha256').update('{"a":1}\n').digest('hex'));
    expect(sha256SmallFile(file, 8)).toBe(sha256File(file).sha256);
    expect(readSmallFile(file, 7)).toBe('unusable');
    expect(sha256SmallFile(file, 7)).toBeUndefined();
    expect(readSmallFile(join(dir, 'link.json'), 100)).toBe('missing');
    expect(sha256SmallFile(join(dir, 'link.json'), 100)).toBeUndefined();
    expect(readSmallFile(join(dir, 'nope.json'), 100)).toBe('missing');
    expect(readSmallFile(join(dir, 'sub'), 100)).toBe('unusable');
    // A FIFO in a file's place is refused at once: opened for reading without O_NONBLOCK it would
    // wait for a writer forever (an export of the next day hung on D-1's state file).
    expect(readSmallFile(join(dir, 'fifo'), 100)).toBe('unusable');
    expect(sha256SmallFile(join(dir, 'fifo'), 100)).toBeUndefined();
  });
});
