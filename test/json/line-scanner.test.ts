import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryTable, LineShape, lineDepthExceeds, MAX_LINE_DEPTH, scanJsonLine } from '../../src/json/line-scanner.js';

function shapeByJsonParse(text: string): number {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? LineShape.Object : LineShape.NotObject;
  } catch {
    return LineShape.Invalid;
  }
}

const table = new EntryTable();
function shape(text: string): number {
  const b = Buffer.from(text, 'utf8');
  return scanJsonLine(b, b.length, table);
}

describe('scanJsonLine accepts exactly what JSON.parse accepts', () => {
  it('on generated JSON texts, compact and pretty', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t'), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(shape(text)).toBe(shapeByJsonParse(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('on mutated JSON texts (one character inserted, removed or replaced)', () => {
    const alphabet = fc.constantFrom(...'{}[]":,.-+eE0123456789 \t\r\n\\/ubfnrtaxlsu\u0001\u001f\u00e9'.split(''));
    fc.assert(
      fc.property(fc.json(), fc.nat(), alphabet, fc.constantFrom('insert', 'delete', 'replace'), (text, at, ch, op) => {
        const i = text.length === 0 ? 0 : at % text.length;
        const m =
          op === 'insert'
            ? text.slice(0, i) + ch + text.slice(i)
            : op === 'delete'
              ? text.slice(0, i) + text.slice(i + 1)
              : text.slice(0, i) + ch + text.slice(i + 1);
        expect(shape(m)).toBe(shapeByJsonParse(m));
      }),
      { numRuns: 5000 },
    );
  });

  it('on hand-picked edge cases', () => {
    const cases = [
      '',
      ' ',
      '{',
      '}',
      '{}',
      ' {} ',
      '{"a":1,}',
      '{"a":1 "b":2}',
      '{"a"}',
      '{a:1}',
      '[1,]',
      '[,1]',
      '01',
      '-',
      '-0',
      '1.',
      '.5',
      '1e',
      '1e+',
      '1E-2',
      'tru',
      'true',
      'nul',
      'null',
      'nulll',
      '"\\u12"',
      '"\\u12G4"',
      '"\\uD800"',
      '"\\x"',
      '"a\tb"',
      '"\u007f"',
      '{"a":{"b":[1,{"c":null}]}}',
      '{"a":1}x',
      '{"a":1}\r',
      '\n{"a":1}',
      '{"__proto__":1}',
      '[]',
      '"x"',
      '123',
      '{"a":"\\"}',
      '{"a":"\\\\"}',
      '['.repeat(100000),
      '['.repeat(200000) + ']'.repeat(200000),
      `{"a":${'['.repeat(200000)}${']'.repeat(200000)}}`,
    ];
    for (const c of cases) {
      const want = shapeByJsonParse(c);
      const b = Buffer.from(c, 'utf8');
      // Past the depth bound: TooDeep for JSON, and never accepted (docs/FORMAT.md, rule 2).
      if (lineDepthExceeds(b, 0, b.length)) {
        if (want !== LineShape.Invalid) expect(shape(c), JSON.stringify(c.slice(0, 40))).toBe(LineShape.TooDeep);
        else expect([LineShape.Invalid, LineShape.TooDeep]).toContain(shape(c));
      } else expect(shape(c), JSON.stringify(c.slice(0, 40))).toBe(want);
    }
  });

  it('records top-level entries with byte offsets, duplicates kept', () => {
    const text = '{"ts":1.50, "n":{"x":[1,2]},"s":"a\\"b","n":-0.10e2}';
    const b = Buffer.from(text);
    expect(scanJsonLine(b, b.length, table)).toBe(LineShape.Object);
    const got = [];
    for (let i = 0; i < table.count; i++) {
      got.push([
        text.slice(table.keyStart[i], table.keyEnd[i]),
        text.slice(table.valueStart[i], table.valueEnd[i]),
        table.kind[i],
        table.valueEscaped[i],
      ]);
    }
    expect(got).toEqual([
      ['"ts"', '1.50', 2, 0],
      ['"n"', '{"x":[1,2]}', 3, 0],
      ['"s"', '"a\\"b"', 1, 1],
      ['"n"', '-0.10e2', 2, 0],
    ]);
  });
});

/** A line object whose field `v` nests `levels` more objects or arrays (the line itself is level 1). */
function nested(levels: number, open: string, close: string, inner = ''): string {
  return `{"v":${open.repeat(levels)}${inner}${close.repeat(levels)}}`;
}

