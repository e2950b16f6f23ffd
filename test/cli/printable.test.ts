import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable } from '../../src/cli/printable.js';

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
