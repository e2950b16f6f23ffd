import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractEvent } from '../../src/compliance/extract.js';
import { jsonNumber, RecordReader, RecordWriter } from '../../src/compliance/records.js';
import type { LineRef, LogEvent } from '../../src/compliance/engine.js';
import { EventReader } from '../../src/format/event-line.js';
import { KeyIndex } from '../../src/pack/keys.js';

/** The events a batch of lines gives the checks through records, as the export's scan writes them. */
function throughRecords(lines: readonly Buffer[]): (LogEvent | undefined)[] {
  const writer = new RecordWriter();
  // The export's path: the field ids from its key index (one comparison of the keys for both).
  const indexed = new RecordWriter();
  const keys = new KeyIndex();
  const reader = new EventReader();
  // One batch buffer, lines at offsets (as the export's batches hold them), a stray byte between.
  const batch = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
  let at = 0;
  for (const l of lines) {
    const r = reader.read(batch, at, at + l.length);
    if (r.ok) {
      writer.event(batch, reader.table);
      keys.index(batch, reader.table);
      indexed.event(batch, reader.table, keys.fields);
    } else {
      writer.other(batch, at, at + l.length);
      indexed.other(batch, at, at + l.length);
    }
    at += l.length + 1;
  }
  expect(indexed.view()).toEqual(writer.view());
  const out: (LogEvent | undefined)[] = [];
  const refs: LineRef[] = [];
  new RecordReader().feed(
    {
      pushLine: (e, file, line, hash) => {
        out.push({ ...e });
        refs.push({ file, line, hash });
      },
      malformed: () => out.push(undefined),
    },
    writer.view().slice(),
    batch,
    'f',
    7,
    lines.map((_, k) => `h${k}`),
  );
  for (const ref of refs) expect(ref.hash).toBe(`h${ref.line - 7}`);
  return out;
}

const env = (seq: number, cat = 'order'): string =>
  `"ts":1757317970.590693,"iso_ts":"2025-09-08T07:52:50.590693Z","seq":${seq},"category":"${cat}","event":"OrderAccepted"`;
const prev = `"prev":"${'a'.repeat(64)}"`;
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string(),
  fc.constantFrom('1.10050', 'EURUSD', '\ud800', 'a"b\\c', '\u2028', 'é'),
  fc.double(),
  fc.integer(),
);
const field = fc.constantFrom('order_id', 'symbol', 'side', 'quantity', 'price', 'checks', 'user', 'result', 'x');
const member = fc
  .tuple(field, value, fc.boolean())
  .map(
    ([k, v, esc]) =>
      `${esc ? `"${k.replace(/^./, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}"` : JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`,
  );
/** Lines the export reads as events, lines only the checks read, and lines neither does. */
const line = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 1e9 }), fc.uniqueArray(member, { maxLength: 8, selector: (m) => m.split(':')[0] }))
    .map(([seq, ms]) => `{${[env(seq), ...ms, prev].join(',')}}`),
  fc
    .tuple(fc.integer({ min: 1, max: 1e9 }), fc.array(member, { maxLength: 8 }))
    .map(([seq, ms]) => `{${[env(seq), ...ms].join(',')}}`),
  fc.integer({ min: 1, max: 99 }).map((seq) => `{${env(seq, 'Order')},"order_id":"A","order_id":"B",${prev}}`),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

