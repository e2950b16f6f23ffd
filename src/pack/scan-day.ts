/**
 * The export's one pass over a day's log: a single streaming read (src/chain/lines.ts) feeds the
 * byte-exact copy `data/audit.jsonl`, both CSVs, `data/alerts.jsonl`, the event counts and the
 * chain facts. Malformed lines never stop it: they are counted and described.
 *
 * Lines are cut into batches (1 MiB). With the compiled build a worker thread
 * (src/pack/scan-worker.ts) processes batches on the second core; this thread hands a batch to it
 * through a fixed ring of 8 shared slots when one is free and otherwise processes the batch itself,
 * so both cores stay busy whatever their speeds (docs/decisions.md). Results are written in batch
 * order, so the files are the same as from a single thread. Memory stays bounded: the ring is fixed
 * and at most a few batch results wait to be written. From TypeScript sources (unit tests) every
 * batch runs in this thread.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AlertFilterConfig } from '../config.js';
import { scanLines, type ScannedLine } from '../chain/lines.js';
import { AuditpackError, wrapFsError, type AuditpackErrorCode } from '../errors.js';
import { csvHeader, FILL_COLUMNS, ORDER_COLUMNS } from './csv.js';
import { recoversFragment } from './event-line.js';
import { BatchProcessor, FactsAccumulator, LINE_COMPLETE, LINE_FRAGMENT, LINE_TOO_LONG, LINE_UNTERMINATED, META, type BatchResult, type EventFactsBase, type MalformedLine } from './day-events.js';
import { HashingWriter, type WrittenFile } from './files.js';

export { MAX_REPORTED_MALFORMED, type MalformedLine } from './day-events.js';

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
  /** Use a worker thread when the compiled worker is available (default true). */
  threads?: boolean;
  /** Also called with every line, in order, on this thread (the compliance checks read the day here, in the same pass). */
  onLine?: (line: ScannedLine) => void;
}

const WORKER_URL = new URL('./scan-worker.js', import.meta.url);
const SLOTS = 8;
const BATCH_BYTES = 1024 * 1024;
const BATCH_LINES = 8192;

/** A worker and its ring of shared slots. */
interface Helper {
  readonly worker: Worker;
  readonly state: Int32Array;
  readonly bufs: Buffer[];
  readonly metas: Float64Array[];
}

function startHelper(alertFilter: AlertFilterConfig, onResult: (r: BatchResult) => void, onError: (e: AuditpackError) => void): Helper {
  const state = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
  const bufs = Array.from({ length: SLOTS }, () => Buffer.from(new SharedArrayBuffer(BATCH_BYTES)));
  const metas = Array.from({ length: SLOTS }, () => new Float64Array(new SharedArrayBuffer(8 * META * BATCH_LINES)));
  const worker = new Worker(WORKER_URL, { workerData: { alertFilter, state, bufs: bufs.map((b) => b.buffer), metas: metas.map((m) => m.buffer) } });
  worker.on('message', (m: { type: 'result'; result: BatchResult } | { type: 'error'; code: AuditpackErrorCode; message: string; stack?: string }) => {
    if (m.type === 'result') onResult(m.result);
    else onError(new AuditpackError(m.code, m.message, m.code === 'INTERNAL' ? { cause: new Error(m.stack ?? m.message) } : {}));
  });
  worker.on('error', (err) => onError(new AuditpackError('INTERNAL', `export worker failed: ${err.message}`, { cause: err })));
  return { worker, state, bufs, metas };
}

