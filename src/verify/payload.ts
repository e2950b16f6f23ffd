/**
 * A pack's orders.csv, fills.csv and alerts.jsonl held to its log: they are derived again from
 * data/audit.jsonl with the export's own code (src/pack/scan-day.ts DayScanner, the alert filter
 * manifest.json recorded) and must be byte for byte what that gives. So every CSV cell is what
 * export derives from the line with that seq, and alerts.jsonl is exactly the lines the filter
 * selects — a price edited in orders.csv, or an alert line dropped, with every hash recomputed and
 * the signature removed, is still found. When a file differs, a second pass names the first record
 * that differs and, for a CSV, the column.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { scanLines, type ScannedLine } from '../chain/lines.js';
import { SEQ_SALVAGE_RE } from '../format/log-line.js';
import { PACK_PATH, type RecordedAlertFilter } from '../format/pack.js';
import { openRegularSync } from '../fsx/regular.js';
import { CSV_RULES, type CsvRules, FILL_COLUMNS, ORDER_COLUMNS } from '../pack/csv.js';
import { AuditpackError } from '../errors.js';
import { DayScanner, type DerivedDigests, type PayloadSink, type RecordsConsumer } from '../pack/scan-day.js';
import type { EntryTable } from '../json/line-scanner.js';
import type { CollectedFile } from './pack-facts.js';
import type { Findings } from './report.js';

/** The derived files, by path in the pack. */
export const DERIVED_FILES = Object.freeze([PACK_PATH.orders, PACK_PATH.fills, PACK_PATH.alerts]);
/** A derived file's path in the pack: one of DERIVED_FILES. */
type DerivedPath = string;

/** The name a recovery event in this pack's log must give (`audit-YYYYMMDD.jsonl`). */
function logNameOf(date: string | undefined): string | undefined {
  return date === undefined ? undefined : `audit-${date.replaceAll('-', '')}.jsonl`;
}

function filterOf(r: RecordedAlertFilter): {
  categories: readonly string[];
  events: readonly string[];
  severities: readonly string[];
} {
  return { categories: r.categories, events: r.events, severities: r.severities };
}

/** What a derivation gives: the derived files' sizes and hashes, and the log's line tree. */
export interface Derived {
  readonly files: ReadonlyMap<DerivedPath, CollectedFile>;
  /** The RFC 6962 tree over every line pushed (the export's own accumulator). */
  readonly lineTree: { readonly leaves: number; readonly root: string };
}

/**
 * Derives the three files from log lines pushed in order. With `threads`, the export's batches
 * run on its worker thread (src/pack/scan-day.ts) while this thread goes on reading the log, and
 * the derived bytes are hashed there too (only their sizes and digests are kept: scan-digests.ts);
 * the digests are the same either way.
 */
export class PayloadDerivation {
  private readonly scanner: DayScanner;
  private readonly again: () => Promise<DerivedDigests>;

  /**
   * `onRecords`: also take the compliance checks' records of every line from the same scan (as
   * the export's checks do), so the re-check does not read each line again. `csvRules`: the CSV
   * cell rules the pack was made under (manifest.json `csv_rules`). `log`: the file the lines are
   * read from, derived again should the thread be lost with the digests it kept (else that is an error).
   */
  constructor(
    filter: RecordedAlertFilter,
    date: string | undefined,
    threads = false,
    onRecords?: RecordsConsumer,
    csvRules: CsvRules = CSV_RULES,
    log?: string,
  ) {
    this.scanner = new DayScanner('digest', filterOf(filter), logNameOf(date), threads, onRecords, true, csvRules);
    this.again = () => digestsOfLog(log, filter, date, csvRules);
  }

  /**
   * The next line; `read`: the entry table the log check's reading of it as an event left
   * (log-line.ts lastEntries), so the derivation does not read the line again; `category`: with
   * `read`, the category it was read as.
   */
  push(l: ScannedLine, read?: EntryTable, category?: string): void {
    this.scanner.push(l, read, category);
  }

  /** Waits, at most `timeoutMs`, until the thread runs or is lost (DayScanner.untilRunning). */
  async untilRunning(timeoutMs: number): Promise<void> {
    await this.scanner.untilRunning(timeoutMs);
  }

