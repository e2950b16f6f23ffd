import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binaryDiff, splitDiffSections, splitKeepingEol, unifiedDiff } from '../../src/snapshot/unified-diff.js';
import { tempDir } from '../helpers/tmp.js';

const side = (text: string | null, label = 'L') => ({ path: 'configs/x.yaml', label, text });

/** GNU diff's hunks (everything after its two header lines). -d: guaranteed minimal. */
function gnuHunks(dir: string, a: string, b: string, minimal = false): string {
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  const r = spawnSync('diff', [...(minimal ? ['-d'] : []), '-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
  if (r.status === 0) return '';
  expect(r.status).toBe(1);
  return r.stdout.split('\n').slice(2).join('\n');
}

function ourHunks(a: string, b: string): string {
  const d = unifiedDiff(side(a, 'A'), side(b, 'B'));
  return d === '' ? '' : d.split('\n').slice(2).join('\n');
}

describe('unifiedDiff', () => {
  it('equal texts: empty string', () => {
    expect(unifiedDiff(side('a\n'), side('a\n'))).toBe('');
  });

  it('headers name the sides after a TAB, paths a/ and b/ like git', () => {
    const d = unifiedDiff(side('x: 1\n', 'snapshot S1'), side('x: 2\n', 'snapshot S2'));
    expect(d).toBe('--- a/configs/x.yaml\tsnapshot S1\n+++ b/configs/x.yaml\tsnapshot S2\n@@ -1 +1 @@\n-x: 1\n+x: 2\n');
  });

  it('created and deleted files use /dev/null', () => {
    expect(unifiedDiff(side(null, 'HEAD'), side('a\nb\n', 'wt'))).toBe(
      '--- /dev/null\tHEAD\n+++ b/configs/x.yaml\twt\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    );
    expect(unifiedDiff(side('a\n', 'S1'), side(null, 'S2'))).toBe(
      '--- a/configs/x.yaml\tS1\n+++ /dev/null\tS2\n@@ -1 +0,0 @@\n-a\n',
    );
  });

  it('binary files: one line, git wording', () => {
    expect(binaryDiff({ path: 'c/k.bin', label: 'snapshot A' }, { path: 'c/k.bin', label: 'snapshot B' })).toBe(
      'Binary files a/c/k.bin (snapshot A) and b/c/k.bin (snapshot B) differ\n',
    );
    expect(binaryDiff(null, { path: 'c/k.bin', label: 'B' })).toBe('Binary files /dev/null and b/c/k.bin (B) differ\n');
  });

  it.each([
    ['one change in the middle of a long file', lines(1, 20), lines(1, 20).replace('line 10\n', 'line ten\n')],
    [
      'two changes far apart: two hunks',
      lines(1, 30),
      lines(1, 30).replace('line 3\n', 'x\n').replace('line 25\n', 'y\n'),
    ],
    [
      'two changes 6 lines apart: one hunk',
      lines(1, 30),
      lines(1, 30).replace('line 10\n', 'x\n').replace('line 17\n', 'y\n'),
    ],
    [
      'two changes 7 lines apart: two hunks',
      lines(1, 30),
      lines(1, 30).replace('line 10\n', 'x\n').replace('line 18\n', 'y\n'),
    ],
    ['insertion at the start', lines(1, 5), `new\n${lines(1, 5)}`],
    ['deletion at the end', lines(1, 8), lines(1, 6)],
    ['no newline at end, old side', 'a\nb', 'a\nc\n'],
    ['no newline at end, new side', 'a\nb\n', 'a\nb'],
    ['no newline at end, both', 'a\nb', 'a\nc'],
    ['from empty', '', 'a\n'],
    ['to empty', 'a\nb\n', ''],
    ['CRLF lines', 'a\r\nb\r\nc\r\n', 'a\r\nB\r\nc\r\n'],
  ])('hunks are byte-identical to GNU diff -u: %s', (_name, a, b) => {
    const dir = tempDir();
    expect(ourHunks(a, b)).toBe(gnuHunks(dir, a, b));
  });

  it('property: the diff applies with GNU patch to give the new text, and is as small as diff -d (minimal)', () => {
    const dir = tempDir();
    const lineArb = fc.constantFrom('a', 'b', 'c', 'd', 'key: 1', 'key: 2', '', '  nested: x');
    const textArb = fc
      .tuple(fc.array(lineArb, { maxLength: 25 }), fc.boolean())
      .map(([ls, eol]) => (ls.length === 0 ? '' : ls.join('\n') + (eol ? '\n' : '')));
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        const d = unifiedDiff(side(a, 'A'), side(b, 'B'));
        if (a === b) {
          expect(d).toBe('');
          return;
        }
        writeFileSync(join(dir, 'old'), a);
        writeFileSync(join(dir, 'd.diff'), d);
        const r = spawnSync('patch', ['-s', '-o', join(dir, 'new'), join(dir, 'old'), join(dir, 'd.diff')], {
          encoding: 'utf8',
        });
        expect(r.status, `${r.stdout}${r.stderr}\n${d}`).toBe(0);
        expect(readFileSync(join(dir, 'new'), 'utf8')).toBe(b);
        const count = (s: string, c: string): number =>
          s.split('\n').filter((l) => l.startsWith(c) && !l.startsWith(`${c}${c}${c} `)).length;
        const gnu = gnuHunks(dir, a, b, true);
        expect(count(d, '-') + count(d, '+')).toBe(count(gnu, '-') + count(gnu, '+'));
      }),
      { numRuns: 150 },
    );
  });

  it('large unrelated files: bounded work, still a correct diff', () => {
    const a = Array.from({ length: 6000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 6000 }, (_, i) => `b${i}`).join('\n');
    const d = unifiedDiff(side(a), side(b));
    const body = d.split('\n').slice(2);
    expect(body[0]).toBe('@@ -1,6000 +1,6000 @@');
    expect(body.filter((l) => l.startsWith('-')).length).toBe(6000);
    expect(body.filter((l) => l.startsWith('+')).length).toBe(6000);
  });

  it('splitDiffSections: property: concatenated diffs and notes split back exactly, whatever the lines hold', () => {
    // Content lines that look like headers ("--- a/x", "+++ b", "@@") must not start a section.
    const lineArb = fc.constantFrom(
      'a',
      '-- a/configs/x.yaml\tsnapshot S',
      '++ b/x',
      '@@ -1 +1 @@',
      '\\ x',
      '',
      'key: 1',
    );
    const textArb = fc
      .tuple(fc.array(lineArb, { maxLength: 12 }), fc.boolean())
      .map(([ls, eol]) => (ls.length === 0 ? '' : ls.join('\n') + (eol ? '\n' : '')));
    const sectionArb = fc.oneof(
      fc
        .tuple(
          fc.option(textArb, { nil: null }),
          fc.option(textArb, { nil: null }),
          fc.constantFrom('git HEAD abc', 'snapshot S1'),
        )
        .map(([a, b, label]) =>
          unifiedDiff(side(a, label), side(b, label === 'snapshot S1' ? 'snapshot S2' : 'working tree')),
        ),
      fc.constant(binaryDiff({ path: 'c/k.bin', label: 'snapshot S1' }, { path: 'c/k.bin', label: 'snapshot S2' })),
    );
    fc.assert(
      fc.property(fc.array(sectionArb, { maxLength: 4 }), (parts) => {
        const nonEmpty = parts.filter((p) => p !== '');
        const sections = splitDiffSections(nonEmpty.join(''));
        expect(sections?.map((x) => x.text)).toEqual(nonEmpty);
      }),
      { numRuns: 300 },
    );
    expect(splitDiffSections('not a diff\n')).toBeUndefined();
    const [one] = splitDiffSections(unifiedDiff(side('a\n', 'git HEAD c1'), side('b\n', 'working tree'))) ?? [];
    expect([one?.aLabel, one?.bLabel]).toEqual(['git HEAD c1', 'working tree']);
  });

  it('splitKeepingEol keeps each terminator', () => {
    expect(splitKeepingEol('a\nb\r\nc')).toEqual(['a\n', 'b\r\n', 'c']);
    expect(splitKeepingEol('')).toEqual([]);
  });
});

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += `line ${i}\n`;
  return s;
}
