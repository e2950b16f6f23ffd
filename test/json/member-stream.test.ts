/**
 * The member scanner against JSON.parse, the reference: on random objects written with random
 * whitespace and cut into random pieces it hands on exactly JSON.parse's members and list items; on
 * those documents with a byte changed, put in or taken out it accepts exactly what JSON.parse
 * accepts as an object (its pieces then parsed by JSON.parse, as its callers do); a list's bytes
 * alone, as its ranges give them, scan to the same items.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, MemberScanner, type MemberSink, MemberStreamError } from '../../src/json/member-stream.js';

/** What a whole scan hands on: each member's value, lists as arrays of their items; and the lists' ranges. */
function scan(pieces: Buffer[]): { value: Record<string, unknown>; ranges: Map<string, [number, number]> } {
  const value: Record<string, unknown> = {};
  const ranges = new Map<string, [number, number]>();
  const sink: MemberSink = {
    value: (k, json) => {
      Object.defineProperty(value, k, { value: JSON.parse(json.toString('utf8')), enumerable: true });
    },
    list: (k, at) => {
      Object.defineProperty(value, k, { value: [], enumerable: true });
      ranges.set(k, [at, at]);
    },
    listEnd: (k, end) => {
      (ranges.get(k) as [number, number])[1] = end;
    },
    item: (k, i, json) => {
      const list = value[k] as unknown[];
      expect(i).toBe(list.length);
      list.push(JSON.parse(json.toString('utf8')));
    },
  };
  const s = new MemberScanner(sink);
  for (const p of pieces) s.push(p);
  s.end();
  return { value, ranges };
}

/** The items of one list scanned alone (MemberScanner's `inList`). */
function scanList(key: string, pieces: Buffer[]): unknown[] {
  const items: unknown[] = [];
  const s = new MemberScanner(
    {
      value: () => expect.unreachable('no member in a list alone'),
      list: (k) => expect(k).toBe(key),
      item: (k, _i, json) => {
        expect(k).toBe(key);
        items.push(JSON.parse(json.toString('utf8')));
      },
    },
    key,
  );
  for (const p of pieces) s.push(p);
  s.end();
  return items;
}

/** `bytes` cut at the given places (each taken modulo the length). */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const places = [...new Set(at.map((a) => (bytes.length === 0 ? 0 : a % bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of places) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  out.push(bytes.subarray(from));
  return out.filter((p) => p.length > 0);
}

const doc = fc
  .tuple(
    fc.dictionary(
      fc.string({ maxLength: 8 }),
      fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 6 })),
      { maxKeys: 6 },
    ),
    fc.constantFrom(undefined, '', ' ', '\t', '\r\n ', '  '),
  )
  .filter(([o]) => !Object.hasOwn(o, '__proto__'))
  .map(([o, space]) => Buffer.from(JSON.stringify(o, null, space), 'utf8'));

