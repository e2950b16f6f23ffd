/**
 * `num` reads a plain decimal string ("1.00010", a price as a day logs it) by its digits instead of
 * Number() (src/compliance/values.ts plainDecimal). Number() is the definition: these hold the fast
 * path to it bit for bit (-0 included) on decimals with up to 15 digits and the forms next to them
 * (16 digits, a point at either end, signs, exponents, spaces), and `num` to the reference below,
 * which is num as it was before the fast path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { num, plainDecimal } from '../../src/compliance/values.js';

/** num before the fast path: every numeric string through Number(). */
function referenceNum(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));
/** `-?D+(.D+)?` with up to 17 digits in all (the fast path takes 15), and strings around that form. */
const decimal = fc.oneof(
  fc
    .tuple(fc.constantFrom('', '-', '+', ' '), digits(1, 17), fc.option(digits(1, 17), { nil: undefined }))
    .map(([sign, int, frac]) => `${sign}${int}${frac === undefined ? '' : `.${frac}`}`),
  fc.tuple(digits(0, 3), fc.constantFrom('.', '-', 'e', 'e-', ' ', '..', '0x'), digits(0, 3)).map((p) => p.join('')),
  fc.double({ noNaN: true }).map(String),
  fc.string({ maxLength: 6 }),
);

describe('num on numeric strings', () => {
  it('the plain-decimal path gives Number() exactly, or NaN to say it does not apply', () => {
    fc.assert(
      fc.property(decimal, (s) => {
        const d = plainDecimal(s);
        if (!Number.isNaN(d)) expect(Object.is(d, Number(s))).toBe(true);
        expect(Object.is(num(s), referenceNum(s))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes up to 15 digits and leaves longer, exponent and edge forms to Number()', () => {
    expect(plainDecimal('1.00010')).toBe(1.0001);
    expect(Object.is(plainDecimal('-0'), -0)).toBe(true);
    expect(Object.is(plainDecimal('-0.000'), -0)).toBe(true);
    expect(plainDecimal('123456789012345')).toBe(123456789012345);
    expect(plainDecimal('0.12345678901234')).toBe(0.12345678901234);
    for (const s of ['', '-', '1.', '.5', '1e5', ' 1', '+1', '1.2.3', '1234567890123456', '9007199254740993'])
      expect(plainDecimal(s)).toBeNaN();
    expect(num('9007199254740993')).toBe(9007199254740992);
    expect(num('1.')).toBe(1);
    expect(num('1e400')).toBeNull();
    expect(num(' ')).toBeNull();
  });
});
