/**
 * The per-line work of an export, apart from reading: classify each line (event or malformed),
 * count it, and render its rows of orders.csv and fills.csv and its line of alerts.jsonl. It works
 * on batches of lines and returns each batch's output bytes and counts; src/pack/scan-day.ts
 * writes them in order, whichever thread (this one or src/pack/scan-worker.ts) did the batch.
 */
import { isUtf8 } from 'node:buffer';
import type { AlertFilterConfig } from '../config.js';
import { CSV_RULES, CsvRowWriter, type CsvRules, FILL_COLUMNS, ORDER_COLUMNS } from './csv.js';
import { RecordWriter } from '../compliance/records.js';
import { GrowableByteSink } from '../fsx/byte-sink.js';
import { type EventLine, EventReader } from '../format/event-line.js';
import { plainHex64, seqOf, str } from '../format/event-line-bytes.js';
import { StringInterner } from '../json/strings.js';
import { KEY, KeyIndex } from './keys.js';

/** A line of the day's log that is not a well-formed event. */
export interface MalformedLine {
  /** 1-based line number in the log file. */
  readonly line: number;
  /** Byte offset of the line in the log file. */
  readonly offset: number;
  /** Length in bytes (without "\n"). */
  readonly length: number;
  /** What is wrong: `unterminated`, `too-long`, `invalid-utf8`, `invalid-json`, `too-deep`, `not-an-event`, `recovered-fragment`. */
  readonly reason:
    | 'unterminated'
    | 'too-long'
    | 'invalid-utf8'
    | 'invalid-json'
    | 'too-deep'
    | 'not-an-event'
    | 'recovered-fragment';
}

/** How many malformed lines are described individually (all are counted). */
export const MAX_REPORTED_MALFORMED = 1000;

/**
 * Numbers per line in a batch's meta: start, end, line number, file offset, kind, and where the
 * line's entry table is in the batch's tables (-1: the line was not read before; see line()).
 */
export const META = 6;
/** Line kinds in a batch's meta. */
export const LINE_COMPLETE = 0;
export const LINE_TOO_LONG = 1;
export const LINE_UNTERMINATED = 2;
/** A complete line that a following TornLineRecovered event describes: a recovered torn write, never an event. */
export const LINE_FRAGMENT = 3;

/** What one batch contributed; merged in order by DayFacts. */
export interface BatchDelta {
  total: number;
  late: number;
  byCategory: [string, number][];
  malformedCount: number;
  malformed: MalformedLine[];
  orders: number;
  fills: number;
  alerts: number;
  firstSeq: number | null;
  startPrev: string | null;
  lastSeq: number | null;
}

/** A processed batch: its rows and alert lines as bytes, and its counts. */
export interface BatchResult {
  readonly id: number;
  readonly orders: Uint8Array;
  readonly fills: Uint8Array;
  readonly alerts: Uint8Array;
  /**
   * The compliance checks' records of the batch's lines (src/compliance/records.ts: offsets into the
   * batch's bytes), empty when they do not run.
   */
  readonly records: Int32Array;
  readonly delta: BatchDelta;
}

const NO_RECORDS = new Int32Array(0);

/** The envelope values an event's rows and counts need. */
type RowEnvelope = Pick<EventLine, 'category' | 'event' | 'seq' | 'late' | 'prev'>;