describe('MemberScanner', () => {
  it("hands on JSON.parse's members and items, in any pieces (property)", () => {
    fc.assert(
      fc.property(doc, fc.array(fc.nat(), { maxLength: 12 }), (bytes, at) => {
        const { value } = scan(cut(bytes, at));
        expect(value).toEqual(JSON.parse(bytes.toString('utf8')));
      }),
      { numRuns: 1500 },
    );
  });

  it("scans a list's bytes alone, as its range gives them, to the same items (property)", () => {
    fc.assert(
      fc.property(doc, fc.array(fc.nat(), { maxLength: 6 }), (bytes, at) => {
        const { value, ranges } = scan([bytes]);
        for (const [k, [start, end]] of ranges) {
          expect(bytes[start]).toBe(0x5b);
          expect(bytes[end - 1]).toBe(0x5d);
          expect(scanList(k, cut(bytes.subarray(start, end), at))).toEqual(value[k]);
        }
      }),
      { numRuns: 800 },
    );
  });

  it('accepts a changed document exactly when JSON.parse reads it as an object, bar a key named twice (property)', () => {
    const change = fc.tuple(
      fc.constantFrom('put', 'drop', 'swap'),
      fc.nat(),
      fc.constantFrom(...'{}[],:"\\ \n0a1e-.tnflu'.split('').map((c) => c.charCodeAt(0)), 0xff, 0x00),
    );
    fc.assert(
      fc.property(doc, change, fc.array(fc.nat(), { maxLength: 8 }), (bytes, [how, where, b], at) => {
        const i = bytes.length === 0 ? 0 : where % bytes.length;
        const changed =
          how === 'put'
            ? Buffer.concat([bytes.subarray(0, i), Buffer.from([b]), bytes.subarray(i)])
            : how === 'drop'
              ? Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)])
              : Buffer.concat([bytes.subarray(0, i), Buffer.from([b]), bytes.subarray(i + 1)]);
        let reference: unknown;
        try {
          reference = JSON.parse(changed.toString('utf8'));
        } catch {
          reference = undefined;
        }
        const isObject = typeof reference === 'object' && reference !== null && !Array.isArray(reference);
        let scanned: Record<string, unknown> | undefined;
        let refused: unknown;
        try {
          scanned = scan(cut(changed, at)).value;
        } catch (err) {
          refused = err;
        }
        if (scanned !== undefined) expect(scanned).toEqual(reference);
        else {
          expect(refused instanceof MemberStreamError || refused instanceof SyntaxError).toBe(true);
          // A key named twice is refused on purpose, whatever follows it (JSON.parse may keep the last).
          if (!(refused instanceof MemberStreamError && /twice/.test(refused.message))) expect(isObject).toBe(false);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a key named twice, bytes after the end, a document that ends early, and a list alone with more', () => {
    const bad = (text: string, message: RegExp) => expect(() => scan([Buffer.from(text)])).toThrow(message);
    bad('{"a":1,"a":2}', /the key "a" twice/);
    bad('{"":[],""" ":[]}', /the key "" twice/); // refused at the key, though no JSON anyway
    bad('{"a":[1,2]} x', /bytes after the end of the object at byte 12/);
    bad('{"a":[1,2]', /ends before its object does/);
    bad('{"a":[1,2]', /ends before its object does/);
    bad('[1]', /not an object at byte 0/);
    bad('{"a" 1}', /a key without its colon/);
    bad('{"a":1 "b":2}', /a member not followed by a comma/);
    bad('{"a":[1 2]}', /a list item not followed by a comma/);
    bad('{"a":[1,]}', /no value where one must be/);
    bad('{,}', /not a key where one must be/);
    expect(() => scanList('a', [Buffer.from('[1,2] ')])).not.toThrow();
    expect(() => scanList('a', [Buffer.from('[1,2],')])).toThrow(/bytes after the end of the list/);
    expect(() => scanList('a', [Buffer.from('[1,2')])).toThrow(/ends before/);
    // A backslash ending one piece escapes the first byte of the next.
    expect(scanList('a', [Buffer.from('["x\\'), Buffer.from('"y"]')])).toEqual(['x"y']);
    expect(scan([Buffer.from('{"k\\'), Buffer.from('\\":"v\\\\'), Buffer.from('"}')]).value).toEqual({ 'k\\': 'v\\' });
  });

  it('refuses a value nested more than MAX_DEPTH deep, in any pieces (property)', () => {
    // JSON.parse makes one array per `[`: 200 MB of them took 8 GB and aborted the process.
    fc.assert(
      fc.property(
        fc.constantFrom<[string, string, string]>(['[', '', ']'], ['{"k":', '0', '}']),
        fc.integer({ min: MAX_DEPTH - 3, max: MAX_DEPTH + 3 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        ([open, inner, close], depth, at) => {
          const text = `{"a":${open.repeat(depth)}${inner}${close.repeat(depth)}}`;
          const bytes = Buffer.from(text);
          // A member's list is no level: its items are the values (the first `[` of `"a":[[`).
          const list = open === '[' ? 1 : 0;
          if (depth <= MAX_DEPTH + list) expect(scan(cut(bytes, at)).value).toEqual(JSON.parse(text));
          else
            expect(() => scan(cut(bytes, at))).toThrow(
              `a value nested more than ${MAX_DEPTH} deep at byte ${5 + (MAX_DEPTH + list) * open.length}`,
            );
        },
      ),
      { numRuns: 400 },
    );
    // A list member's own `[` is no level of its items: its items nest MAX_DEPTH deep at most.
    const listed = `{"b":[${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}]}`;
    expect(scan([Buffer.from(listed)]).value).toEqual(JSON.parse(listed));
    expect(() => scan([Buffer.from(`{"b":[${'['.repeat(MAX_DEPTH + 1)}`)])).toThrow(/nested more than/);
  });

  it('holds only the members its sink uses to be named once, and keeps no other name', () => {
    const seen: string[] = [];
    const sink: MemberSink = {
      uses: (k) => k === 'a',
      value: (k) => void seen.push(k),
      list: (k) => void seen.push(k),
      item: () => undefined,
    };
    const s = new MemberScanner(sink);
    s.push(Buffer.from('{"x":1,"x":[2],"a":3,"x\\u0000":4}'));
    s.end();
    expect(seen).toEqual(['x', 'x', 'a', 'x\u0000']);
    const twice = new MemberScanner(sink);
    expect(() => twice.push(Buffer.from('{"a":1,"\u0061":2}'))).toThrow(/the key "a" twice/);
  });
});
