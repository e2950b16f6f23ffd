import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryTable, LineShape, lastLinePlain, scanJsonLine } from '../../src/json/line-scanner.js';
import { hasEscapeOrControl, hasEscapeOrControlWords } from '../../src/json/plain-bytes.js';

/** The reference: one byte at a time. */
function reference(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((b[i] as number) < 0x20 || b[i] === 0x5c) return true;
  return false;
}

describe('hasEscapeOrControl (four bytes at a time)', () => {
  it('agrees with a byte loop at every alignment, range and stop byte', () => {
    const backing = new Uint8Array(96);
    const wrong: string[] = [];
    for (let off = 0; off < 4; off++) {
      const b = new Uint8Array(backing.buffer, off, 80);
      for (let start = 0; start < 9; start++)
        for (let end = start; end <= 40; end++)
          for (const stop of [-1, 0x00, 0x09, 0x0d, 0x1f, 0x5c])
            for (let at = start - 1; at <= end; at++) {
              b.fill(0x61);
              // Neighbours just outside the range hold stop bytes: they must not count.
              if (start > 0) b[start - 1] = 0x5c;
              if (end < b.length) b[end] = 0x01;
              if (stop >= 0 && at >= start && at < end) b[at] = stop;
              if (hasEscapeOrControlWords(b, start, end) !== reference(b, start, end))
                wrong.push(`offset ${off} [${start}, ${end}) byte ${stop} at ${at}`);
              if (hasEscapeOrControl(b, start, end) !== reference(b, start, end))
                wrong.push(`offset ${off} [${start}, ${end}) byte ${stop} at ${at} (dispatcher)`);
            }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('reads a view into a large store (not cached) as a small one', () => {
    const big = Buffer.alloc(17 * 1024 * 1024, 0x61);
    const at = big.length - 101;
    expect(hasEscapeOrControl(big, at, big.length - 1)).toBe(false);
    big[big.length - 2] = 0x5c;
    expect(hasEscapeOrControl(big, at, big.length - 1)).toBe(true);
    expect(hasEscapeOrControl(big, at, big.length - 2)).toBe(false);
    expect(hasEscapeOrControl(Buffer.from('{"a":"b"}'), 0, 9)).toBe(false);
  });

  it('never counts bytes 0x20 and above, other than the backslash (borrows across bytes included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.nat(3), (raw, off) => {
        const b = new Uint8Array(raw.length + 3);
        b.set(raw, off);
        const v = new Uint8Array(b.buffer, off, raw.length);
        expect(hasEscapeOrControl(v, 0, v.length)).toBe(reference(v, 0, v.length));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hasEscapeOrControl on long runs (sixteen bytes at a time, WebAssembly SIMD)', () => {
  /** A page of the module's memory less the sixteen bytes it stores after a run. */
  const PIECE = 65536 - 16;

  it('agrees with a byte loop at every alignment, for lengths around its blocks and its pieces', () => {
    const backing = new Uint8Array(3 * PIECE + 64);
    const wrong: string[] = [];
    const lengths = [255, 256, 257, 271, 272, 273, 300, 1000, 4000, PIECE - 1, PIECE, PIECE + 1, 2 * PIECE + 17];
    for (let off = 0; off < 4; off++) {
      const b = new Uint8Array(backing.buffer, off, backing.length - 8);
      for (const start of [0, 1, 5, 16, 17])
        for (const len of lengths) {
          const end = start + len;
          const spots = [start, start + 1, start + 15, start + 16, end - 17, end - 16, end - 1, start + PIECE - 1];
          for (const stop of [-1, 0x00, 0x09, 0x1f, 0x5c])
            for (const at of stop < 0 ? [-1] : spots.filter((x) => x >= start && x < end)) {
              b.fill(0x7f, Math.max(0, start - 1), end + 1);
              if (start > 0) b[start - 1] = 0x5c;
              b[end] = 0x01;
              if (at >= 0) b[at] = stop;
              if (hasEscapeOrControl(b, start, end) !== reference(b, start, end))
                wrong.push(`offset ${off} [${start}, ${end}) byte ${stop} at ${at}`);
            }
        }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('is not misled by the bytes an earlier, longer run left in its memory', () => {
    const long = Buffer.alloc(5000, 0x61);
    long[4990] = 0x01;
    expect(hasEscapeOrControl(long, 0, long.length)).toBe(true);
    expect(hasEscapeOrControl(long, 0, 4990)).toBe(false);
    expect(hasEscapeOrControl(long, 0, 4976)).toBe(false);
    expect(hasEscapeOrControl(long, 0, 4991)).toBe(true);
  });

  it('agrees with a byte loop on random long runs of any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 250, maxLength: 3000 }), fc.nat(15), (raw, off) => {
        const v = new Uint8Array(raw.length + 16).subarray(off, off + raw.length);
        v.set(raw);
        for (let i = 0; i < v.length; i++) if ((v[i] as number) < 0x20 || v[i] === 0x5c) v[i] = 0x61;
        expect(hasEscapeOrControl(v, 0, v.length)).toBe(false);
        const at = off % v.length;
        v[at] = raw[at] as number;
        expect(hasEscapeOrControl(v, 0, v.length)).toBe(reference(v, 0, v.length));
      }),
      { numRuns: 500 },
    );
  });
});

const table = new EntryTable();

function byJsonParse(text: string): number {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? LineShape.Object : LineShape.NotObject;
  } catch {
    return LineShape.Invalid;
  }
}

describe('scanJsonLine on lines without escapes (strings found by a native search)', () => {
  it('accepts exactly what JSON.parse accepts, with long strings, mutated', () => {
    const text = fc.string({ minLength: 0, maxLength: 120 });
    const alphabet = fc.constantFrom(...'{}[]":,\\ \t\u0001x'.split(''));
    fc.assert(
      fc.property(fc.dictionary(text, fc.oneof(text, fc.integer())), fc.nat(), alphabet, (obj, at, ch) => {
        const line = JSON.stringify(obj);
        const i = line.length === 0 ? 0 : at % line.length;
        for (const t of [line, line.slice(0, i) + ch + line.slice(i), line.slice(0, i) + line.slice(i + 1)]) {
          const b = Buffer.from(t, 'utf8');
          expect(scanJsonLine(b, b.length, table), t).toBe(byJsonParse(t));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the same entries inside a larger buffer as alone, and never reads past the end it is given', () => {
    const long = 'x'.repeat(300);
    const line = `{"a":"${long}","b":"short","c":{"d":"${long}"}}`;
    const alone = Buffer.from(line);
    expect(scanJsonLine(alone, alone.length, table)).toBe(LineShape.Object);
    expect(lastLinePlain()).toBe(true);
    const want = [...table.valueEnd.subarray(0, table.count)];
    const inside = Buffer.from(`{"z":1}\n${line}\n{"q":"r"}`);
    const start = 8;
    expect(scanJsonLine(inside, start + line.length, table, start)).toBe(LineShape.Object);
    expect([...table.valueEnd.subarray(0, table.count)].map((e) => e - start)).toEqual(want);
    // A long string cut by the end given: invalid, though a quote follows in the buffer.
    const cut = start + line.indexOf(long) + 100;
    expect(scanJsonLine(inside, cut, table, start)).toBe(LineShape.Invalid);
  });

  it('still rejects a control byte or reads an escape inside a long string (the byte-by-byte path)', () => {
    const long = 'y'.repeat(200);
    for (const [t, plain] of [
      [`{"a":"${long}\u0001${long}"}`, false],
      [`{"a":"${long}\\"${long}"}`, false],
      [`{"a":"${long}"}`, true],
    ] as const) {
      const b = Buffer.from(t);
      expect(scanJsonLine(b, b.length, table)).toBe(byJsonParse(t));
      expect(lastLinePlain()).toBe(plain);
    }
  });
});
