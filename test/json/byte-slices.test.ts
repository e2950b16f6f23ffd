import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexInto, latin1, utf8 } from '../../src/json/byte-slices.js';

/** Bytes at an odd place in a larger buffer, as a read chunk's line is. */
const inChunk = fc
  .tuple(fc.uint8Array({ maxLength: 300 }), fc.nat(7), fc.nat(7))
  .map(([bytes, before, after]) =>
    Buffer.concat([Buffer.alloc(before, 0x7b), Buffer.from(bytes), Buffer.alloc(after, 0x7d)]).subarray(before),
  );

describe("Buffer's own decoders and hex writer, called directly", () => {
  it('decode every range as toString does (property)', () => {
    fc.assert(
      fc.property(inChunk, fc.nat(), fc.nat(), (b, x, y) => {
        const s = b.length === 0 ? 0 : x % b.length;
        const e = s + (b.length - s === 0 ? 0 : y % (b.length - s + 1));
        expect(latin1(b, s, e)).toBe(b.toString('latin1', s, e));
        const text = Buffer.from(b.toString('utf8', s, e), 'utf8');
        expect(utf8(text, 0, text.length)).toBe(text.toString('utf8'));
      }),
      { numRuns: 500 },
    );
  });

  it('write hex as write(…, "hex") does, stopping at the first pair that is not hex (property)', () => {
    const hexish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFxg '), maxLength: 80 });
    fc.assert(
      fc.property(hexish, fc.nat(40), fc.nat(40), (hex, offset, length) => {
        const a = Buffer.alloc(48, 0xee);
        const b = Buffer.alloc(48, 0xee);
        const at = Math.min(offset, 48);
        const n = Math.min(length, 48 - at);
        expect(hexInto(a, hex, at, n)).toBe(b.write(hex, at, n, 'hex'));
        expect(a).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it('write a line hash as its 32 bytes', () => {
    const hash = 'a1'.repeat(16) + '0f'.repeat(16);
    const out = Buffer.alloc(40);
    expect(hexInto(out, hash, 4, 32)).toBe(32);
    expect(out.subarray(4, 36).toString('hex')).toBe(hash);
    expect(out.subarray(0, 4)).toEqual(Buffer.alloc(4));
  });
});
