/**
 * readBounded (src/verify/pack-walk.ts), which reads a roll-up's JSON files and the archive's root
 * files: the buffer it returns is sized by the file, not by the bound. A 256 MiB bound allocated for
 * a 2 KB hosts.json made every roll-up day cost ~50 ms and kept the whole allocation behind the bytes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBounded } from '../../src/verify/pack-walk.js';
import { tempDir } from '../helpers/tmp.js';

describe('readBounded', () => {
  it('holds only the file, not the bound, and still stops at the bound', async () => {
    const dir = tempDir();
    const file = join(dir, 'hosts.json');
    writeFileSync(file, '{"hosts":[]}\n');
    const got = await readBounded(file, 256 * 1024 * 1024);
    expect(got.toString('utf8')).toBe('{"hosts":[]}\n');
    expect(got.buffer.byteLength).toBeLessThan(1024);
    expect((await readBounded(file, 5)).toString('utf8')).toBe('{"hos');
    writeFileSync(file, '');
    expect((await readBounded(file, 1024)).length).toBe(0);
  });
});
