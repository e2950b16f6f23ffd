/**
 * Values from the log as text without calling into them (src/compliance/shown.ts): a parsed
 * `{"toString":1}` made String(), template literals and `+ ''` throw, which crashed export, check
 * and verify (at17 F1). textOf is String's text wherever String can write the value (findings and
 * carried state keep their text: no rules version change), jsonShown is JSON.stringify's text cut.
 */
import { describe, expect, it } from 'vitest';
import { jsonShown, textOf } from '../../src/compliance/shown.js';
import { shown } from '../../src/compliance/limit-rules.js';
import { given } from '../../src/compliance/text-fields.js';

const HOSTILE = [
  '{"toString":1}',
  '{"toString":{"toString":1},"valueOf":1}',
  '[1,{"toString":"x"}]',
  '[[[{"toString":null}]]]',
  '{"__proto__":{"toString":1}}',
  '{"valueOf":1,"toString":[]}',
];
/** Values String() converts: textOf must give exactly its text. */
const PLAIN = [
  '1',
  '-0',
  '1e400',
  '"a b"',
  'true',
  'null',
  '{}',
  '{"a":1}',
  '{"valueOf":1}',
  '{"__proto__":{"a":1}}',
  '{"__proto__":null}',
  '[]',
  '[null]',
  '[1,null,2]',
  '[[1,2],[3,[4,null]],"x",{"a":1},true]',
  `[${'1,'.repeat(100)}2]`,
  `${'['.repeat(60)}7${']'.repeat(60)}`,
];

describe('textOf', () => {
  it("is String's text of every value String can write", () => {
    for (const j of PLAIN) {
      const v: unknown = JSON.parse(j);
      expect(textOf(v), j).toBe(String(v));
    }
    expect(textOf(undefined)).toBe('undefined');
  });
  it('writes a value String throws on as JSON, cut, and never calls into it', () => {
    for (const j of HOSTILE) {
      const v: unknown = JSON.parse(j);
      if (!j.includes('__proto__')) expect(() => String(v), j).toThrow(TypeError);
      expect(() => textOf(v), j).not.toThrow();
    }
    expect(textOf(JSON.parse('{"toString":1}'))).toBe('{"toString":1}');
    expect(textOf(JSON.parse('[1,{"toString":"x"}]'))).toBe('[1,{"toString":"x"}]');
    expect(textOf(JSON.parse(`{"toString":"${'x'.repeat(500)}"}`), 40)).toBe(`{"toString":"${'x'.repeat(27)}…`);
  });
  it('keeps a "__proto__" key an own key (JSON.parse does not set the prototype)', () => {
    const v: unknown = JSON.parse('{"__proto__":{"toString":1}}');
    expect(textOf(v)).toBe('[object Object]');
    expect(jsonShown(v)).toBe('{"__proto__":{"toString":1}}');
  });
});

describe('jsonShown (given)', () => {
  it('is JSON.stringify cut at 40 characters, as given() wrote it before', () => {
    const values: unknown[] = [
      ...[...PLAIN, ...HOSTILE].map((j) => JSON.parse(j) as unknown),
      'x'.repeat(39),
      'x'.repeat(38),
      'x'.repeat(100),
      `${'x'.repeat(37)}😀😀`,
      `${'x'.repeat(38)}😀😀`,
      `${'x'.repeat(39)}😀`,
      'a"\\\n\u0001\ud800b',
      { [`k${'"'.repeat(60)}`]: 1 },
      { a: [1, 'two', null, { b: false }], c: 1.5e-7 },
      [Number.NaN, Number.POSITIVE_INFINITY, -0],
    ];
    for (const v of values) {
      const t = JSON.stringify(v);
      const old = t.length > 40 ? `${t.slice(0, 40)}…` : t;
      expect(given(v), t).toBe(old);
      expect(jsonShown(v, 40)).toBe(old);
    }
    expect(given(undefined)).toBe('undefined');
  });
  it('writes only as far as it shows (a nesting JSON.stringify cannot take on Node 20-24)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    // Node 20-24 throw a RangeError here; Node 26's JSON.stringify no longer recurses on the stack, so
    // whether it throws is not asserted: jsonShown must stop at what it shows on every line.
    expect(jsonShown(deep, 10)).toBe(`${'['.repeat(10)}…`);
    expect(textOf(deep)).toBe('1');
  });
});

describe("limit-rules' shown", () => {
  it('quotes strings, writes other values as String did, and a hostile object as JSON', () => {
    expect(shown('5,000,000')).toBe('"5,000,000"');
    expect(shown(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(shown(true)).toBe('true');
    expect(shown({ a: 1 })).toBe('[object Object]');
    expect(shown([1, 2])).toBe('1,2');
    expect(shown(JSON.parse('{"toString":1}'))).toBe('{"toString":1}');
    expect(shown(JSON.parse(`{"toString":"${'y'.repeat(80)}"}`))).toBe(`{"toString":"${'y'.repeat(27)}…`);
    expect(shown('z'.repeat(80))).toBe(`"${'z'.repeat(39)}…`);
  });
});
