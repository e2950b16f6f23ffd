/**
 * The export scan's jobs (scan-day.ts): a batch of lines is processed into its rows and alert
 * lines, by the worker thread (scan-worker.ts, reading the batch from a ring of shared slots) or on
 * the reading thread (reading the batch where it was cut). One handler for both, so both threads
 * derive the same bytes.
 */
import type { AlertFilterConfig } from '../config.js';
import { AuditpackError } from '../errors.js';
import { DEFAULT_CHUNK_BYTES } from '../chain/lines.js';
import { type LineSubtrees, lineSubtrees } from '../merkle/index.js';
import type { SetupJobs } from '../worker/index.js';
import { CSV_RULES, type CsvRules } from './csv.js';
import { BatchProcessor, type BatchResult, META, outputsInto } from './day-events.js';
import { BatchDigests, type DigestAnswer, type DigestEnd, type DigestJob, NO_OUTPUT } from './scan-digests.js';

/** Name of the export's scan thread (stats, workerActivity, NODE_DEBUG=auditpack). */
export const SCAN_THREAD = 'export scan';
/**
 * Shared slots in the ring: batches the thread may hold at once. The ring, the batch being cut and
 * the read buffers are most of the scan's fixed memory: 4 slots keep the thread fed (it is at most
 * a few batches behind; past that this thread processes the batch itself) at about a third of the
 * 8 × 1 MiB slots' memory (docs/PERFORMANCE.md, "Peak RSS").
 */
export const SLOTS = 4;
/**
 * A batch's bytes at most (BATCH_LINES lines at most). Each batch in flight holds a buffer of this
 * size for its bytes and, once processed, about as much for its outputs, and both are kept as spares
 * afterwards (DayScanner), as many as were ever in flight at once: 256 KiB, not 512, halves that at
 * the same CPU (docs/PERFORMANCE.md, pm18).
 */
export const BATCH_BYTES = 256 * 1024;
/**
 * Batches cut and not yet written past which the export's read waits (DayScanner.room, checked
 * after each read chunk). While the thread is behind, the reading thread processes batches itself,
 * and each result waits for the thread's earlier ones with its batch's bytes and digests (the
 * records point into them). Unbounded, a thread the system left unscheduled for a while let tens of
 * them pile up, and the spare buffers they left were kept to the end of the scan. At most
 * MAX_BATCHES_HELD are held at once.
 */
export const MAX_UNWRITTEN = SLOTS - 1;
/**
 * Batch buffers (bytes, digests, outputs) a DayScanner holds at most of each kind, in flight or
 * spare: MAX_UNWRITTEN, what one read chunk cuts after the read was let go (a batch more where a
 * chunk's lines straddle), and the batch being cut.
 */
export const MAX_BATCHES_HELD = MAX_UNWRITTEN + DEFAULT_CHUNK_BYTES / BATCH_BYTES + 2;

/** A batch handed over whose records are not fed yet: its first line, its lines' digests and its bytes. */
export interface WaitingBatch {
  readonly firstLine: number;
  readonly digests: Buffer;
  readonly lines: number;
  readonly buf: Buffer;
  readonly used: number;
}

/** A promise to wait at until the next `open()` (every waiter then goes on). */
export class Gate {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise<void>((res) => {
      this.waiters.push(res);
    });
  }
  open(): void {
    if (this.waiters.length === 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}

/** Undefined when neither is a promise, else one for when both have settled. */
export function whenBoth(a: Promise<void> | undefined, b: Promise<void> | undefined): Promise<void> | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Promise.all([a, b]).then(() => undefined);
}

/** At most this many lines a batch (512 KiB of the shortest lines the format allows, ~240 B, is ~2,200). */
export const BATCH_LINES = 4096;

/** A line's SHA-256 in a batch's digests: the line tree's leaves are hashed where the batch is processed. */
export const DIGEST_BYTES = 32;

/**
 * Ints of a batch's entry tables (EntryTable.writeTo), when the lines were already read as events
 * by the reading thread (verify's log check): about 56 a 300-byte line of 11 keys, so 384 KiB hold
 * a full batch of such lines; past that the batch is cut early.
 */
export const TABLE_INTS = 96 * 1024;

/**
 * Receives a batch's compliance records: the record of line `firstLine + k` (1-based) belongs
 * with the 32 bytes at `digests[32k]`, that line's SHA-256, and points into `lines`, the batch's
 * bytes. `records`, `lines` and `digests` are valid only during the call (their buffers are reused
 * for a later batch): bytes, not a string per line, so nothing per line is held while a batch waits
 * its turn.
 */
export type RecordsConsumer = (records: Int32Array, lines: Buffer, firstLine: number, digests: Uint8Array) => void;

/**
 * The ring of shared slots: `bufs[i]` line bytes, `metas[i]` META numbers per line, `digests[i]`
 * each line's SHA-256 (DIGEST_BYTES a line, for the line tree); `state[i]` is 1
 * while a batch waits in slot i or is being processed, `owner[i]` the id of that batch.
 */
export interface ScanInit {
  readonly alertFilter: AlertFilterConfig;
  /** Also write the compliance checks' records (one scan of each line serves both). */
  readonly checks: boolean;
  /** The CSV cell rules to write by (src/pack/csv.ts): a pack's own, when verify derives it again. */
  readonly csvRules: CsvRules;
  readonly state: Int32Array;
  readonly owner: Int32Array;
  readonly bufs: readonly SharedArrayBuffer[];
  readonly metas: readonly SharedArrayBuffer[];
  readonly digests: readonly SharedArrayBuffer[];
  /** Each slot's entry tables of lines read before (TABLE_INTS), or none when no line comes read. */
  readonly tables: readonly SharedArrayBuffer[];
  /**
   * The handler keeps the derived files' digests (scan-digests.ts): a slot batch's outputs are
   * hashed where it is processed and not sent back; DigestJobs bring the others'.
   */
  readonly sums: boolean;
}

