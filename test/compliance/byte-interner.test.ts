import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteInterner, MAX_INTERNED, viewOf } from '../../src/compliance/byte-interner.js';
import { latin1, utf8 } from '../../src/json/byte-slices.js';

/** Values that differ from a few bases in one byte at any place, so that most of them share lengths and words. */
const nearValues = fc
  .tuple(
    fc.array(fc.uint8Array({ minLength: 0, maxLength: MAX_INTERNED + 8 }), { minLength: 1, maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 300 }),
  )
  .map(([bases, picks]) =>
    picks.map(([which, at, byte]) => {
      const v = Buffer.from(bases[which % bases.length] as Uint8Array);
      if (v.length > 0 && byte % 3 !== 0) v[at % v.length] = byte; // a third of them the base itself
      return v;
    }),
  );

/** Each value at an offset of its own in one buffer (odd ones too: a batch's values start anywhere). */
function laidOut(values: readonly Buffer[], gap: number): { buf: Buffer; at: number[] } {
  const at: number[] = [];
  const parts: Buffer[] = [Buffer.alloc(gap % 7, 0x2c)];
  let o = gap % 7;
  for (const v of values) {
    at.push(o);
    parts.push(v, Buffer.alloc(1 + (o % 3), 0x22));
    o += v.length + 1 + (o % 3);
  }
  return { buf: Buffer.concat(parts), at };
}

describe('ByteInterner (a repeating value decoded once, found again by its bytes)', () => {
  it('gives every value its own bytes decoded, however near the values kept (property)', () => {
    fc.assert(
      fc.property(nearValues, fc.nat(), fc.constantFrom(1, 2, 10), (values, gap, slotBits) => {
        const { buf, at } = laidOut(values, gap);
        // The buffer as the feed's batch is: a view into a larger one, at an odd offset.
        const big = Buffer.concat([Buffer.from([1, 2, 3]), buf]);
        const b = big.subarray(3);
        const v = viewOf(b);
        // Two slots: most values share one with another, so every comparison of bytes is put to the test.
        const interner = new ByteInterner(slotBits);
        for (let round = 0; round < 2; round++)
          values.forEach((x, i) => {
            const s = at[i] as number;
            expect(interner.value(b, v, s, s + x.length, true)).toBe(latin1(b, s, s + x.length));
          });
      }),
      { numRuns: 400 },
    );
  });

  it('decodes UTF-8 values as UTF-8 and keeps the two apart from their Latin-1 twins', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { minLength: 1, maxLength: 60 }), (texts) => {
        const values = texts.map((t) => Buffer.from(t, 'utf8'));
        const { buf, at } = laidOut(values, 1);
        const v = viewOf(buf);
        const interner = new ByteInterner(1);
        values.forEach((x, i) => {
          const s = at[i] as number;
          expect(interner.value(buf, v, s, s + x.length, false)).toBe(utf8(buf, s, s + x.length));
        });
      }),
      { numRuns: 100 },
    );
  });

  it('takes a kept string only when every byte matches: values that differ in one byte at each place', () => {
    const interner = new ByteInterner(1);
    for (let n = 0; n <= MAX_INTERNED + 1; n++) {
      const base = Buffer.alloc(n, 0x41);
      const b = Buffer.concat([Buffer.from('x'), base, Buffer.from('x')]);
      const v = viewOf(b);
      expect(interner.value(b, v, 1, 1 + n, true)).toBe('A'.repeat(n));
      for (let k = 0; k < n; k++) {
        b[1 + k] = 0x42;
        expect(interner.value(b, v, 1, 1 + n, true)).toBe(latin1(b, 1, 1 + n));
        b[1 + k] = 0x41;
        expect(interner.value(b, v, 1, 1 + n, true)).toBe('A'.repeat(n));
      }
    }
  });
});