/** Compiled alert filter: a few set lookups per event, no strings built. */
function compileAlertFilter(f: AlertFilterConfig): {
  categories: Set<string>;
  events: Map<string, Set<string>>;
  severities: Set<string>;
} {
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

/** A batch's outputs as process() returns them. */
export type BatchOutputs = Pick<BatchResult, 'orders' | 'fills' | 'alerts' | 'records'>;

/** Buffers for a batch's outputs are made in steps of this many bytes (a few sizes, each reused). */
const OUTPUT_STEP = 64 * 1024;

/**
 * A batch's records, rows and alert lines copied one after another (the records first, 4-byte
 * aligned) into `spare` when they fit, else into a new buffer a quarter larger than they need. The
 * copies go to the reading thread, which gives the buffer back with a later batch's job once it has
 * written them (scan-day.ts). A new buffer per batch (about 360 KB of rows and 700 KB of records for
 * 4,096 lines) was above glibc's mmap threshold at first; each one freed raised that threshold
 * (mallopt(3), M_MMAP_THRESHOLD's dynamic adjustment), after which the next came from the malloc
 * arenas, whose freed pages stay resident. Reused, they are allocated a few times a scan instead of
 * once a batch. A spare of length 0 (moved to a thread that then died: detached) is never used.
 */
export function outputsInto(
  records: Int32Array,
  orders: Uint8Array,
  fills: Uint8Array,
  alerts: Uint8Array,
  spare: ArrayBuffer | undefined,
): BatchOutputs {
  const needed = records.byteLength + orders.length + fills.length + alerts.length;
  const fits = spare !== undefined && spare.byteLength > 0 && spare.byteLength >= needed;
  const into = fits ? spare : new ArrayBuffer(Math.ceil((needed * 1.25) / OUTPUT_STEP) * OUTPUT_STEP);
  const r = new Int32Array(into, 0, records.length);
  r.set(records);
  let at = records.byteLength;
  const part = (v: Uint8Array): Uint8Array => {
    const p = new Uint8Array(into, at, v.length);
    p.set(v);
    at += v.length;
    return p;
  };
  return { records: r, orders: part(orders), fills: part(fills), alerts: part(alerts) };
}

/** Processes batches of lines; reusable (its buffers and caches persist across batches). */
export class BatchProcessor {
  private readonly filter;
  private readonly orderCsv: CsvRowWriter;
  private readonly fillCsv: CsvRowWriter;
  private readonly reader = new EventReader();
  private readonly table = this.reader.table;
  private readonly keys = new KeyIndex();
  private readonly severities = new StringInterner();
  /** Category and event names of lines read before (the reader interns its own). */
  private readonly categories = new StringInterner();
  private readonly events = new StringInterner(256);
  private readonly orders = new GrowableByteSink(1024 * 1024);
  private readonly fills = new GrowableByteSink(1024 * 1024);
  private readonly alerts = new GrowableByteSink(256 * 1024);
  private byCategory = new Map<string, number>();
  private total = 0;
  private late = 0;
  private malformedCount = 0;
  private malformed: MalformedLine[] = [];
  private nOrders = 0;
  private nFills = 0;
  private nAlerts = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;
  private startPrev: string | null = null;
  /** The rule fields of each line, taken from this scan, when the checks run. */
  private readonly records: RecordWriter | undefined;
  /** Where the next batch's copied outputs go when they fit (outputsInto): a buffer a written batch's were in. */
  spare: ArrayBuffer | undefined;

  /**
   * `checks`: also write the compliance checks' record of every line (one scan serves both);
   * `csvRules`: the CSV cell rules to write by (src/pack/csv.ts).
   */
  constructor(alertFilter: AlertFilterConfig, checks = false, csvRules: CsvRules = CSV_RULES) {
    this.orderCsv = new CsvRowWriter(ORDER_COLUMNS, csvRules);
    this.fillCsv = new CsvRowWriter(FILL_COLUMNS, csvRules);
    this.filter = compileAlertFilter(alertFilter);
    this.records = checks ? new RecordWriter() : undefined;
  }

  /**
   * Processes `count` lines described by `meta` (META numbers each) over `buf[0, used)`.
   * `copy`: return copies of the output (to send to another thread); otherwise views that stay
   * valid only until the next call.
   */
  /**
   * `tables`: the entry tables of lines already read as events (meta's sixth number says where).
   */
  process(
    id: number,
    buf: Buffer,
    used: number,
    meta: Float64Array,
    count: number,
    copy: boolean,
    tables?: Int32Array,
  ): BatchResult {
    // Valid UTF-8 split at "\n" stays valid: one check covers every line of a clean batch.
    const allUtf8 = isUtf8(used === buf.length ? buf : buf.subarray(0, used));
    for (let i = 0; i < count; i++) {
      const o = i * META;
      const start = meta[o] as number;
      const end = meta[o + 1] as number;
      const kind = meta[o + 4];
      const at = tables === undefined ? -1 : (meta[o + 5] as number);
      if (kind === LINE_COMPLETE && at >= 0) this.readLine(buf, start, end, tables as Int32Array, at);
      else if (kind === LINE_COMPLETE)
        this.line(buf, start, end, meta[o + 2] as number, meta[o + 3] as number, allUtf8);
      else {
        // A recovered fragment is never an event, for the checks either (docs/FORMAT.md).
        this.records?.notEvent();
        this.bad(
          meta[o + 2] as number,
          meta[o + 3] as number,
          end - start,
          kind === LINE_TOO_LONG ? 'too-long' : kind === LINE_FRAGMENT ? 'recovered-fragment' : 'unterminated',
        );
      }
    }
    const delta: BatchDelta = {
      total: this.total,
      late: this.late,
      byCategory: [...this.byCategory],
      malformedCount: this.malformedCount,
      malformed: this.malformed,
      orders: this.nOrders,
      fills: this.nFills,
      alerts: this.nAlerts,
      firstSeq: this.firstSeq,
      startPrev: this.startPrev,
      lastSeq: this.lastSeq,
    };
    this.byCategory = new Map();
    this.total = this.late = this.malformedCount = this.nOrders = this.nFills = this.nAlerts = 0;
    this.malformed = [];
    this.firstSeq = this.lastSeq = null;
    this.startPrev = null;
    const records = this.records === undefined ? NO_RECORDS : this.records.view();
    const [o, f, a] = [this.orders.view(), this.fills.view(), this.alerts.view()];
    // Views stay valid until the next batch: clear() only resets where the sinks write next.
    const outputs = copy ? outputsInto(records, o, f, a, this.spare) : { records, orders: o, fills: f, alerts: a };
    this.spare = undefined;
    this.orders.clear();
    this.fills.clear();
    this.alerts.clear();
    this.records?.clear();
    return { id, ...outputs, delta };
  }

  /** Records a line that cannot be an event. */
  private bad(lineNumber: number, offset: number, length: number, reason: MalformedLine['reason']): void {
    this.malformedCount++;
    if (this.malformed.length < MAX_REPORTED_MALFORMED)
      this.malformed.push({ line: lineNumber, offset, length, reason });
  }

  /**
   * One complete (terminated, not too long) line: `line[start, end)` without "\n". `utf8Known`:
   * the caller already knows these bytes are valid UTF-8 (a whole batch checked at once).
   */
  private line(line: Buffer, start: number, end: number, lineNumber: number, offset: number, utf8Known: boolean): void {
    const length = end - start;
    // What an event is: src/format/event-line.ts, the definition verify uses too.
    const r = this.reader.read(line, start, end, utf8Known);
    if (!r.ok) {
      this.records?.other(line, start, end);
      return this.bad(lineNumber, offset, length, r.kind);
    }
    const ev = r.ev;
    this.keys.index(line, this.table);
    this.event(line, start, end, ev);
  }

  /**
   * A line the reading thread already read as an event with the same reader (src/format/event-line.ts,
   * verify's log check): its entry table is taken instead of reading the line again, and the few
   * envelope values the rows need are taken from it. The verdict and the entries are the reader's,
   * so the rows are the same as from line().
   */
  private readLine(line: Buffer, start: number, end: number, tables: Int32Array, at: number): void {
    const table = this.table;
    table.readFrom(tables, at);
    const keys = this.keys;
    keys.index(line, table);
    const k = keys.at;
    const category = this.categories.value(line, table, k[KEY.category] as number) as string;
    const event = this.events.value(line, table, k[KEY.event] as number) as string;
    const seq = seqOf(line, table, k[KEY.seq] as number);
    const prevAt = k[KEY.prev] as number;
    const prev =
      this.firstSeq === null ? ((plainHex64(line, table, prevAt) ?? str(line, table, prevAt)) as string) : '';
    this.event(line, start, end, { category, event, seq, late: (k[KEY.late] as number) >= 0, prev });
  }

  /** Counts the event `line[start, end)`, read into this.table and keys, and writes its rows; `prev` matters for the first only. */
  private event(line: Buffer, start: number, end: number, ev: RowEnvelope): void {
    const { category, event, seq } = ev;
    const table = this.table;
    const keys = this.keys;
    this.records?.event(line, table, keys.fields);
    this.total++;
    this.byCategory.set(category, (this.byCategory.get(category) ?? 0) + 1);
    if (ev.late) this.late++;
    if (this.firstSeq === null) {
      this.firstSeq = seq;
      this.startPrev = ev.prev;
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
}

/** Merges batch deltas, in batch order, into the day's facts. */
export class FactsAccumulator {
  private readonly byCategory = new Map<string, number>();
  private total = 0;
  private late = 0;
  private malformedCount = 0;
  private readonly malformed: MalformedLine[] = [];
  private orders = 0;
  private fills = 0;
  private alerts = 0;
  private firstSeq: number | null = null;
  private startPrev: string | null = null;
  private lastSeq: number | null = null;

  merge(d: BatchDelta): void {
    this.total += d.total;
    this.late += d.late;
    for (const [k, v] of d.byCategory) this.byCategory.set(k, (this.byCategory.get(k) ?? 0) + v);
    this.malformedCount += d.malformedCount;
    for (const m of d.malformed) if (this.malformed.length < MAX_REPORTED_MALFORMED) this.malformed.push(m);
    this.orders += d.orders;
    this.fills += d.fills;
    this.alerts += d.alerts;
    if (this.firstSeq === null && d.firstSeq !== null) {
      this.firstSeq = d.firstSeq;
      this.startPrev = d.startPrev;
    }
    if (d.lastSeq !== null) this.lastSeq = d.lastSeq;
  }

  facts(): EventFactsBase {
    const byCategory: Record<string, number> = Object.create(null) as Record<string, number>; // "__proto__" is a legal category
    for (const k of [...this.byCategory.keys()].sort()) byCategory[k] = this.byCategory.get(k) as number;
    return {
      events: { total: this.total, by_category: byCategory, malformed_lines: this.malformedCount, late: this.late },
      rows: { orders: this.orders, fills: this.fills, alerts: this.alerts },
      first_seq: this.firstSeq,
      last_seq: this.lastSeq,
      start_prev: this.startPrev,
      malformed: this.malformed,
    };
  }
}

/** The day's facts from the per-line work (the chain's end hash comes from the reader). */
export interface EventFactsBase {
  readonly events: {
    readonly total: number;
    readonly by_category: Record<string, number>;
    readonly malformed_lines: number;
    readonly late: number;
  };
  readonly rows: { readonly orders: number; readonly fills: number; readonly alerts: number };
  readonly first_seq: number | null;
  readonly last_seq: number | null;
  readonly start_prev: string | null;
  readonly malformed: readonly MalformedLine[];
}
