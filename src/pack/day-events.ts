/**
 * The per-line work of an export, apart from reading: classify each line (event or malformed),
 * count it, and write it to orders.csv, fills.csv and alerts.jsonl. It runs on the main thread or
 * in a worker thread (src/pack/scan-worker.ts) fed with batches of lines; the result is the same.
 */
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import type { AlertFilterConfig } from '../config.js';
import { CsvRowWriter, FILL_COLUMNS, ORDER_COLUMNS, csvHeader } from './csv.js';
import { HashingWriter, type WrittenFile } from './files.js';
import { EntryTable, Kind, LineShape, scanJsonLine } from './json-line.js';
import { KEY, KeyIndex, StringInterner, integerValue, isFiniteNumberValue, isHashHexValue, isIsoTsValue, stringValue } from './keys.js';

/** A line of the day's log that is not a well-formed event. */
export interface MalformedLine {
  /** 1-based line number in the log file. */
  readonly line: number;
  /** Byte offset of the line in the log file. */
  readonly offset: number;
  /** Length in bytes (without "\n"). */
  readonly length: number;
  /** What is wrong: `unterminated`, `too-long`, `invalid-utf8`, `invalid-json`, `not-an-event`. */
  readonly reason: 'unterminated' | 'too-long' | 'invalid-utf8' | 'invalid-json' | 'not-an-event';
}

/** How many malformed lines are described individually (all are counted). */
export const MAX_REPORTED_MALFORMED = 1000;

/** What the line processor found (the chain's end hash comes from the reader). */
export interface EventFacts {
  readonly events: { readonly total: number; readonly by_category: Record<string, number>; readonly malformed_lines: number; readonly late: number };
  readonly rows: { readonly orders: number; readonly fills: number; readonly alerts: number };
  readonly first_seq: number | null;
  readonly last_seq: number | null;
  readonly start_prev: string | null;
  readonly malformed: readonly MalformedLine[];
  readonly files: { readonly 'orders.csv': WrittenFile; readonly 'fills.csv': WrittenFile; readonly 'alerts.jsonl': WrittenFile };
}

/** Compiled alert filter: a few set lookups per event, no strings built. */
function compileAlertFilter(f: AlertFilterConfig): { categories: Set<string>; events: Map<string, Set<string>>; severities: Set<string> } {
  const events = new Map<string, Set<string>>();
  for (const rule of f.events) {
    const dot = rule.indexOf('.');
    if (dot <= 0) continue;
    const cat = rule.slice(0, dot);
    let set = events.get(cat);
    if (set === undefined) events.set(cat, (set = new Set()));
    set.add(rule.slice(dot + 1));
  }
  return { categories: new Set(f.categories), events, severities: new Set(f.severities.map((s) => s.toUpperCase())) };
}

/** Processes a day's lines in order; `finish()` fsyncs the three files and returns the facts. */
export class DayEventProcessor {
  private readonly filter;
  private readonly orderCsv = new CsvRowWriter(ORDER_COLUMNS);
  private readonly fillCsv = new CsvRowWriter(FILL_COLUMNS);
  private readonly table = new EntryTable();
  private readonly keys = new KeyIndex();
  private readonly categories = new StringInterner();
  private readonly eventNames = new StringInterner(256);
  private readonly severities = new StringInterner();
  private readonly orders: HashingWriter;
  private readonly fills: HashingWriter;
  private readonly alerts: HashingWriter;
  private readonly byCategory = new Map<string, number>();
  private total = 0;
  private late = 0;
  private malformedCount = 0;
  private readonly malformed: MalformedLine[] = [];
  private nOrders = 0;
  private nFills = 0;
  private nAlerts = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;
  private startPrev: string | null = null;

  constructor(dataDir: string, alertFilter: AlertFilterConfig) {
    this.filter = compileAlertFilter(alertFilter);
    const opened: HashingWriter[] = [];
    try {
      for (const name of ['orders.csv', 'fills.csv', 'alerts.jsonl']) opened.push(new HashingWriter(join(dataDir, name)));
    } catch (err) {
      for (const w of opened) w.abandon();
      throw err;
    }
    [this.orders, this.fills, this.alerts] = opened as [HashingWriter, HashingWriter, HashingWriter];
    this.orders.write(csvHeader(ORDER_COLUMNS));
    this.fills.write(csvHeader(FILL_COLUMNS));
  }

