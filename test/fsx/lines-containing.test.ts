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

  it('no file, a FIFO, or a symbolic link (unless followLinks): undefined, never waited on', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    writeFileSync(path, '{"event":"PackExported"}\n');
    symlinkSync(path, join(dir, 'link.jsonl'));
    execFileSync('mkfifo', [join(dir, 'fifo.jsonl')]);
    expect(await linesContaining(join(dir, 'none.jsonl'), needle)).toBeUndefined();
    expect(await linesContaining(join(dir, 'fifo.jsonl'), needle)).toBeUndefined();
    // A day file's readers (the export's config of record, retention) never read through a link.
    expect(await linesContaining(join(dir, 'link.jsonl'), needle)).toBeUndefined();
    expect(await linesContaining(join(dir, 'link.jsonl'), needle, { followLinks: false })).toBeUndefined();
    const followed = await linesContaining(join(dir, 'link.jsonl'), needle, { followLinks: true });
    expect(texts(followed)).toEqual(['{"event":"PackExported"}']);
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

  it('withLastLine: the last line as well, once, last, wherever the chunks end; a torn tail is the last line', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    const both = { withFirstLine: true, withLastLine: true };
    writeFileSync(path, '{"seq":1}\n{"event":"PackExported"}\n{"seq":3}\n');
    expect(texts(await linesContaining(path, needle, both))).toEqual([
      '{"seq":1}',
      '{"event":"PackExported"}',
      '{"seq":3}',
    ]);
    writeFileSync(path, '{"seq":1}\n{"event":"PackExported"}\n');
    expect(texts(await linesContaining(path, needle, both))).toEqual(['{"seq":1}', '{"event":"PackExported"}']);
    writeFileSync(path, '{"seq":1}\n');
    expect(texts(await linesContaining(path, needle, both))).toEqual(['{"seq":1}']);
    writeFileSync(path, '{"seq":1}\n{"seq":2');
    expect(texts(await linesContaining(path, needle, { withLastLine: true }))).toEqual(['{"seq":2']);
    writeFileSync(path, '');
    expect(texts(await linesContaining(path, needle, both))).toEqual([]);
    // Lines of 701 bytes straddle the 1 MiB chunks: the last line of each chunk read is not the file's.
    const filler = (i: number): string => `{"n":${String(i).padStart(6, '0')},"pad":"${'x'.repeat(682)}"}`;
    const lines = Array.from({ length: 4000 }, (_, i) => filler(i));
    lines[1500] = '{"event":"PackExported"}';
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect(texts(await linesContaining(path, needle, { withLastLine: true }))).toEqual([lines[1500], lines[3999]]);
    // The last chunk ending exactly at a line's end (2 lines of 2^19 bytes with their newlines).
    const half = `{"pad":"${'y'.repeat((1 << 19) - 11)}"}`;
    writeFileSync(path, `${half}\n${half.replace('y', 'z')}\n`);
    expect(texts(await linesContaining(path, needle, { withLastLine: true }))).toEqual([half.replace('y', 'z')]);
  });
});

describe('linesContaining with recovers (a recovered torn write left out, at50 F5)', () => {
  const recovers = (next: Buffer, line: Buffer): boolean => next.toString('utf8') === `recovers ${line.length}`;

  it('asks with the line after a found one, across a chunk boundary, with the found line and its offset', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    const frag = '{"event":"PackExported","n":2}';
    // The fragment ends 10 bytes before the 1 MiB chunk's end: its recovery straddles the boundary.
    const fill = `${'x'.repeat((1 << 20) - 10 - frag.length - 1 - 32 - 1)}\n`;
    const first = '{"event":"PackExported","n":1}x';
    const text = `${first}\n${fill}${frag}\nrecovers ${frag.length}\n{"event":"PackExported","n":3}\nrecovers 1\n`;
    writeFileSync(path, text);
    expect(text.indexOf(`recovers ${frag.length}`)).toBeLessThan(1 << 20);
    expect(text.indexOf('{"event":"PackExported","n":3}')).toBeGreaterThan(1 << 20);
    const asked: number[] = [];
    const got = await linesContaining(path, needle, {
      recovers: (next, line, offset) => {
        asked.push(offset);
        return recovers(next, line);
      },
    });
    expect(texts(got)).toEqual([first, '{"event":"PackExported","n":3}']);
    expect(asked).toEqual([0, text.indexOf(frag), text.indexOf('{"event":"PackExported","n":3}')]);
  });

  it('a found line with no terminated line after it is kept (nothing recovers it)', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    writeFileSync(path, '{"event":"PackExported","n":1}\nrecovers 30');
    expect(texts(await linesContaining(path, needle, { recovers }))).toEqual(['{"event":"PackExported","n":1}']);
    writeFileSync(path, '{"event":"PackExported","n":1}\nrecovers 30\n');
    expect(texts(await linesContaining(path, needle, { recovers }))).toEqual([]);
  });
});
