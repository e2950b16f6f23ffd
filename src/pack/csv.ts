/**
 * The two CSVs of a pack (docs/FORMAT.md, "orders.csv and fills.csv").
 *
 * RFC 4180: a header row, CRLF after every record, UTF-8 without BOM, and a field quoted (with
 * inner quotes doubled) whenever it holds a comma, a double quote, CR or LF. Cells are copied as
 * byte slices of the log line, never re-serialised, so numbers and decimal strings stay exactly
 * as written. The encoder is written here rather than with csv-stringify: on the export's hot path
 * csv-stringify costs about 2.5 µs a row, against a budget of about 2.5 µs for everything a line
 * needs (docs/decisions.md). Tests hold it to csv-stringify (with `quoted_match: /[\r\n]/`, without
 * which it leaves a field holding a bare LF or CR unquoted) as the reference, and to Python's csv
 * module in strict mode.
 *
 * Spreadsheet formula injection (OWASP "CSV Injection"): a text cell beginning with `=`, `+`,
 * `-`, `@`, TAB or CR gets a leading single quote `'`. Only cells holding JSON strings are text;
 * numbers, and decimal strings in the numeric columns (`seq`, `quantity`, `price`), are written
 * exactly as in the log, so `-1.5` stays `-1.5`.
 *
 * Since CSV rules 2 (manifest.json `csv_rules`) a formula character after a `;` is neutralised too
 * (src/format/csv-cell.ts: Excel in `;`-separator locales splits a cell there), and in JSON text
 * (`extra`, an object in a column) a `;` before `=`, `+`, `-` or `@` is written as the JSON escape
 * `\u003b`, which keeps the JSON's value. Since CSV rules 3 a formula character after a CR or LF
 * inside a text cell is neutralised too (a `;`-splitting reader ends the record there; JSON text
 * holds no raw CR or LF). Packs without `csv_rules` were made under rules 1 and are derived again
 * under rules 1; a pack is always derived again under its own rules.
 */
import {
  CSV_RULES,
  type CsvRules,
  csvField,
  isFormulaStart,
  neutraliseFormula,
  RECORDED_CSV_RULES,
} from '../format/csv-cell.js';
import type { ByteSink } from '../fsx/byte-sink.js';
import { Kind, type EntryTable } from '../json/line-scanner.js';
import { KEY, type KeyIndex, type KeyName } from './keys.js';

export { CSV_RULES, type CsvRules, csvField, neutraliseFormula, RECORDED_CSV_RULES };

/** Columns of data/orders.csv (then `extra`). */
export const ORDER_COLUMNS = Object.freeze([
  'iso_ts',
  'seq',
  'event',
  'order_id',
  'symbol',
  'side',
  'quantity',
  'price',
] as const satisfies readonly KeyName[]);
/** Columns of data/fills.csv (then `extra`). */
export const FILL_COLUMNS = Object.freeze([
  'iso_ts',
  'seq',
  'event',
  'order_id',
  'deal_id',
  'symbol',
  'side',
  'quantity',
  'price',
] as const satisfies readonly KeyName[]);

/** Fields never repeated in `extra`: `ts` is `iso_ts` again, `prev` is in audit.jsonl, `category` is the file. */
export const NOT_IN_EXTRA: readonly KeyName[] = Object.freeze(['ts', 'iso_ts', 'seq', 'category', 'event', 'prev']);

/** Columns whose numbers and decimal strings are kept as they are (never neutralised). */
const NUMERIC: ReadonlySet<number> = new Set([KEY.seq, KEY.quantity, KEY.price]);

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The header line of a CSV with these columns, CRLF-terminated. */
export function csvHeader(columns: readonly string[]): string {
  return `${columns.join(',')},extra\r\n`;
}

/** A text cell as a string, neutralised and quoted as needed (`numeric`: keep decimal strings). */
export function textCell(s: string, numeric: boolean, rules: CsvRules = CSV_RULES): string {
  return numeric && DECIMAL.test(s) ? s : csvField(neutraliseFormula(s, rules));
}

/**
 * Writes JSON text with quotes doubled; under rules 2 a `;` before `=`, `+`, `-` or `@` (only ever
 * inside a JSON string: TAB and CR are escaped there) is written `\u003b`, the same string to a
 * JSON reader.
 */
function sliceJsonDoublingQuotes(out: ByteSink, b: Uint8Array, s: number, e: number, rules: CsvRules): void {
  if (rules >= 2) out.sliceJsonDoublingQuotes(b, s, e);
  else out.sliceDoublingQuotes(b, s, e);
}