  /** Records a line that cannot be an event. */
  bad(lineNumber: number, offset: number, length: number, reason: MalformedLine['reason']): void {
    this.malformedCount++;
    if (this.malformed.length < MAX_REPORTED_MALFORMED) this.malformed.push(Object.freeze({ line: lineNumber, offset, length, reason }));
  }

  /**
   * One complete (terminated, not too long) line: `line[start, end)` without "\n". `utf8Known`:
   * the caller already knows these bytes are valid UTF-8 (a whole batch checked at once).
   */
  line(line: Buffer, start: number, end: number, lineNumber: number, offset: number, utf8Known = false): void {
    const length = end - start;
    if (!utf8Known && !isUtf8(start === 0 && end === line.length ? line : line.subarray(start, end))) return this.bad(lineNumber, offset, length, 'invalid-utf8');
    const table = this.table;
    const shape = scanJsonLine(line, end, table, start);
    if (shape === LineShape.Invalid) return this.bad(lineNumber, offset, length, 'invalid-json');
    if (shape !== LineShape.Object) return this.bad(lineNumber, offset, length, 'not-an-event');
    const keys = this.keys;
    keys.index(line, table);
    // An event is a line docs/FORMAT.md describes (the same test as src/verify, so counts agree):
    // seq a positive integer, prev 64 hex digits, iso_ts and ts well formed, category and event
    // non-empty strings, late absent or true.
    const at = keys.at;
    const seq = integerValue(line, table, at[KEY.seq] as number);
    const category = this.categories.value(line, table, at[KEY.category] as number);
    const event = this.eventNames.value(line, table, at[KEY.event] as number);
    const lateAt = at[KEY.late] as number;
    if (
      seq === undefined ||
      seq < 1 ||
      !isHashHexValue(line, table, at[KEY.prev] as number) ||
      !isIsoTsValue(line, table, at[KEY.iso_ts] as number) ||
      !isFiniteNumberValue(line, table, at[KEY.ts] as number) ||
      category === undefined ||
      category === '' ||
      event === undefined ||
      event === '' ||
      (lateAt >= 0 && table.kind[lateAt] !== Kind.True)
    ) {
      return this.bad(lineNumber, offset, length, 'not-an-event');
    }
    this.total++;
    this.byCategory.set(category, (this.byCategory.get(category) ?? 0) + 1);
    if (lateAt >= 0) this.late++;
    if (this.firstSeq === null) {
      this.firstSeq = seq;
      this.startPrev = stringValue(line, table, at[KEY.prev] as number) ?? null;
    }
    this.lastSeq = seq;
    if (category === 'order') {
      this.orderCsv.write(this.orders, line, table, keys);
      this.nOrders++;
    } else if (category === 'fill') {
      this.fillCsv.write(this.fills, line, table, keys);
      this.nFills++;
    }
    const f = this.filter;
    let alert = f.categories.has(category) || f.events.get(category)?.has(event) === true;
    if (!alert && f.severities.size > 0) {
      const sev = this.severities.value(line, table, keys.at[KEY.severity] as number);
      alert = sev !== undefined && f.severities.has(sev.toUpperCase());
    }
    if (alert) {
      this.alerts.slice(line, start, end);
      this.alerts.byte(0x0a);
      this.nAlerts++;
    }
  }

  /** fsyncs and closes the files; returns the facts. */
  finish(): EventFacts {
    const byCategory: Record<string, number> = Object.create(null) as Record<string, number>; // "__proto__" is a legal category
    for (const k of [...this.byCategory.keys()].sort()) byCategory[k] = this.byCategory.get(k) as number;
    return {
      events: { total: this.total, by_category: byCategory, malformed_lines: this.malformedCount, late: this.late },
      rows: { orders: this.nOrders, fills: this.nFills, alerts: this.nAlerts },
      first_seq: this.firstSeq,
      last_seq: this.lastSeq,
      start_prev: this.startPrev,
      malformed: this.malformed,
      files: { 'orders.csv': this.orders.finish(), 'fills.csv': this.fills.finish(), 'alerts.jsonl': this.alerts.finish() },
    };
  }

  /** Closes the files after a failure. */
  abandon(): void {
    this.orders.abandon();
    this.fills.abandon();
    this.alerts.abandon();
  }
}
