import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryTable, LineShape, lastLinePlain, scanJsonLine } from '../../src/json/line-scanner.js';
import { hasEscapeOrControl } from '../../src/json/plain-bytes.js';

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
              if (hasEscapeOrControl(b, start, end) !== reference(b, start, end))
                wrong.push(`offset ${off} [${start}, ${end}) byte ${stop} at ${at}`);
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
