/**
 * The jwt finder (shape-runs.ts) against the pattern it replaces in the scan: the same match end at
 * every position of random text made of the pattern's pieces (`eyJ`, `.`, `..`, runs of the class of
 * lengths around the bound 4 and rules 13's bound 8,192, up to five segments), and the same output
 * of the whole redactor with and without it.
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { SHAPES, type ShapeRule } from '../../src/redaction/shape-rules.js';
import { jwtMatchEnd, resetRuns } from '../../src/redaction/shape-runs.js';

const RULE = SHAPES.find((r) => r.name === 'jwt') as ShapeRule;
/** The rule table's pattern (rules 14: no bound on a segment, a detached payload, a JWE's five segments). */
const OLD = new RegExp(RULE.regex.source, 'y');
const LENGTHS = [0, 1, 3, 4, 5, 9, 10, 20, 8191, 8192, 8193, 16383, 16384, 16385, 24577];
const HEADS = ['', '-', '_', '.', ' ', 'ops_', 'sk.', 'pk.', 'sntrys_', '=', '/', '~', 'x'];

let seed = 7;
function rnd(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
function pick<T>(xs: readonly T[]): T {
  return xs[rnd(xs.length)] as T;
}
/**
 * A run of the segment class, `k` long: letters, or `-eyJ` over and over (candidates inside the run);
 * a long one holds a few `-eyJ` at random places (the old pattern costs up to 16,384 steps at each).
 */
function run(k: number): string {
  if (k < 100) {
    const unit = pick(['a', 'Ab1_', '-eyJ', '_eyJ', 'eyJ', 'Z9-']);
    return unit.repeat(Math.ceil(k / unit.length) + 1).slice(0, k);
  }
  let s = pick(['a', 'Ab1_', 'Z9-']).repeat(k).slice(0, k);
  for (let n = rnd(4); n > 0; n--) {
    const at = rnd(k - 4);
    s = `${s.slice(0, at)}${pick(['-eyJ', '_eyJ'])}${s.slice(at + 4)}`;
  }
  return s;
}
/** A jwt-like piece: `eyJ` + run + `.` + run + optional `.` + run (and two more for a JWE), each length around a bound. */
function piece(): string {
  const dot = () => pick(['.', '.', '', '..', ' ', '+']);
  const jws = `${pick(HEADS)}eyJ${run(pick(LENGTHS))}${dot()}${run(pick(LENGTHS))}${dot()}${run(pick(LENGTHS))}`;
  const jwe = rnd(3) === 0 ? `${dot()}${run(pick(LENGTHS))}${dot()}${run(pick(LENGTHS))}` : '';
  return `${jws}${jwe}${pick(HEADS)}`;
}
function oldEnd(s: string, c: number): number {
  OLD.lastIndex = c;
  const m = OLD.exec(s);
  return m === null ? -1 : c + m[0].length;
}
function text(maxPieces: number): string {
  let s = '';
  const n = 1 + rnd(maxPieces);
  for (let k = 0; k < n; k++) s += rnd(3) === 0 ? pick(HEADS) + run(pick(LENGTHS.slice(0, 8))) : piece();
  return s;
}

describe('jwtMatchEnd', () => {
  it('ends where the jwt pattern ends at hand-picked places', () => {
    const f = (s: string, c = 0): number => {
      resetRuns();
      return jwtMatchEnd(s, c);
    };
    expect(f('eyJhbGci.eyJzdWIi.c2ln')).toBe(22);
    expect(f('eyJhbGci.eyJzdWIi')).toBe(17);
    expect(f('eyJhbGci.eyJzdWIi.')).toBe(18); // the second `.` with an empty third segment
    expect(f('eyJabc.defg')).toBe(-1); // 3 in the first segment
    expect(f('eyJabcd.efg')).toBe(-1); // 3 in the second
    expect(f(`eyJ${'a'.repeat(8192)}.abcd`)).toBe(8200);
    // Rules 14: no segment is bounded (rules 13 stopped at 8,192 a segment).
    expect(f(`eyJ${'a'.repeat(8193)}.abcd`)).toBe(8201);
    expect(f(`eyJabcd.${'b'.repeat(20000)}`)).toBe(8 + 20000);
    expect(f(`eyJabcd.${'b'.repeat(8192)}.${'c'.repeat(9000)}`)).toBe(8 + 8192 + 1 + 9000);
    // A detached payload (`..`), then a signature of at least 4.
    expect(f('eyJabcd..efgh')).toBe(13);
    expect(f('eyJabcd..efg')).toBe(-1);
    expect(f('eyJabcd...efgh')).toBe(-1);
    // A JWE: five segments, the encrypted key possibly empty, the tag not.
    expect(f('eyJabcd.efgh.iv.ct.tag')).toBe(22);
    expect(f('eyJabcd..iv12.ct.tag')).toBe(20);
    expect(f('eyJabcd.efgh.iv..tag')).toBe(20);
    expect(f('eyJabcd.efgh.iv.ct.')).toBe(15); // no tag: the JWS part
    expect(f('eyJabcd.efgh.sig.json')).toBe(16); // four segments: the JWS part
    expect(f('x-eyJabcd.efgh', 2)).toBe(14);
    expect(f('eyjabcd.efgh')).toBe(-1);
  });

  it('agrees with the jwt pattern at every position of random text', () => {
    for (let t = 0; t < 400; t++) {
      const s = text(t < 300 ? 4 : 12);
      resetRuns();
      for (let c = s.indexOf('eyJ'); c !== -1; c = s.indexOf('eyJ', c + 1)) {
        const got = jwtMatchEnd(s, c);
        if (got !== oldEnd(s, c)) expect([t, c, s.length, got]).toEqual([t, c, s.length, oldEnd(s, c)]);
      }
      // A position without `eyJ`: no match (the scan only calls it on the prefix, but it checks).
      expect(jwtMatchEnd(`${s}x`, s.length)).toBe(-1);
    }
  });

  it('the whole redactor redacts the same with the finder as with the jwt pattern', () => {
    const rule = SHAPES.find((r) => r.name === 'jwt') as ShapeRule & { find?: ShapeRule['find'] };
    expect(rule.find).toBe(jwtMatchEnd);
    const r = compileRedactor();
    const texts = Array.from({ length: 150 }, () => text(6));
    const withFinder = texts.map((s) => r.redactString(s));
    const saved = rule.find;
    // The rule falls back to its pattern, as before the finder.
    (rule as { find?: unknown }).find = undefined;
    try {
      const withPattern = texts.map((s) => r.redactString(s));
      for (let k = 0; k < texts.length; k++) expect(withFinder[k] === withPattern[k]).toBe(true);
    } finally {
      (rule as { find?: unknown }).find = saved;
    }
    expect(withFinder.some((o, k) => o !== texts[k])).toBe(true); // some were redacted
  });
});
