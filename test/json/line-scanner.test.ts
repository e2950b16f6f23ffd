import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryTable, LineShape, scanJsonLine } from '../../src/json/line-scanner.js';

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
    for (const c of cases) expect(shape(c), JSON.stringify(c.slice(0, 40))).toBe(shapeByJsonParse(c));
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
