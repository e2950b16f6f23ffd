import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesContaining } from '../../src/fsx/lines-containing.js';
import { tempDir } from '../helpers/tmp.js';

const needle = Buffer.from('"PackExported"');
const texts = (lines: Buffer[] | undefined): string[] | undefined => lines?.map((b) => b.toString('utf8'));

describe('linesContaining', () => {
  it('finds every line holding the bytes, across chunk boundaries, in order', async () => {
    const dir = tempDir();
    const filler = `${'x'.repeat(700)}\n`;
    // Lines straddle the 1 MiB chunks: filler of 701 bytes does not divide 2^20.
    const parts: string[] = [];
    const want: string[] = [];
    for (let i = 0; i < 4000; i++) {
      parts.push(filler);
      if (i % 997 === 0) {
        const l = `{"event":"PackExported","n":${i}}`;
        parts.push(`${l}\n`);
        want.push(l);
      }
    }
    const path = join(dir, 'a.jsonl');
    writeFileSync(path, parts.join(''));
    expect(texts(await linesContaining(path, needle))).toEqual(want);
  });

  it('with several needles, in one pass: each matching line once, in the file order', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    const lines = [
      '{"event":"ConfigSnapshot","n":1}',
      '{"event":"Other"}',
      '{"event":"PackExported","n":2}',
      '{"event":"PackExported","note":"ConfigSnapshot","n":3}',
      '{"event":"ConfigSnapshot","n":4}',
    ];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const got = texts(await linesContaining(path, [Buffer.from('"ConfigSnapshot"'), needle]));
    expect(got).toEqual([lines[0], lines[2], lines[3], lines[4]]);
  });

  it('a last line with no newline (a torn write) is left out with terminatedOnly, kept without', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    writeFileSync(path, '{"event":"PackExported","n":1}\n{"event":"PackExported","n":2');
    expect(texts(await linesContaining(path, needle))).toEqual([
      '{"event":"PackExported","n":1}',
      '{"event":"PackExported","n":2',
    ]);
    expect(texts(await linesContaining(path, needle, { terminatedOnly: true }))).toEqual([
      '{"event":"PackExported","n":1}',
    ]);
  });

  it('no file, a FIFO, or (followLinks: false) a symbolic link: undefined, never waited on', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    writeFileSync(path, '{"event":"PackExported"}\n');
    symlinkSync(path, join(dir, 'link.jsonl'));
    execFileSync('mkfifo', [join(dir, 'fifo.jsonl')]);
    expect(await linesContaining(join(dir, 'none.jsonl'), needle)).toBeUndefined();
    expect(await linesContaining(join(dir, 'fifo.jsonl'), needle)).toBeUndefined();
    expect(await linesContaining(join(dir, 'link.jsonl'), needle, { followLinks: false })).toBeUndefined();
    expect(texts(await linesContaining(join(dir, 'link.jsonl'), needle))).toEqual(['{"event":"PackExported"}']);
  });

  it('withFirstLine: the first line as well, once, first; a first line longer than a chunk whole', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    writeFileSync(path, '{"seq":1}\n{"event":"Other"}\n{"event":"PackExported"}\n');
    expect(texts(await linesContaining(path, needle, { withFirstLine: true }))).toEqual([
      '{"seq":1}',
      '{"event":"PackExported"}',
    ]);
    writeFileSync(path, '{"event":"PackExported","n":1}\n{"event":"PackExported","n":2}\n');
    expect(texts(await linesContaining(path, [needle, Buffer.from('"n"')], { withFirstLine: true }))).toEqual([
      '{"event":"PackExported","n":1}',
      '{"event":"PackExported","n":2}',
    ]);
    const long = `{"pad":"${'x'.repeat(3 << 20)}"}`;
    writeFileSync(path, `${long}\n{"event":"PackExported"}\n`);
    expect(texts(await linesContaining(path, needle, { withFirstLine: true }))).toEqual([
      long,
      '{"event":"PackExported"}',
    ]);
    writeFileSync(path, '');
    expect(texts(await linesContaining(path, needle, { withFirstLine: true }))).toEqual([]);
  });
});
