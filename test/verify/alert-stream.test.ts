/**
 * data/alerts.jsonl's line hashes read alongside the log (src/verify/alert-stream.ts): the same
 * hashes, in the same order, as a list of every line's hash, whatever the lines' lengths and
 * however they fall across the reader's chunks, while only a small window is kept.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertLineStream } from '../../src/verify/alert-stream.js';
import { tempDir } from '../helpers/tmp.js';
import { sha256 } from './helpers/log-fixture.js';

describe('AlertLineStream', () => {
  it('gives each line hash in order, lines longer than a read chunk and an unterminated last line included', () => {
    const dir = tempDir();
    const lines = ['{"a":1}', 'x'.repeat(700_000), '', 'é€', ...Array.from({ length: 3000 }, (_, i) => `line ${i}`)];
    const path = join(dir, 'alerts.jsonl');
    writeFileSync(path, `${lines.join('\n')}\nlast, torn`);
    const all = [...lines, 'last, torn'];
    const s = new AlertLineStream(path, all.length);
    try {
      for (let i = 0; i < all.length; i++) {
        expect(s.at(i)).toBe(sha256(all[i] as string));
        if (i > 0) expect(s.at(i - 1)).toBe(sha256(all[i - 1] as string)); // one step back: a taken-back match
      }
      expect(s.at(all.length)).toBeUndefined();
      expect(s.length).toBe(all.length);
    } finally {
      s.close();
    }
  });

  it('refuses to go back further than one line behind the furthest asked for, once it has moved on', () => {
    const dir = tempDir();
    const path = join(dir, 'alerts.jsonl');
    writeFileSync(path, Array.from({ length: 500 }, (_, i) => `${i}\n`).join(''));
    const s = new AlertLineStream(path, 500);
    try {
      expect(s.at(400)).toBe(sha256('400'));
      expect(s.at(399)).toBe(sha256('399'));
      expect(() => s.at(10)).toThrow(RangeError);
    } finally {
      s.close();
    }
  });

  it('matches a list of the hashes for any lines, asked for as the log check asks', () => {
    const dir = tempDir();
    const path = join(dir, 'alerts.jsonl');
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 40 }).map((x) => x.replaceAll('\n', ' ')),
          { maxLength: 200 },
        ),
        fc.array(fc.nat(3), { maxLength: 300 }),
        (lines, steps) => {
          writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
          const want = lines.map(sha256);
          const s = new AlertLineStream(path, lines.length);
          try {
            let i = 0;
            for (const step of steps) {
              i += step;
              expect(s.at(i)).toBe(want[i]);
              if (i > 0) expect(s.at(i - 1)).toBe(want[i - 1]);
            }
          } finally {
            s.close();
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
