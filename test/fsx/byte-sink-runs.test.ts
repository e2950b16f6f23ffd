/**
 * ByteSink's quote-doubling appends against their byte-at-a-time definitions: long runs of ordinary
 * bytes are found and copied natively, short ones byte by byte, and the bytes written are the same
 * whatever the runs' lengths, wherever the slice sits in a larger buffer (bytes outside it are never
 * read as part of it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrowableByteSink } from '../../src/fsx/byte-sink.js';

/** The definition: every `"` doubled. */
function doubled(src: Uint8Array, s: number, e: number): Buffer {
  const out: number[] = [];
  for (let i = s; i < e; i++) {
    out.push(src[i] as number);
    if (src[i] === 0x22) out.push(0x22);
  }
  return Buffer.from(out);
}

/** The definition: every `"` doubled, a `;` before `=`, `+`, `-` or `@` written `\u003b`. */
function jsonDoubled(src: Uint8Array, s: number, e: number): Buffer {
  const out: number[] = [];
  for (let i = s; i < e; i++) {
    const c = src[i] as number;
    if (c === 0x3b && i + 1 < e && [0x3d, 0x2b, 0x2d, 0x40].includes(src[i + 1] as number)) {
      out.push(...Buffer.from('\\u003b', 'latin1'));
      continue;
    }
    out.push(c);
    if (c === 0x22) out.push(0x22);
  }
  return Buffer.from(out);
}

/** Pieces whose runs of ordinary bytes are short, just under, at and over the native search's bound, and long. */
const piece = fc.oneof(
  fc.constantFrom('"', ';', ';=', ';+', ';-', ';@', '""', '=', 'a', '\\"', 'é'),
  fc.nat({ max: 300 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom(31, 32, 33, 64).map((n) => 'y'.repeat(n)),
);
const bytesOf = fc.array(piece, { maxLength: 40 }).map((ps) => Buffer.from(ps.join(''), 'utf8'));

describe('ByteSink quote-doubling appends (property)', () => {
  it('write what the byte-at-a-time definition writes, for any slice of any buffer, several appends in a row', () => {
    fc.assert(
      fc.property(bytesOf, fc.nat(), fc.nat(), fc.nat({ max: 3 }), (buf, a, b, times) => {
        const s = buf.length === 0 ? 0 : a % (buf.length + 1);
        const e = s + (buf.length === 0 ? 0 : b % (buf.length - s + 1));
        const plain = new GrowableByteSink(16);
        const json = new GrowableByteSink(16);
        const wantPlain: Buffer[] = [];
        const wantJson: Buffer[] = [];
        for (let k = 0; k <= times; k++) {
          plain.sliceDoublingQuotes(buf, s, e);
          json.sliceJsonDoublingQuotes(buf, s, e);
          plain.byte(0x7c);
          json.byte(0x7c);
          wantPlain.push(doubled(buf, s, e), Buffer.from('|'));
          wantJson.push(jsonDoubled(buf, s, e), Buffer.from('|'));
        }
        expect(plain.view().equals(Buffer.concat(wantPlain))).toBe(true);
        expect(json.view().equals(Buffer.concat(wantJson))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never reads past the slice: a quote or `;=` just after it is not written', () => {
    const buf = Buffer.from(`${'z'.repeat(100)}";=`, 'latin1');
    const sink = new GrowableByteSink(8);
    sink.sliceJsonDoublingQuotes(buf, 0, 100);
    sink.sliceDoublingQuotes(buf, 50, 100);
    expect(sink.view().toString('latin1')).toBe('z'.repeat(150));
    const semi = new GrowableByteSink(8);
    semi.sliceJsonDoublingQuotes(buf, 0, 102); // ends on the `;`: the `=` after it is outside
    expect(semi.view().toString('latin1')).toBe(`${'z'.repeat(100)}"";`);
  });
});
