/**
 * The caller's serialisation without a string per piece: the escape test of short strings by a
 * loop, and the one Walk that serves every event (an event logged from inside another's walk, by
 * a getter, gets its own; the outer event keeps its own findings).
 */
import { describe, expect, it } from 'vitest';
import { NEEDS_ESCAPE, needsEscape } from '../../src/logger/json-text.js';
import { prepareBody, takeDeferred } from '../../src/logger/serialize.js';
import { compileRedactor } from '../../src/redaction/index.js';

/** Code units on both sides of every edge the test has. */
const UNITS = [0x00, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x41, 0x7a, 0x7f, 0xff, 0xd7ff, 0xd800, 0xdbff];
const MORE = [0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff, 0x2028, 0x30];

function randomText(next: () => number): string {
  const n = Math.floor(next() * 40);
  let s = '';
  for (let i = 0; i < n; i++) {
    // Mostly plain characters, as ids are; now and then one near an edge.
    const roll = next();
    if (roll < 0.9) s += String.fromCharCode(0x41 + Math.floor(next() * 26));
    else {
      const units = [...UNITS, ...MORE];
      s += String.fromCharCode(units[Math.floor(next() * units.length)] as number);
    }
  }
  return s;
}

function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

describe('needsEscape', () => {
  it('answers as NEEDS_ESCAPE.test on 20,000 random strings of 0-39 code units', () => {
    const next = lcg(11);
    for (let k = 0; k < 20_000; k++) {
      const s = randomText(next);
      expect(needsEscape(s), JSON.stringify(s)).toBe(NEEDS_ESCAPE.test(s));
    }
  });

  it('answers as NEEDS_ESCAPE.test for every edge unit at every place of 31-, 32- and 33-unit strings', () => {
    for (const n of [1, 31, 32, 33]) {
      for (const u of [...UNITS, ...MORE]) {
        for (let at = 0; at < n; at++) {
          const s = `${'a'.repeat(at)}${String.fromCharCode(u)}${'b'.repeat(n - at - 1)}`;
          expect(needsEscape(s), `${n} ${u.toString(16)} at ${at}`).toBe(NEEDS_ESCAPE.test(s));
        }
      }
    }
  });
});

describe('an event walked inside the walk of another', () => {
  const prefix = '"category":"c","event":"e"';
  const suffix = ',"pid":1';

  it('gives both events their own members, redactions and notes', () => {
    const r = compileRedactor({});
    const innerFields = () => ({ password: 'hunter22', orderId: 'ORD-7', big: 1n, ratio: Number.NaN });
    const expectedInner = prepareBody(prefix, ['event: inner'], innerFields(), r, 'in', suffix, true);
    takeDeferred();
    const outerPlain = { api_key: 'k', orderId: 'ORD-1', nested: { token: 'abc', n: Number.POSITIVE_INFINITY } };
    const expectedOuter = prepareBody(prefix, undefined, { ...outerPlain, inner: 'x' }, r, 'out', suffix, true);
    takeDeferred();
    const inner: string[] = [];
    const outer = {
      ...outerPlain,
      get inner() {
        // Twice: the first inner event gives its walk back before the outer one is done.
        inner.push(prepareBody(prefix, ['event: inner'], innerFields(), r, 'in', suffix, true));
        takeDeferred();
        inner.push(prepareBody(prefix, ['event: inner'], innerFields(), r, 'in', suffix, true));
        takeDeferred();
        return 'x';
      },
    };
    const body = prepareBody(prefix, undefined, outer, r, 'out', suffix, true);
    takeDeferred();
    expect(inner).toEqual([expectedInner, expectedInner]);
    expect(body).toBe(expectedOuter);
    expect(body).toContain('"redacted":["api_key","nested.token"]');
    expect(body).toContain('"validation":["nested.n: non-finite number Infinity written as a string"]');
    // The next event after all of it starts clean.
    const after = prepareBody(prefix, undefined, { orderId: 'ORD-2' }, r, undefined, suffix, true);
    expect(after).toBe(`${prefix},"order_id":"ORD-2"${suffix}`);
  });
});