/** Reads the day's log once and writes data/audit.jsonl, orders.csv, fills.csv and alerts.jsonl. */
export async function scanDay(options: ScanDayOptions): Promise<DayFacts> {
  const useWorker = options.threads !== false && existsSync(fileURLToPath(WORKER_URL));
  const writers: HashingWriter[] = [];
  let helper: Helper | undefined;
  try {
    for (const name of ['audit.jsonl', 'orders.csv', 'fills.csv', 'alerts.jsonl']) writers.push(new HashingWriter(join(options.dataDir, name)));
    const [audit, orders, fills, alerts] = writers as [HashingWriter, HashingWriter, HashingWriter, HashingWriter];
    orders.write(csvHeader(ORDER_COLUMNS));
    fills.write(csvHeader(FILL_COLUMNS));

    // In-order delivery of batch results, whichever thread made them.
    const acc = new FactsAccumulator();
    const pending = new Map<number, BatchResult>();
    let nextToWrite = 0;
    let failure: AuditpackError | undefined;
    let wake: (() => void) | undefined;
    const write = (r: BatchResult): void => {
      orders.writeBytes(r.orders);
      fills.writeBytes(r.fills);
      alerts.writeBytes(r.alerts);
      acc.merge(r.delta);
      nextToWrite++;
    };
    const deliver = (r: BatchResult, isView: boolean): void => {
      if (r.id === nextToWrite) {
        write(r);
        for (let n = pending.get(nextToWrite); n !== undefined; n = pending.get(nextToWrite)) {
          pending.delete(nextToWrite);
          write(n);
        }
      } else {
        // Views of the local processor's buffers are reused by its next batch: keep copies.
        pending.set(r.id, isView ? { ...r, orders: Buffer.from(r.orders), fills: Buffer.from(r.fills), alerts: Buffer.from(r.alerts) } : r);
      }
      wake?.();
    };
    if (useWorker) {
      helper = startHelper(
        options.alertFilter,
        (r) => {
          try {
            deliver(r, false);
          } catch (err) {
            failure = err instanceof AuditpackError ? err : new AuditpackError('INTERNAL', String(err), { cause: err });
            wake?.();
          }
        },
        (e) => {
          failure = e;
          wake?.();
        },
      );
    }
    const local = new BatchProcessor(options.alertFilter);

    let batchId = 0;
    let buf = Buffer.allocUnsafe(BATCH_BYTES);
    let meta = new Float64Array(META * BATCH_LINES);
    let used = 0;
    let count = 0;
    const dispatch = (): void => {
      if (count === 0) return;
      if (failure) throw failure;
      const id = batchId++;
      let slot = -1;
      if (helper !== undefined && used <= BATCH_BYTES) {
        for (let i = 0; i < SLOTS; i++) {
          if (Atomics.load(helper.state, i) === 0) {
            slot = i;
            break;
          }
        }
      }
      if (slot >= 0 && helper !== undefined) {
        buf.copy(helper.bufs[slot] as Buffer, 0, 0, used);
        (helper.metas[slot] as Float64Array).set(meta.subarray(0, count * META));
        Atomics.store(helper.state, slot, 1);
        helper.worker.postMessage({ type: 'batch', id, slot, used, count });
      } else {
        deliver(local.process(id, buf, used, meta, count, false), true);
      }
      used = 0;
      count = 0;
    };
    // The line before, while it is still in the batch: a recovery event right after it makes it a
    // recovered fragment (docs/FORMAT.md "Torn lines"), never an event, whatever its bytes.
    const before = { hash: '', length: 0, offset: 0 };
    let haveBefore = false;
    const file = basename(options.logFile);
    const onLine = (l: ScannedLine): void => {
      const complete = l.terminated && l.bytes !== undefined;
      if (complete && haveBefore && count > 0 && meta[(count - 1) * META + 4] === LINE_COMPLETE && recoversFragment(l.bytes as Buffer, before, file)) {
        meta[(count - 1) * META + 4] = LINE_FRAGMENT;
      }
      haveBefore = complete;
      if (complete) {
        before.hash = l.hash;
        before.length = l.length;
        before.offset = l.offset;
      }
      const len = complete ? l.length : 0;
      if (count === BATCH_LINES || used + len > buf.length) {
        dispatch();
        if (len > buf.length) buf = Buffer.allocUnsafe(len); // a line longer than a batch: this thread does it
      }
      const o = count * META;
      meta[o] = used;
      if (len > 0) used += (l.bytes as Buffer).copy(buf, used);
      meta[o + 1] = complete ? used : used + l.length; // for malformed kinds only the length matters
      meta[o + 2] = l.lineNumber;
      meta[o + 3] = l.offset;
      meta[o + 4] = complete ? LINE_COMPLETE : l.terminated ? LINE_TOO_LONG : LINE_UNTERMINATED;
      count++;
    };

    let endHash: string | null = null;
    const tap = options.onLine;
    let read = 0;
    let nextProgress = 8 * 1024 * 1024;
    const totalBytes = options.totalBytes ?? 0;
    try {
      await scanLines(
        options.logFile,
        (l) => {
          if (l.terminated) endHash = l.hash;
          onLine(l);
          tap?.(l);
        },
        {
          onChunk: (chunk) => {
            audit.writeBytes(chunk);
            read += chunk.length;
            if (options.onProgress !== undefined && read >= nextProgress) {
              nextProgress = read + 8 * 1024 * 1024;
              options.onProgress(read, totalBytes);
            }
          },
        },
      );
    } catch (err) {
      // No log for the day: a valid, empty pack (weekends exist). Anything else is an error.
      if (err instanceof AuditpackError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(err, 'read', options.logFile);
    }
    dispatch();
    while (nextToWrite < batchId) {
      if (failure) throw failure;
      await new Promise<void>((res) => {
        wake = res;
      });
      wake = undefined;
    }
    if (failure) throw failure;

    const files: Record<string, WrittenFile> = {};
    for (const [name, w] of [['audit.jsonl', audit], ['orders.csv', orders], ['fills.csv', fills], ['alerts.jsonl', alerts]] as const) files[name] = w.finish();
    const f = acc.facts();
    return {
      events: f.events,
      rows: f.rows,
      chain: { first_seq: f.first_seq, last_seq: f.last_seq, start_prev: f.start_prev, end_hash: endHash },
      malformed: f.malformed,
      files,
    };
  } catch (err) {
    for (const w of writers) w.abandon();
    throw err;
  } finally {
    if (helper !== undefined) await helper.worker.terminate();
  }
}
