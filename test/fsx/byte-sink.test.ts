/**
 * writeNewFile / HashingWriter with long texts: a text longer than the writer's buffer is written in
 * pieces (never a buffer three times its length), and the file holds exactly the text's UTF-8
 * encoding, a surrogate pair never cut, a lone surrogate written as U+FFFD as a whole-text
 * encoding writes it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeNewFile, writeNewFileSoon } from '../../src/fsx/byte-sink.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'auditpack-byte-sink-'));
  dirs.push(d);
  return d;
}

/** The writer's piece is 256 KiB / 3 = 87,381 UTF-16 units: texts around and across that bound. */
const PIECE = Math.floor((256 * 1024) / 3);

function texts(): [string, string][] {
  const pair = '\ud83d\ude00';
  return [
    ['a pair across the first cut', `${'a'.repeat(PIECE - 1)}${pair}${'b'.repeat(10)}`],
    ['a pair just after the cut', `${'a'.repeat(PIECE)}${pair}`],
    ['pairs only, many pieces', pair.repeat(PIECE * 2 + 1)],
    ['three-byte units filling every piece', '\u20ac'.repeat(PIECE * 3 + 7)],
    ['a lone high surrogate at a cut', `${'a'.repeat(PIECE - 1)}\ud800${'c'.repeat(PIECE)}`],
    ['a lone low surrogate at a cut', `${'a'.repeat(PIECE)}\udc00x`],
    ['a lone high surrogate at the end', `${'a'.repeat(PIECE * 2)}\ud800`],
    ['mixed widths', 'x\u00e9\u20ac\ud83d\ude00'.repeat(60_000)],
  ];
}

describe('writeNewFile with long texts', () => {
  for (const [name, text] of texts()) {
    it(`${name}: the file is the text's UTF-8, whole or in pieces`, () => {
      const want = Buffer.from(text, 'utf8');
      const dir = tempDir();
      const whole = writeNewFile(join(dir, 'whole'), text);
      expect(readFileSync(join(dir, 'whole')).equals(want)).toBe(true);
      expect(whole.size).toBe(want.length);
      expect(whole.sha256).toBe(createHash('sha256').update(want).digest('hex'));
      // Pieces cut at odd places, a pair split between two of them included.
      const cuts = [...new Set([0, 1, 3, PIECE - 1, PIECE + 2, text.length - 1, text.length])]
        .filter((c) => c <= text.length)
        .sort((a, b) => a - b);
      const pieces = cuts.slice(1).map((c, i) => text.slice(cuts[i], c));
      expect(pieces.join('')).toBe(text);
      const joinedBytes = Buffer.concat(pieces.map((p) => Buffer.from(p, 'utf8')));
      const inPieces = writeNewFile(join(dir, 'pieces'), pieces);
      expect(readFileSync(join(dir, 'pieces')).equals(joinedBytes)).toBe(true);
      expect(inPieces.sha256).toBe(createHash('sha256').update(joinedBytes).digest('hex'));
    });
  }
});

/** Descriptors this process holds open (Linux). */
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('writeNewFileSoon (fsynced on the thread pool while the caller writes on)', () => {
  it('has written the file when it returns, and settles with what writeNewFile gives, its descriptor closed', async () => {
    const dir = tempDir();
    const [a, b] = texts()[0] as [string, string];
    const before = openFds();
    const soon = [writeNewFileSoon(join(dir, 'one'), b), writeNewFileSoon(join(dir, 'two'), [a, b])];
    expect(readFileSync(join(dir, 'one'), 'utf8')).toBe(b);
    expect(readFileSync(join(dir, 'two'), 'utf8')).toBe(a + b);
    const [one, two] = await Promise.all(soon);
    expect(openFds()).toBe(before);
    const now = writeNewFile(join(dir, 'three'), b);
    expect({ size: one?.size, sha256: one?.sha256 }).toEqual({ size: now.size, sha256: now.sha256 });
    expect(two?.sha256).toBe(
      createHash('sha256')
        .update(a + b, 'utf8')
        .digest('hex'),
    );
  });

  it('closes the file when its text fails while written, and throws that error', () => {
    const dir = tempDir();
    const before = openFds();
    function* failing(): Generator<string> {
      yield 'a line\n';
      throw new Error('render failed');
    }
    expect(() => writeNewFileSoon(join(dir, 'bad'), failing())).toThrow('render failed');
    expect(openFds()).toBe(before);
    expect(() => writeNewFileSoon(join(dir, 'bad'), 'x')).toThrow(/EEXIST|exists/);
  });
});