/** A batch in slot `slot` of the ring (posted to the thread). */
export interface SlotBatch {
  readonly id: number;
  readonly slot: number;
  readonly used: number;
  readonly count: number;
  /** Index (from 0) of the batch's first line in the log: where its subtrees sit in the line tree. */
  readonly first: number;
  /** A buffer a written batch's outputs were in, for this batch's (BatchProcessor.spare; moved with the job). */
  readonly spare?: ArrayBuffer | undefined;
}

/** A batch where it was cut (only ever run on the reading thread). */
export interface LocalBatch {
  readonly id: number;
  readonly buf: Buffer;
  readonly meta: Float64Array;
  readonly digests: Buffer;
  /** The entry tables of the lines read before (scan-day.ts DayScanner.push), if any. */
  readonly tables: Int32Array | undefined;
  readonly used: number;
  readonly count: number;
  readonly first: number;
  /** As SlotBatch's. */
  readonly spare?: ArrayBuffer | undefined;
}

/**
 * A processed batch: its rows and records, and its lines hashed into the line tree (the roots of
 * the complete subtrees they make, src/merkle/line-tree.ts), so the reading thread only joins them.
 */
export interface ScanResult extends BatchResult {
  readonly tree: LineSubtrees;
}

/** A job of the scan's handler: a batch, or (with ScanInit.sums) outputs to hash, or the digests' end. */
export type ScanJob = SlotBatch | LocalBatch | DigestJob | DigestEnd;
/** Its answer: a batch's result, or a DigestJob's buffer (and, at the end, the digests). */
export type ScanAnswer = ScanResult | DigestAnswer;

/**
 * A ring for `threads`, or an empty one (no thread: no shared memory). `tables`: lines may come
 * already read as events, with their entry tables (verify).
 */
export function makeScanInit(
  alertFilter: AlertFilterConfig,
  threads: boolean,
  checks = false,
  tables = false,
  csvRules: CsvRules = CSV_RULES,
  sums = false,
): ScanInit {
  const n = threads ? SLOTS : 0;
  return {
    alertFilter,
    checks,
    csvRules,
    state: new Int32Array(new SharedArrayBuffer(4 * SLOTS)),
    owner: new Int32Array(new SharedArrayBuffer(4 * SLOTS)),
    bufs: Array.from({ length: n }, () => new SharedArrayBuffer(BATCH_BYTES)),
    metas: Array.from({ length: n }, () => new SharedArrayBuffer(8 * META * BATCH_LINES)),
    digests: Array.from({ length: n }, () => new SharedArrayBuffer(DIGEST_BYTES * BATCH_LINES)),
    tables: Array.from({ length: tables ? n : 0 }, () => new SharedArrayBuffer(4 * TABLE_INTS)),
    sums,
  };
}

/**
 * The handler of scan batches, in the thread or here; results own their bytes (they may wait).
 * `processor`: the reading thread's own (its outputs are reset by every batch and copied here), so
 * that thread does not keep a second set of output buffers (about 2.5 MiB) for the batches it runs.
 */
export const setupScan = (
  init: ScanInit,
  processor = new BatchProcessor(init.alertFilter, init.checks, init.csvRules),
): ReturnType<SetupJobs<ScanInit, ScanJob, ScanAnswer>> => {
  const bufs = init.bufs.map((b) => Buffer.from(b));
  const metas = init.metas.map((m) => new Float64Array(m));
  const digests = init.digests.map((d) => Buffer.from(d));
  const tables = init.tables.map((t) => new Int32Array(t));
  const sums = init.sums ? new BatchDigests() : undefined;
  return {
    run(job) {
      if ('digest' in job) {
        (sums as BatchDigests).addJob(job);
        return { buf: job.buf };
      }
      if ('end' in job) return { buf: new ArrayBuffer(0), digests: (sums as BatchDigests).end(job.end) };
      processor.spare = job.spare;
      if (!('slot' in job))
        return {
          ...processor.process(job.id, job.buf, job.used, job.meta, job.count, true, job.tables),
          tree: lineSubtrees(job.digests, job.first, job.count),
        };
      // Re-run here after the thread died: the slot must still hold this batch. The thread frees a
      // slot before it answers, so a death in between may have let the reader refill it (the reader
      // fills a slot synchronously, so an owner still equal to the id means intact bytes).
      if (Atomics.load(init.owner, job.slot) !== job.id)
        throw new AuditpackError('WORKER_FAILED', `export scan: batch ${job.id} was lost with the thread`);
      const r = processor.process(
        job.id,
        bufs[job.slot] as Buffer,
        job.used,
        metas[job.slot] as Float64Array,
        job.count,
        sums === undefined,
        tables[job.slot],
      );
      const tree = lineSubtrees(digests[job.slot] as Buffer, job.first, job.count);
      Atomics.store(init.state, job.slot, 0); // the slot is free as soon as its bytes are read
      if (sums === undefined) return { ...r, tree };
      // The outputs are hashed here, from the processor's views; only the records go back.
      sums.add(job.id, r.orders, r.fills, r.alerts);
      return { ...r, ...outputsInto(r.records, NO_OUTPUT, NO_OUTPUT, NO_OUTPUT, job.spare), tree };
    },
    // The outputs' one buffer moves whole: it may be longer than they are (outputsInto), and a
    // later batch's are copied into it when the reading thread gives it back.
    transfer: (r) => {
      const b = 'buf' in r ? r.buf : r.orders.buffer;
      return b instanceof ArrayBuffer && b.byteLength > 0 ? [b] : [];
    },
  };
};