describe('compliance records (one scan serves the export and the checks)', () => {
  it('give the checks exactly the events extractEvent reads (property: generated and hostile lines)', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (texts) => {
        const lines = texts.map((t) => Buffer.from(t, 'utf8'));
        const expected = lines.map((l) => {
          const e = extractEvent(l);
          return e === undefined ? undefined : { ...e };
        });
        expect(throughRecords(lines)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('keep lone surrogates, -0, escaped keys and values, and invalid UTF-8 as JSON.parse reads them', () => {
    const lines = [
      `{${env(1)},"symbol":"\\ud800x","price":-0,"ord\\u0065r_id":"\\u0041-1","checks":[{"name":"\\udfff","passed":false}],${prev}}`,
      `{${env(2)},"quantity":1e400,${prev}}`,
      `{${env(3)},"quantity":"7","side":"BUY","side":"SELL"}`,
    ].map((t) => Buffer.from(t));
    lines.push(Buffer.concat([Buffer.from(`{${env(4)},"symbol":"`), Buffer.from([0xff]), Buffer.from(`",${prev}}`)]));
    const got = throughRecords(lines);
    expect(got).toEqual(lines.map((l) => (extractEvent(l) === undefined ? undefined : { ...extractEvent(l) })));
    expect(Object.is((got[0] as LogEvent).price, -0)).toBe(true);
    expect((got[0] as LogEvent).symbol).toBe('\ud800x');
    expect(got[3]).toBeUndefined();
  });

  it('give the same events when values repeat across a long run (interned strings, cached parsed values)', () => {
    // One reader over many lines: more distinct symbols than the interner's slots (collisions and
    // replaced slots), ASCII and non-ASCII strings of equal length, and a few `checks` texts over
    // and over (the parsed values are shared, so they must be frozen).
    const lines: Buffer[] = [];
    for (let i = 0; i < 5000; i++) {
      const sym = i % 3 === 0 ? `S${i % 1700}` : `é${i % 7}x`;
      const checks = i % 4 === 0 ? `[{"name":"n${i}","passed":false}]` : `[{"name":"collar","passed":${i % 2 === 0}}]`;
      lines.push(
        Buffer.from(`{${env(i + 1)},"symbol":"${sym}","side":"${i % 2 ? 'SELL' : 'BUY'}","checks":${checks},${prev}}`),
      );
    }
    const got = throughRecords(lines);
    expect(got).toEqual(lines.map((l) => ({ ...extractEvent(l) })));
    const checks = (got[1] as LogEvent).checks as { passed: boolean }[];
    expect(checks).toBe((got[3] as LogEvent).checks);
    expect(Object.isFrozen(checks) && Object.isFrozen(checks[0])).toBe(true);
  });

  it("hand every event in one object that holds only its own line's fields (the sink keeps values, never the object)", () => {
    const lines = [
      `{${env(1)},"order_id":"O-1","symbol":"EURUSD","checks":[{"name":"c","passed":true}],"quantity":5,${prev}}`,
      `{${env(2, 'system')},${prev}}`,
      'not json',
      `{${env(3)},"order_id":"O-2",${prev}}`,
    ].map((t) => Buffer.from(t));
    const w = new RecordWriter();
    const reader = new EventReader();
    let at = 0;
    const batch = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    for (const l of lines) {
      const r = reader.read(batch, at, at + l.length);
      if (r.ok) w.event(batch, reader.table);
      else w.other(batch, at, at + l.length);
      at += l.length + 1;
    }
    const objects: LogEvent[] = [];
    const seen: unknown[][] = [];
    new RecordReader().feed(
      {
        pushLine: (e) => {
          objects.push(e);
          seen.push([e.seq, e.category, e.order_id, e.symbol, e.checks, e.quantity]);
        },
        malformed: () => seen.push(['malformed']),
      },
      w.view().slice(),
      batch,
      'f',
      1,
      lines.map(() => 'h'),
    );
    expect(seen).toEqual([
      [1, 'order', 'O-1', 'EURUSD', [{ name: 'c', passed: true }], 5],
      [2, 'system', undefined, undefined, undefined, undefined],
      ['malformed'],
      [3, 'order', 'O-2', undefined, undefined, undefined],
    ]);
    expect(objects[1]).toBe(objects[0]);
    expect(objects[2]).toBe(objects[0]);
    // After the batch the object is cleared: a sink that kept it would read nothing.
    expect(Object.values(objects[0] as LogEvent).every((v) => v === undefined)).toBe(true);
  });

  it('read every JSON number as JSON.parse does (property: the fast path and the fallback)', () => {
    // Digit strings around 2^53 and fractions up to 30 places exercise both sides of the fast path.
    const digits = fc.stringMatching(/^(0|[1-9][0-9]{0,19})$/);
    const number = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
      fc
        .tuple(
          fc.boolean(),
          digits,
          fc.option(fc.stringMatching(/^[0-9]{1,30}$/)),
          fc.option(fc.integer({ min: -400, max: 400 })),
        )
        .map(
          ([neg, int, frac, exp]) =>
            `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`,
        ),
      fc.constantFrom(
        '-0',
        '-0.0',
        '0.1',
        '9007199254740991',
        '9007199254740993',
        '1757289600.171999',
        '1e22',
        '0.0000000000000000000001',
      ),
    );
    fc.assert(
      fc.property(number, fc.string({ maxLength: 3 }), (text, pad) => {
        const b = Buffer.from(`${pad}${text}${pad}`, 'latin1');
        expect(Object.is(jsonNumber(b, pad.length, pad.length + text.length), JSON.parse(text))).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });
});