  /**
   * Undefined while the read may go on, else a promise for when it may: as the export's read
   * (scan-day.ts room), the batches cut and not yet derived stay few, and with them the spare batch
   * buffers kept to the end of the pass.
   */
  room(): Promise<void> | undefined {
    return this.scanner.room();
  }

  /** The derived files' sizes and hashes, and the line tree; stops the thread, if any. */
  async finish(): Promise<Derived> {
    try {
      const facts = await this.scanner.finish();
      const d = this.scanner.derivedDigests() ?? (await this.again());
      return {
        files: new Map<DerivedPath, CollectedFile>([
          [PACK_PATH.orders, d.orders],
          [PACK_PATH.fills, d.fills],
          [PACK_PATH.alerts, d.alerts],
        ]),
        lineTree: facts.lineTree,
      };
    } finally {
      await this.scanner.close();
    }
  }

  /** Stops the thread without waiting for results (after a read failed). */
  async close(): Promise<void> {
    await this.scanner.close();
  }
}

/**
 * The derived files' digests from the log file, on this thread: when the derivation's thread was lost
 * with the digests it kept (a rare fallback: the whole log is read again), never a guess.
 */
async function digestsOfLog(
  log: string | undefined,
  filter: RecordedAlertFilter,
  date: string | undefined,
  csvRules: CsvRules,
): Promise<DerivedDigests> {
  if (log === undefined)
    throw new AuditpackError(
      'WORKER_FAILED',
      'payload derivation: the thread was lost with the derived files’ digests',
    );
  const scanner = new DayScanner('digest', filterOf(filter), logNameOf(date), false, undefined, false, csvRules);
  try {
    await scanLines(log, (l) => scanner.push(l), { view: true, noFollow: true });
    await scanner.finish();
  } finally {
    await scanner.close();
  }
  return scanner.derivedDigests() as DerivedDigests;
}

/**
 * Compares the derived files with the pack's; returns the paths that differ (each one finding).
 * `explain` gives the first differing record, when it can be found (pack directories).
 */
export async function judgeDerived(
  derived: ReadonlyMap<DerivedPath, CollectedFile>,
  files: ReadonlyMap<string, CollectedFile>,
  f: Findings,
  explain?: (path: DerivedPath) => Promise<string | undefined>,
): Promise<void> {
  for (const [path, want] of derived) {
    const got = files.get(path);
    if (got === undefined || got.sha256 === want.sha256) continue; // a missing file is already PACK_FILE_MISSING
    const where = explain === undefined ? undefined : await explain(path).catch(() => undefined);
    const what =
      path === PACK_PATH.alerts
        ? 'the lines the recorded alert_filter selects from data/audit.jsonl'
        : 'what export derives from data/audit.jsonl';
    f.add(
      path === PACK_PATH.alerts ? 'PACK_ALERTS_MISMATCH' : 'PACK_CSV_MISMATCH',
      'error',
      path,
      `is not ${what} (${got.size} bytes, expected ${want.size})${where === undefined ? '' : `: ${where}`}`,
    );
  }
}

/** [start, end) of each record of CSV bytes (RFC 4180: a CRLF inside quotes does not end one). */
function csvRecordSpans(b: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x0a && !quoted) {
      out.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < b.length) out.push([start, b.length]);
  return out;
}

function lineSpans(b: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a) {
      out.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < b.length) out.push([start, b.length]);
  return out;
}

