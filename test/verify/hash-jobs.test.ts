/**
 * The hashing thread's jobs read every file through one pair of chunk buffers (hash-jobs.ts
 * hashInline): each file's digest, size and CSV counts must be exactly those of the file alone,
 * whatever the sizes before it (a chunk left over from a longer file must never leak into the next).
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashInline, hashOne } from '../../src/verify/hash-jobs.js';
import { tempDir } from '../helpers/tmp.js';

const MB = 1024 * 1024;

describe('hashInline: one pair of read buffers for every file', () => {
  it('gives each file the digest, size and CSV counts it has alone, longer and shorter files in turn', async () => {
    const dir = tempDir();
    const csv = (rows: number) => `a,seq,b\n${Array.from({ length: rows }, (_, i) => `x,${i + 1},"y\n"\n`).join('')}`;
    // Sizes across the 1 MiB chunk: two and a half chunks, a few bytes, empty, one chunk exactly, a CSV.
    const files: [string, Buffer][] = [
      ['long.bin', randomBytes(2.5 * MB)],
      ['short.bin', Buffer.from('abc')],
      ['empty.bin', Buffer.alloc(0)],
      ['exact.bin', randomBytes(MB)],
      ['rows.csv', Buffer.from(csv(150_000))],
      ['tail.bin', randomBytes(MB + 7)],
    ];
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    const jobs = files.map(([name]) => ({ path: join(dir, name), csv: name.endsWith('.csv') }));
    const got = await hashInline(jobs);
    for (const [i, [name, bytes]] of files.entries()) {
      const r = got[i];
      expect(r?.error, name).toBeUndefined();
      expect(r?.size, name).toBe(bytes.length);
      expect(r?.sha256, name).toBe(createHash('sha256').update(bytes).digest('hex'));
      // The same as a job of its own, with buffers of its own (the CSV's counts included).
      expect(r, name).toEqual(await hashOne(jobs[i] as (typeof jobs)[number]));
    }
    expect(got[4]?.csv?.records).toBe(150_000);
  });
});
