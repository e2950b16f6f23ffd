/**
 * The export's one pass over a day's log: a single streaming read (src/chain/lines.ts) feeds the
 * byte-exact copy `data/audit.jsonl`, both CSVs, `data/alerts.jsonl`, the event counts and the
 * chain facts. Memory stays bounded by the read chunk and the writers' buffers, whatever the
 * day's size. Malformed lines never stop it: they are counted and described.
 */
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import type { AlertFilterConfig } from '../config.js';
import { scanLines, type ScannedLine } from '../chain/lines.js';
import { wrapFsError } from '../errors.js';
import { CsvRowWriter, FILL_COLUMNS, ORDER_COLUMNS, csvHeader } from './csv.js';
import { HashingWriter, type WrittenFile } from './files.js';
import { EntryTable, Kind, LineShape, scanJsonLine } from './json-line.js';
import { KEY, KeyIndex, integerValue, stringValue } from './keys.js';

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

/** Facts gathered in the pass. */
export interface DayFacts {
  readonly events: {
    readonly total: number;
    readonly by_category: Record<string, number>;
    readonly malformed_lines: number;
    readonly late: number;
  };
  readonly rows: { readonly orders: number; readonly fills: number; readonly alerts: number };
  readonly chain: {
    readonly first_seq: number | null;
    readonly last_seq: number | null;
    readonly start_prev: string | null;
    readonly end_hash: string | null;
  };
  /** The first MAX_REPORTED malformed lines (the count is in events.malformed_lines). */
  readonly malformed: readonly MalformedLine[];
  /** Payload files written, by name under data/. */
  readonly files: Readonly<Record<string, WrittenFile>>;
}

/** How many malformed lines are described individually (all are counted). */
export const MAX_REPORTED_MALFORMED = 1000;

export interface ScanDayOptions {
  /** The day's log file; may not exist (a day without events). */
  logFile: string;
  /** The pack's data/ directory (exists, empty). */
  dataDir: string;
  alertFilter: AlertFilterConfig;
  /** Called with bytes read so far and the file's size, about every 8 MiB. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** File size if known (for progress). */
  totalBytes?: number;
}

/** Compiled alert filter: a few map lookups per event, no strings built. */
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

/** Reads the day's log once and writes data/audit.jsonl, orders.csv, fills.csv and alerts.jsonl. */
export async function scanDay(options: ScanDayOptions): Promise<DayFacts> {
  const filter = compileAlertFilter(options.alertFilter);
  const orderCsv = new CsvRowWriter(ORDER_COLUMNS);
  const fillCsv = new CsvRowWriter(FILL_COLUMNS);
  const table = new EntryTable();
  const keys = new KeyIndex();
  const audit = new HashingWriter(join(options.dataDir, 'audit.jsonl'));
  const writers: HashingWriter[] = [audit];
  const open = (name: string): HashingWriter => {
    const w = new HashingWriter(join(options.dataDir, name));
    writers.push(w);
    return w;
  };
  try {
    const orders = open('orders.csv');
    const fills = open('fills.csv');
    const alerts = open('alerts.jsonl');
    orders.write(csvHeader(ORDER_COLUMNS));
    fills.write(csvHeader(FILL_COLUMNS));

    const byCategory = new Map<string, number>();
    let total = 0;
    let late = 0;
    let malformedCount = 0;
    const malformed: MalformedLine[] = [];
    let nOrders = 0;
    let nFills = 0;
    let nAlerts = 0;
    let firstSeq: number | null = null;
    let lastSeq: number | null = null;
    let startPrev: string | null = null;
    let endHash: string | null = null;
    let read = 0;
    let nextProgress = 8 * 1024 * 1024;
    const totalBytes = options.totalBytes ?? 0;

    const bad = (l: ScannedLine, reason: MalformedLine['reason']): void => {
      malformedCount++;
      if (malformed.length < MAX_REPORTED_MALFORMED) {
        malformed.push(Object.freeze({ line: l.lineNumber, offset: l.offset, length: l.length, reason }));
      }
    };

    const onLine = (l: ScannedLine): void => {
      if (l.terminated) endHash = l.hash;
      else return bad(l, 'unterminated');
      const line = l.bytes;
      if (line === undefined) return bad(l, 'too-long');
      if (!isUtf8(line)) return bad(l, 'invalid-utf8');
      const shape = scanJsonLine(line, line.length, table);
      if (shape === LineShape.Invalid) return bad(l, 'invalid-json');
      if (shape !== LineShape.Object) return bad(l, 'not-an-event');
      keys.index(line, table);
      const category = stringValue(line, table, keys.at[KEY.category] as number);
      const event = stringValue(line, table, keys.at[KEY.event] as number);
      if (category === undefined || event === undefined) return bad(l, 'not-an-event');
      total++;
      byCategory.set(category, (byCategory.get(category) ?? 0) + 1);
      const lateAt = keys.at[KEY.late] as number;
      if (lateAt >= 0 && table.kind[lateAt] === Kind.True) late++;
      const seq = integerValue(line, table, keys.at[KEY.seq] as number);
      if (seq !== undefined) {
        if (firstSeq === null) {
          firstSeq = seq;
          startPrev = stringValue(line, table, keys.at[KEY.prev] as number) ?? null;
        }
        lastSeq = seq;
      }
      if (category === 'order') {
        orderCsv.write(orders, line, table, keys);
        nOrders++;
      } else if (category === 'fill') {
        fillCsv.write(fills, line, table, keys);
        nFills++;
      }
      let alert = filter.categories.has(category) || filter.events.get(category)?.has(event) === true;
      if (!alert && filter.severities.size > 0) {
        const sev = stringValue(line, table, keys.at[KEY.severity] as number);
        alert = sev !== undefined && filter.severities.has(sev.toUpperCase());
      }
      if (alert) {
        alerts.slice(line, 0, line.length);
        alerts.byte(0x0a);
        nAlerts++;
      }
    };

    try {
      await scanLines(options.logFile, onLine, {
        onChunk: (chunk) => {
          audit.writeBytes(chunk);
          read += chunk.length;
          if (options.onProgress !== undefined && read >= nextProgress) {
            nextProgress = read + 8 * 1024 * 1024;
            options.onProgress(read, totalBytes);
          }
        },
      });
    } catch (err) {
      // No log for the day: a valid, empty pack (weekends exist). Anything else is an error.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(err, 'read', options.logFile);
    }

    const files: Record<string, WrittenFile> = Object.create(null) as Record<string, WrittenFile>;
    files['audit.jsonl'] = audit.finish();
    files['orders.csv'] = orders.finish();
    files['fills.csv'] = fills.finish();
    files['alerts.jsonl'] = alerts.finish();
    return {
      events: { total, by_category: sortedCounts(byCategory), malformed_lines: malformedCount, late },
      rows: { orders: nOrders, fills: nFills, alerts: nAlerts },
      chain: { first_seq: firstSeq, last_seq: lastSeq, start_prev: startPrev, end_hash: endHash },
      malformed,
      files,
    };
  } catch (err) {
    for (const w of writers) w.abandon();
    throw err;
  }
}

function sortedCounts(m: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>; // "__proto__" is a legal category
  for (const k of [...m.keys()].sort()) out[k] = m.get(k) as number;
  return out;
}