/** The fields of one CSV record (quotes removed, doubled quotes undone; its line end dropped). */
function csvFields(rec: string): string[] {
  const s = rec.endsWith('\r\n') ? rec.slice(0, -2) : rec.endsWith('\n') ? rec.slice(0, -1) : rec;
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const show = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/**
 * Derives `path` again while reading the pack's copy alongside; returns a sentence naming the first
 * record that differs (its number, seq and column), or undefined when none could be named.
 */
export async function explainDifference(
  packDir: string,
  path: DerivedPath,
  filter: RecordedAlertFilter,
  date: string | undefined,
  csvRules: CsvRules = CSV_RULES,
): Promise<string | undefined> {
  const fd = openRegularSync(`${packDir}/${path}`); // a FIFO is refused, never waited on
  try {
    const csv = path !== PACK_PATH.alerts;
    let offset = 0;
    let records = 0;
    let found: { chunk: Buffer; chunkStart: number; at: number; recordsBefore: number } | undefined;
    // Each derived chunk (whole records: a header, or a batch's rows) against the same bytes of the file.
    const compare = (b: Uint8Array): void => {
      if (found !== undefined || b.length === 0) return;
      const chunk = Buffer.from(b);
      const mine = Buffer.alloc(chunk.length);
      const n = readSync(fd, mine, 0, chunk.length, offset);
      let i = 0;
      while (i < chunk.length && i < n && chunk[i] === mine[i]) i++;
      if (i < chunk.length) found = { chunk, chunkStart: offset, at: offset + i, recordsBefore: records };
      else records += (csv ? csvRecordSpans(chunk) : lineSpans(chunk)).length;
      offset += chunk.length;
    };
    const comparing: PayloadSink = { write: (s) => compare(Buffer.from(s, 'utf8')), writeBytes: compare };
    const none: PayloadSink = { write: () => {}, writeBytes: () => {} };
    const scanner = new DayScanner(
      {
        orders: path === PACK_PATH.orders ? comparing : none,
        fills: path === PACK_PATH.fills ? comparing : none,
        alerts: path === PACK_PATH.alerts ? comparing : none,
      },
      filterOf(filter),
      logNameOf(date),
      false,
      undefined,
      false,
      csvRules,
    );
    try {
      await scanLines(`${packDir}/data/audit.jsonl`, (l) => scanner.push(l), { view: true, noFollow: true });
      await scanner.finish();
    } finally {
      await scanner.close();
    }
    const size = fstatSync(fd).size;
    const unit = csv ? 'record' : 'line';
    if (found === undefined) {
      return size > offset
        ? `the file goes on after the ${records} ${unit}s derived from the log (from byte ${offset})`
        : undefined;
    }
    const f0 = found;
    const spans = csv ? csvRecordSpans(f0.chunk) : lineSpans(f0.chunk);
    const k = Math.max(
      0,
      spans.findIndex(([, e]) => f0.chunkStart + e > f0.at),
    );
    const [rs, re] = spans[k] as [number, number];
    const recordNo = f0.recordsBefore + k + 1; // 1-based; in a CSV the header is record 1
    const expected = f0.chunk.toString('utf8', rs, re);
    const actualBuf = Buffer.alloc(Math.min(1024 * 1024, Math.max(0, size - (f0.chunkStart + rs))));
    const n = readSync(fd, actualBuf, 0, actualBuf.length, f0.chunkStart + rs);
    const aspans = csv ? csvRecordSpans(actualBuf.subarray(0, n)) : lineSpans(actualBuf.subarray(0, n));
    const actual = aspans.length === 0 ? '' : actualBuf.toString('utf8', 0, (aspans[0] as [number, number])[1]);
    if (actual === '') return `the file ends where ${unit} ${recordNo} derived from the log should be`;
    if (!csv) {
      const seq = SEQ_SALVAGE_RE.exec(expected)?.[1];
      return `line ${recordNo} is not the event the filter selects next${seq === undefined ? '' : ` (seq ${seq})`}: ${show(actual.trimEnd())} instead of ${show(expected.trimEnd())}`;
    }
    if (expected.endsWith('\r\n') && actual.endsWith('\n') && !actual.endsWith('\r\n'))
      return `record ${recordNo} ends with LF, not CRLF (RFC 4180)`;
    if (recordNo === 1) return `the header is ${show(actual.trimEnd())}, not ${show(expected.trimEnd())}`;
    const cols = [...(path === PACK_PATH.fills ? FILL_COLUMNS : ORDER_COLUMNS), 'extra'];
    const want = csvFields(expected);
    const got = csvFields(actual);
    const seq = want[1] ?? '?';
    const c = want.findIndex((v, i) => got[i] !== v);
    if (c === -1)
      return `record ${recordNo} (seq ${seq}) has ${got.length} fields, or other quoting, where export writes ${want.length}`;
    return `record ${recordNo} (seq ${seq}): ${cols[c] ?? `column ${c + 1}`} is ${show(got[c] ?? '(missing)')}, but the log's line with seq ${seq} gives ${show(want[c] as string)}`;
  } finally {
    closeSync(fd);
  }
}
