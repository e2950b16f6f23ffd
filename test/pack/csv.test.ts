import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvRowWriter, FILL_COLUMNS, NOT_IN_EXTRA, ORDER_COLUMNS, csvHeader } from '../../src/pack/csv.js';
import { HashingWriter } from '../../src/fsx/byte-sink.js';
import { EntryTable, LineShape, scanJsonLine } from '../../src/json/line-scanner.js';
import { KeyIndex } from '../../src/pack/keys.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonCsvRows } from './helpers.js';

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMERIC = new Set(['seq', 'quantity', 'price']);

/** The documented cell rules, applied to JSON.parse's view of a line made by JSON.stringify. */
function expectedRow(obj: Record<string, unknown>, columns: readonly string[]): string[] {
  const cells = columns.map((c) => {
    const v = obj[c];
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') {
      if (NUMERIC.has(c) && DECIMAL.test(v)) return v;
      return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    }
    return JSON.stringify(v);
  });
  const skip = new Set([...columns, ...NOT_IN_EXTRA]);
  const extra = Object.keys(obj).filter((k) => !skip.has(k));
  cells.push(
    extra.length === 0 ? '' : `{${extra.map((k) => `${JSON.stringify(k)}:${JSON.stringify(obj[k])}`).join(',')}}`,
  );
  return cells;
}

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '=1+1',
    '+x',
    '-5',
    '@SUM(A1)',
    '\tx',
    '\rx',
    'a,b',
    'say "hi"',
    'l1\nl2',
    'l1\r\nl2',
    '',
    ' ',
    '1.10050',
    '-1.5',
    '1e3',
    '€',
  ),
);
const value = fc.oneof(
  nasty,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const event = fc.record(
  {
    order_id: value,
    deal_id: value,
    symbol: nasty,
    side: nasty,
    quantity: value,
    price: value,
    note: value,
    'we"ird,key': value,
  },
  { requiredKeys: [] },
);

function lineFor(i: number, category: string, fields: Record<string, unknown>): string {
  return JSON.stringify({
    ts: 1757322000 + i,
    iso_ts: '2025-09-08T09:00:00.000000Z',
    seq: i + 1,
    category,
    event: 'E',
    ...fields,
    host: 'h',
    pid: 1,
    prev: 'a'.repeat(64),
  });
}

describe('CsvRowWriter', () => {
  // 150 runs, every tenth read back by a Python process: 28-66 s under a loaded machine, over the
  // 60 s default; the property and its oracles are unchanged.
  it('matches csv-stringify (RFC 4180, CRLF, quoted_match) byte for byte, and Python strict-mode reads it back', {
    timeout: 180_000,
  }, () => {
    const dir = tempDir();
    let run = 0;
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 25 }), (events) => {
        for (const [columns, category] of [
          [ORDER_COLUMNS, 'order'],
          [FILL_COLUMNS, 'fill'],
        ] as const) {
          const path = join(dir, `${run++}.csv`);
          const out = new HashingWriter(path);
          out.write(csvHeader(columns));
          const writer = new CsvRowWriter(columns);
          const table = new EntryTable();
          const keys = new KeyIndex();
          const expected: string[][] = [[...columns, 'extra']];
          events.forEach((fields, i) => {
            const line = Buffer.from(lineFor(i, category, fields));
            expect(scanJsonLine(line, line.length, table)).toBe(LineShape.Object);
            keys.index(line, table);
            writer.write(out, line, table, keys);
            expected.push(expectedRow(JSON.parse(line.toString()), columns));
          });
          out.finish();
          const ours = readFileSync(path, 'utf8');
          expect(ours).toBe(stringify(expected, { record_delimiter: 'windows', quoted_match: /[\r\n]/ }));
          if (run % 10 === 0) expect(pythonCsvRows(path)).toEqual(expected);
        }
      }),
      { numRuns: 150 },
    );
  });
});
