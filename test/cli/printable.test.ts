import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable, printableField, printableJson } from '../../src/cli/printable.js';

/** What a terminal could act on: C0/C1 controls, DEL, separators, bidi controls, lone surrogates. */
const ACTIVE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('printable', () => {
  it('escapes ESC sequences, newlines, C1 controls and bidi overrides; keeps ordinary text', () => {
    expect(printable('X\u001b[1A\u001b[2K\rall clear')).toBe('X\\u001b[1A\\u001b[2K\\u000dall clear');
    expect(printable('a\nb\tc\u009b31m')).toBe('a\\u000ab\\u0009c\\u009b31m');
    expect(printable('abc\u202edcba')).toBe('abc\\u202edcba');
    expect(printable('\ud800x')).toBe('\\ud800x');
    const plain = 'EURUSD 1.10050 é \u{1f600} ok';
    expect(printable(plain)).toBe(plain);
  });

  it('for any string, the result holds nothing a terminal acts on', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(ACTIVE.test(printable(s))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('printableField', () => {
  it('keeps a short field whole and cuts a long one with a marker, never inside a surrogate pair', () => {
    expect(printableField('a\u001bb', 10)).toBe('a\\u001bb');
    expect(printableField('x'.repeat(25), 10)).toBe(`${'x'.repeat(10)}… [15 more characters]`);
    expect(printableField(`${'x'.repeat(9)}\u{1f600}yz`, 10)).toBe(`${'x'.repeat(9)}… [4 more characters]`);
  });

  it('for any string, the result is inert and bounded', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 40 }), (s, max) => {
        const out = printableField(s, max);
        expect(ACTIVE.test(out)).toBe(false);
        expect(out.length).toBeLessThanOrEqual(6 * max + 40);
      }),
      { numRuns: 500 },
    );
  });
});

describe('printableJson', () => {
  it('escapes what JSON.stringify leaves raw (C1, DEL, separators, bidi) and keeps the data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (v, s) => {
        const json = printableJson(JSON.stringify({ v, s }));
        expect(ACTIVE.test(json)).toBe(false);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify({ v, s })));
      }),
      { numRuns: 300 },
    );
  });
});