describe('the depth bound (docs/FORMAT.md, rule 2: at most 64 levels, the line being level 1)', () => {
  it('64 levels are an object line; 65 are TooDeep, with objects, arrays, mixed, and empty innermost', () => {
    expect(MAX_LINE_DEPTH).toBe(64);
    for (const [open, close, inner] of [
      ['[', ']', '1'],
      ['{"a":', '}', '1'],
      ['[', ']', ''],
      ['[{"k":', '}]', 'null'],
    ] as const) {
      const per = open.split(/[[{]/).length - 1;
      const ok = nested(63 / per, open, close, inner);
      const deep = nested(64 / per, open, close, inner);
      if (per === 1) {
        expect(shape(ok)).toBe(LineShape.Object);
        expect(shape(deep)).toBe(LineShape.TooDeep);
      }
      const b = Buffer.from(per === 1 ? deep : nested(32, open, close, inner));
      expect(lineDepthExceeds(b, 0, b.length)).toBe(true);
      if (per === 1) expect(lineDepthExceeds(Buffer.from(ok), 0, Buffer.byteLength(ok))).toBe(false);
    }
    // An empty innermost container is a level: {"v":[[…[]…]]} with 64 brackets nests 65.
    expect(shape(nested(64, '[', ']'))).toBe(LineShape.TooDeep);
    expect(shape(nested(63, '[', ']'))).toBe(LineShape.Object);
    // A top-level array counts from 1 too.
    expect(shape(`${'['.repeat(64)}${']'.repeat(64)}`)).toBe(LineShape.NotObject);
    expect(shape(`${'['.repeat(65)}${']'.repeat(65)}`)).toBe(LineShape.TooDeep);
  });

  it('brackets inside strings, escaped quotes included, are not levels', () => {
    const text = `{"v":"${'{['.repeat(100)}\\"${'['.repeat(100)}","w":[1]}`;
    expect(JSON.parse(text)).toBeTypeOf('object');
    expect(shape(text)).toBe(LineShape.Object);
    expect(lineDepthExceeds(Buffer.from(text), 0, text.length)).toBe(false);
  });

  it('250,000 levels: TooDeep at once, and read lexically even when the rest is not JSON', () => {
    const deep = `{"v":${'{"a":'.repeat(250_000)}1${'}'.repeat(250_000)}}`;
    const t0 = performance.now();
    expect(shape(deep)).toBe(LineShape.TooDeep);
    expect(performance.now() - t0).toBeLessThan(1000); // stops at level 65, never walks the rest
    const garbage = Buffer.from(`{"v":x,${'['.repeat(70)}`);
    expect(scanJsonLine(garbage, garbage.length, table)).toBe(LineShape.Invalid);
    expect(lineDepthExceeds(garbage, 0, garbage.length)).toBe(true);
  });

  it('on generated JSON nested around the bound, TooDeep exactly when the lexical reading says so', () => {
    const deepValue = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie('v'), { maxLength: 2 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie('v'), { maxKeys: 2 }),
      ),
    })).v;
    fc.assert(
      fc.property(fc.integer({ min: 55, max: 70 }), deepValue, fc.boolean(), (levels, inner, arrays) => {
        const [open, close] = arrays ? ['[', ']'] : ['{"k":', '}'];
        const text = `{"v":${open.repeat(levels)}${JSON.stringify(inner)}${close.repeat(levels)}}`;
        const b = Buffer.from(text, 'utf8');
        const got = scanJsonLine(b, b.length, table);
        expect(got === LineShape.TooDeep).toBe(lineDepthExceeds(b, 0, b.length));
        if (got !== LineShape.TooDeep) expect(got).toBe(LineShape.Object);
      }),
      { numRuns: 500 },
    );
  });
});

describe('EntryTable.writeTo and readFrom hand a line’s entries to another table', () => {
  it('gives back every entry, its offsets moved by the shift, escapes and kinds kept', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 80 }),
        fc.nat({ max: 1 << 20 }),
        fc.nat({ max: 64 }),
        (obj, shift, at) => {
          // Escaped keys and values too: JSON.stringify escapes quotes, backslashes and controls.
          const b = Buffer.from(JSON.stringify(obj), 'utf8');
          const from = new EntryTable();
          expect(scanJsonLine(b, b.length, from)).toBe(LineShape.Object);
          const ints = new Int32Array(at + EntryTable.intsFor(from.count));
          expect(from.writeTo(ints, at, shift)).toBe(ints.length);
          const to = new EntryTable();
          to.count = 3; // whatever it held before is replaced
          to.readFrom(ints, at);
          expect(to.count).toBe(from.count);
          const moved = (a: Int32Array) => [...a.subarray(0, from.count)].map((x) => x + shift);
          const same = (a: Uint8Array) => [...a.subarray(0, from.count)];
          expect([...to.keyStart.subarray(0, to.count)]).toEqual(moved(from.keyStart));
          expect([...to.keyEnd.subarray(0, to.count)]).toEqual(moved(from.keyEnd));
          expect([...to.valueStart.subarray(0, to.count)]).toEqual(moved(from.valueStart));
          expect([...to.valueEnd.subarray(0, to.count)]).toEqual(moved(from.valueEnd));
          expect(same(to.kind)).toEqual(same(from.kind));
          expect(same(to.keyEscaped)).toEqual(same(from.keyEscaped));
          expect(same(to.valueEscaped)).toEqual(same(from.valueEscaped));
        },
      ),
      { numRuns: 500 },
    );
  });
});
