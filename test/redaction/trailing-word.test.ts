/**
 * The shapes pass asks of every token whether it ends in an auth scheme word (`Bearer`, `Basic`,
 * `Token`…) or `Digest`. It first looks at the token's last two characters (pl26: by the last one
 * alone, most words of prose got through to the walk back over the word). The shortcut must give
 * the answers of the walk without it: the reference below, asked about tokens made of the words,
 * their case variants, cuts and glued prefixes, and prose.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTH_SCHEME_WORDS, redactShapes, trailingWordKind } from '../../src/redaction/shapes.js';

const KINDS = new Map<string, number>([
  ...AUTH_SCHEME_WORDS.map((w) => [w, 1] as const),
  ['Digest', 2],
  ['digest', 2],
  ['DIGEST', 2],
]);

/** The word's kind by the walk alone: its trailing run of letters and `-`, 2 to 11 long, looked up. */
function kindRef(s: string, start: number, end: number): number {
  let w = end;
  while (w > start && end - w < 12 && /[A-Za-z-]/.test(s.charAt(w - 1))) w--;
  if (end - w < 2 || end - w > 11) return 0;
  if (w > start && /[0-9_]/.test(s.charAt(w - 1))) return 0;
  return KINDS.get(s.slice(w, end)) ?? 0;
}

const WORDS = [...KINDS.keys()];
/** A word, a cut of one, or a case variant; glued pieces make tokens such as `xBearer` or `9Token`. */
const piece = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.constantFrom(...WORDS).chain((w) => fc.nat(w.length).map((k) => w.slice(k))),
  fc.constantFrom(...WORDS).map((w) => w.toLowerCase()),
  fc.constantFrom(...WORDS).map((w) => w.toUpperCase()),
  fc.constantFrom('a', 'Z', '-', '_', '7', 'é', 'er', 'en', 'ic', 'st', 'after', 'per', 'widened'),
);
const token = fc.array(piece, { minLength: 1, maxLength: 4 }).map((ps) => ps.join(''));

describe('trailingWordKind', () => {
  it('gives the walk’s answer for every token', () => {
    fc.assert(
      fc.property(token, fc.nat(3), (t, pad) => {
        const s = `${' '.repeat(pad)}${t}`;
        expect(trailingWordKind(s, pad, s.length)).toBe(kindRef(s, pad, s.length));
      }),
      { numRuns: 20_000 },
    );
  });

  it('finds every word whole, after letters, and not after a digit or `_`', () => {
    for (const w of WORDS) {
      const kind = KINDS.get(w);
      expect(trailingWordKind(w, 0, w.length)).toBe(kind);
      expect(trailingWordKind(`x-${w}`, 0, w.length + 2)).toBe(kindRef(`x-${w}`, 0, w.length + 2));
      expect(trailingWordKind(`1${w}`, 0, w.length + 1)).toBe(0);
      expect(trailingWordKind(`_${w}`, 0, w.length + 1)).toBe(0);
    }
  });

  it('a scheme word in prose still costs the credential after it', () => {
    const out = redactShapes('client requested amend after partial fill Bearer dXNlcjpwYXNzd29yZA widened', '[R]');
    expect(out).toBe('client requested amend after partial fill Bearer [R] widened');
  });
});