function isDecimalBytes(b: Uint8Array, s: number, e: number): boolean {
  let p = s;
  if (b[p] === 0x2b || b[p] === 0x2d) p++;
  let intDigits = 0;
  while (p < e && (b[p] as number) >= 0x30 && (b[p] as number) <= 0x39) {
    p++;
    intDigits++;
  }
  let fracDigits = 0;
  if (p < e && b[p] === 0x2e) {
    p++;
    while (p < e && (b[p] as number) >= 0x30 && (b[p] as number) <= 0x39) {
      p++;
      fracDigits++;
    }
  }
  if (intDigits === 0 && fracDigits === 0) return false;
  if (p < e && (b[p] === 0x65 || b[p] === 0x45)) {
    p++;
    if (p < e && (b[p] === 0x2b || b[p] === 0x2d)) p++;
    let expDigits = 0;
    while (p < e && (b[p] as number) >= 0x30 && (b[p] as number) <= 0x39) {
      p++;
      expDigits++;
    }
    if (expDigits === 0) return false;
  }
  return p === e;
}

/**
 * Writes raw bytes (a JSON value that is not a string) as one field, quoting (and doubling quotes)
 * only when needed. Unquoted, it holds no `"` and so no JSON string, and no `;`.
 */
function rawField(out: ByteSink, b: Uint8Array, s: number, e: number, rules: CsvRules): void {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 0x22 || c === 0x2c || c === 0x0d || c === 0x0a) {
      out.byte(0x22);
      sliceJsonDoublingQuotes(out, b, s, e, rules);
      out.byte(0x22);
      return;
    }
  }
  out.slice(b, s, e);
}

/** Writes one CSV's rows, byte for byte from log lines. */
export class CsvRowWriter {
  private readonly columnIds: readonly number[];
  /** Per key id: true when that key is not written to `extra`. */
  private readonly notExtra: boolean[];

  /** `rules`: the CSV rules to write by (a pack's own, when verify derives it again). */
  constructor(
    columns: readonly KeyName[],
    private readonly rules: CsvRules = CSV_RULES,
  ) {
    this.columnIds = columns.map((c) => KEY[c]);
    this.notExtra = [];
    for (const k of [...columns, ...NOT_IN_EXTRA]) this.notExtra[KEY[k]] = true;
  }

  /** Writes the CRLF-terminated record of the event in `line` (already scanned into `table`/`keys`). */
  write(out: ByteSink, line: Buffer, table: EntryTable, keys: KeyIndex): void {
    const ids = this.columnIds;
    for (let c = 0; c < ids.length; c++) {
      if (c > 0) out.byte(0x2c);
      const id = ids[c] as number;
      const i = keys.at[id] as number;
      if (i < 0) continue;
      const kind = table.kind[i];
      const vs = table.valueStart[i] as number;
      const ve = table.valueEnd[i] as number;
      if (kind === Kind.String) {
        const numeric = NUMERIC.has(id);
        if (table.valueEscaped[i] === 1) {
          out.write(textCell(JSON.parse(line.toString('utf8', vs, ve)) as string, numeric, this.rules));
          continue;
        }
        // Unescaped JSON string content holds no '"', CR, LF or TAB (they would be escaped).
        const s = vs + 1;
        const e = ve - 1;
        if (numeric && isDecimalBytes(line, s, e)) {
          out.slice(line, s, e);
          continue;
        }
        let comma = false;
        let semicolon = false;
        for (let p = s; p < e; p++) {
          const c = line[p];
          if (c === 0x2c) comma = true;
          else if (c === 0x3b) semicolon = true;
        }
        if (semicolon && this.rules >= 2) {
          out.write(textCell(line.toString('utf8', s, e), numeric, this.rules));
          continue;
        }
        if (comma) out.byte(0x22);
        if (e > s && isFormulaStart(line[s])) out.byte(0x27);
        out.slice(line, s, e);
        if (comma) out.byte(0x22);
      } else if (kind !== Kind.Null) {
        rawField(out, line, vs, ve, this.rules);
      }
    }
    // extra: every other top-level entry, as compact JSON built from the raw entries.
    let any = false;
    const notExtra = this.notExtra;
    for (let i = 0; i < table.count; i++) {
      const id = keys.ids[i] as number;
      if (id >= 0 && notExtra[id] === true) continue;
      if (any) out.byte(0x2c);
      else {
        out.byte(0x2c); // , "{
        out.byte(0x22);
        out.byte(0x7b);
      }
      any = true;
      sliceJsonDoublingQuotes(out, line, table.keyStart[i] as number, table.valueEnd[i] as number, this.rules);
    }
    if (any) {
      out.byte(0x7d); // }"
      out.byte(0x22);
    } else out.byte(0x2c);
    out.byte(0x0d);
    out.byte(0x0a);
  }
}
