/**
 * The types of the export's one pass over a day's log (scan-day.ts): what it gathers, its options,
 * and where the derived payload bytes go.
 */
import type { AlertFilterConfig } from '../config.js';
import type { ScannedLine } from '../chain/lines.js';
import type { LineTree } from '../format/pack.js';
import type { WrittenFile } from '../fsx/byte-sink.js';
import type { EventFactsBase, MalformedLine } from './day-events.js';
import type { RecordsConsumer } from './scan-jobs.js';

/** Facts gathered in the pass. */
export interface DayFacts {
  readonly events: EventFactsBase['events'];
  readonly rows: EventFactsBase['rows'];
  readonly chain: {
    readonly first_seq: number | null;
    readonly last_seq: number | null;
    readonly start_prev: string | null;
    readonly end_hash: string | null;
  };
  /** The first MAX_REPORTED_MALFORMED malformed lines (the count is in events.malformed_lines). */
  readonly malformed: readonly MalformedLine[];
  /** The RFC 6962 tree over every line of the log, in order (docs/FORMAT.md, "The line tree"). */
  readonly lineTree: LineTree;
  /** Payload files written, by name under data/. */
  readonly files: Readonly<Record<string, WrittenFile>>;
}

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
  /** Hand batches to a worker thread (default true; without one, or if it fails, they run here). */
  threads?: boolean;
  /**
   * Also called with every line, in order, on this thread. The line's bytes are a view into the
   * read buffer, valid only during the call: copy what must outlive it.
   */
  onLine?: (line: ScannedLine) => void;
  /**
   * The compliance checks' records of every line (src/compliance/records.ts), taken in the same
   * scan as the rows; called on this thread in line order, batch by batch.
   */
  onRecords?: RecordsConsumer;
}

/** Where the derived payload bytes go: a file being written, or only a digest (verify). */
export interface PayloadSink {
  write(s: string): void;
  /** `b` is valid only during the call (its buffer holds a later batch's bytes next). */
  writeBytes(b: Uint8Array): void;
}

/** The derived payload of a day: orders.csv, fills.csv and alerts.jsonl. */
export interface DerivedSinks {
  readonly orders: PayloadSink;
  readonly fills: PayloadSink;
  readonly alerts: PayloadSink;
}

/** What DayScanner found, apart from the files (the reader knows the log's own bytes). */
export type DayScanFacts = Omit<DayFacts, 'files'>;
