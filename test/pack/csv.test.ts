import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvRowWriter,
  FILL_COLUMNS,
  NOT_IN_EXTRA,
  ORDER_COLUMNS,
  csvHeader,
  neutraliseFormula,
} from '../../src/pack/csv.js';
import { HashingWriter } from '../../src/fsx/byte-sink.js';
import { EntryTable, LineShape, scanJsonLine } from '../../src/json/line-scanner.js';
import { KeyIndex } from '../../src/pack/keys.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonCsvRows } from './helpers.js';

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMERIC = new Set(['seq', 'quantity', 'price']);

const FORMULA = new Set(['=', '+', '-', '@', '\t', '\r']);

/** Where a `;`-splitting spreadsheet starts a cell: after `;`, and (a new row) after CR or LF. */
const BREAK = new Set([';', '\r', '\n']);

/**
 * Rules 3 of a text cell, character by character: `'` before a formula character at the start,
 * after `;`, CR or LF, or after one of them and `"`.
 */
function neutralised(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i] as string;
    const after = i === 0 || BREAK.has(v[i - 1] as string) || (v[i - 1] === '"' && BREAK.has(v[i - 2] as string));
    out += after && FORMULA.has(ch) ? `'${ch}` : ch;
  }
  return out;
}

/** Rules 2 of JSON text: a `;` before = + - @ is the escape \u003b. */
const jsonText = (v: unknown): string => (JSON.stringify(v) as string).replace(/;(?=[=+\-@])/g, '\\u003b');

/** The documented cell rules, applied to JSON.parse's view of a line made by JSON.stringify. */
function expectedRow(obj: Record<string, unknown>, columns: readonly string[]): string[] {
  const cells = columns.map((c) => {
    const v = obj[c];
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') {
      if (NUMERIC.has(c) && DECIMAL.test(v)) return v;
      return neutralised(v);
    }
    return jsonText(v);
  });
  const skip = new Set([...columns, ...NOT_IN_EXTRA]);
  const extra = Object.keys(obj).filter((k) => !skip.has(k));
  cells.push(extra.length === 0 ? '' : `{${extra.map((k) => `${jsonText(k)}:${jsonText(obj[k])}`).join(',')}}`);
  return cells;
}

/** Strings made of the characters that matter to a `;`-splitting spreadsheet. */
const semicolony = fc
  .array(fc.constantFrom(';', '"', '=', '+', '-', '@', '\t', '\r', '\n', ',', "'", 'a', '1', ' '), { maxLength: 12 })
  .map((a) => a.join(''));

const nasty = fc.oneof(
  fc.string(),
  semicolony,
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
    'A-1;=HYPERLINK(E2&F2);x',
    'x;"=1',
    ';;-cmd|calc',
    'a;@b',
    'a;\tb',
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

/**
 * A cell as a `;`-splitting spreadsheet (Excel in de-DE, fr-FR…) sees it: its pieces after the
 * first, split at `;` and (each a new row's first cell) at CR and LF.
 */
function piecesAfterSemicolon(cell: string): string[] {
  return cell.split(/[;\r\n]/).slice(1);
}

describe('formula characters after a `;`, a CR or a LF (CSV rules 2 and 3)', () => {
  // The cell itself (what an RFC 4180 reader splits a row into at `,`) and each piece a
  // `;`-splitting one makes of it. A `,` inside a cell is quoted, so no reader that honours
  // quotes splits there; a `;`-splitting Excel does not honour them, hence the pieces.
  it('neither a neutralised text cell nor any `;`-separated piece of it starts with a formula character', () => {
    fc.assert(
      fc.property(fc.oneof(semicolony, fc.string()), (s) => {
        const cell = neutraliseFormula(s);
        expect(FORMULA.has(cell[0] as string)).toBe(false);
        // A piece opening with `"` is read as quoted by a `;`-splitting reader: what follows counts.
        for (const piece of piecesAfterSemicolon(cell))
          expect(FORMULA.has((piece.startsWith('"') ? piece[1] : piece[0]) as string)).toBe(false);
        // Only `'` is ever added: removing each added one gives the value back.
        const unmark = (t: string) => t.replace(/(^|[;\r\n]"?)'(?=[=+\-@\t\r])/g, '$1');
        expect(unmark(cell)).toBe(unmark(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('rules 1 (packs without csv_rules) still looks at the first character only', () => {
    expect(neutraliseFormula('A-1;=X', 1)).toBe('A-1;=X');
    expect(neutraliseFormula('=A;=X', 1)).toBe("'=A;=X");
    expect(neutraliseFormula('A-1;=X', 2)).toBe("A-1;'=X");
    expect(neutraliseFormula('A;"=X;;+1', 2)).toBe("A;\"'=X;;'+1");
    // Rules 2 (packs with csv_rules 2) left a formula after a line break as it was; rules 3 does not.
    expect(neutraliseFormula('A-1\n=1+1;', 2)).toBe('A-1\n=1+1;');
    expect(neutraliseFormula('A-1\n=1+1;', 3)).toBe("A-1\n'=1+1;");
    expect(neutraliseFormula('E\r\n@S;\r"-2', 3)).toBe("E\r\n'@S;'\r\"'-2");
    expect(neutraliseFormula('A;"=X;;+1', 3)).toBe("A;\"'=X;;'+1");
    const line = Buffer.from(lineFor(0, 'order', { order_id: 'A;=1', symbol: { s: ';@x' }, note: 'n;-1' }));
    const rows = [1, 2].map((rules) => {
      const table = new EntryTable();
      const keys = new KeyIndex();
      scanJsonLine(line, line.length, table);
      keys.index(line, table);
      const dir = tempDir();
      const out = new HashingWriter(join(dir, 'o.csv'));
      new CsvRowWriter(ORDER_COLUMNS, rules as 1 | 2).write(out, line, table, keys);
      out.finish();
      return readFileSync(join(dir, 'o.csv'), 'utf8');
    });
    expect(rows[0]).toContain(',A;=1,"{""s"":"";@x""}",');
    expect(rows[0]).toContain('""note"":""n;-1""');
    expect(rows[1]).toContain(',A;\'=1,"{""s"":""\\u003b@x""}",');
    expect(rows[1]).toContain('""note"":""n\\u003b-1""');
  });
});
