/** The start order (test/sequencer.ts): the files measured slowest first, the rest in vitest's order. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SLOW_FIRST, slowFirst } from './sequencer.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('slow files first', () => {
  it('lists test files that exist, each once (a renamed file would silently go back to the end)', () => {
    for (const f of SLOW_FIRST) expect([f, f.endsWith('.test.ts') && existsSync(join(ROOT, f))]).toEqual([f, true]);
    expect(new Set(SLOW_FIRST).size).toBe(SLOW_FIRST.length);
  });

  it('moves the listed files to the front in the listed order and keeps the order of the others', () => {
    const [a, b] = SLOW_FIRST as [string, string];
    const given = ['test/x.test.ts', b, 'test/y.test.ts', a, 'test/z.test.ts'];
    expect(slowFirst(given, (f) => f)).toEqual([a, b, 'test/x.test.ts', 'test/y.test.ts', 'test/z.test.ts']);
    expect(slowFirst(['test/y.test.ts', 'test/x.test.ts'], (f) => f)).toEqual(['test/y.test.ts', 'test/x.test.ts']);
  });
});
